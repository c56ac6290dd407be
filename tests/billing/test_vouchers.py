"""Prepaid credit is a voucher (VAT Act 1994 Sch 10B; docs/vat.md): VAT is charged once, on the
voucher (single-purpose) or on each place it pays for (multi-purpose), and the money is deferred
income until a place is charged.

Hand-worked examples. Riverside Academy pays the list price (finance put it in the partner
maintained band, 100%); the standard-rated course is £180 a place, the exempt one £150.

1. MPV "Gold" sold, £2,700 of credit: invoice £2,700.00, VAT £0.00 (outside the scope).
   Ledger: Dr debtors 2,700 / Cr deferred income 2,700. Credit £2,700.00.
2. Standard £180 place from the MPV: £180.00 + 20% £36.00 = £216.00, paid by credit.
   Ledger: line £180 on the strand's code, VAT £36; journal Dr deferred 216 / Cr debtors 216.
   Credit 2,700 − 216 = £2,484.00.
3. Exempt £150 place from the MPV: £150.00, VAT £0.00, paid by credit. 2,484 − 150 = £2,334.00.
   Income report: £180 + £150 = £330.00 more; never the £2,700.
4. SPV "Silver" sold, £1,000 of credit: £1,000.00 + 20% £200.00 = £1,200.00. Credit £1,000.00.
5. Standard £180 place from the SPV: £180.00, VAT £0.00 (paid on the voucher), paid by
   credit: 1,000 − 180 = £820.00. Income £180.00, once.
6. Exempt £150 place at the SPV school: not the voucher's to pay (standard-rated only):
   £150.00, VAT £0.00, owed; credit stays £820.00. Income £180 + £150 = £330.00.
7. MPV, standard £180 place cancelled late (50%): the place was £216.00, paid by credit
   (2,700 − 216 = 2,484); the charge is now £90 + £18 VAT = £108, so a credit note for
   £90 + £18 = £108 goes back: £2,592.00. Income 180 − 90 = £90.00.
8. SPV, the same late cancellation: £180 paid from Silver; £90 goes back, no VAT either way:
   1,000 − 180 + 90 = £910.00.
"""

import csv
import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.test import Client
from django.utils import timezone

from billing import services
from billing.models import (
    CreditNote,
    Invoice,
    InvoiceLine,
    Package,
    PriceBand,
)
from bookings import services as bookings
from courses.models import Session
from reports import services as report_services
from reports.filters import read_filters
from tests import people as via
from tests.factories import billing

D = Decimal
DEFERRED = "2410-DEF"  # BillingSettings' default deferred-income code


@pytest.fixture
def officer(people):
    email = "vouchers.officer@haverleigh.gov.uk"
    via.add_staff_in_wagtail(via.superuser_client(Client), email, "Finance officers")
    client = Client()
    via.first_sign_in(client, email)
    return client


@pytest.fixture
def riverside(school):
    """Riverside Academy, invoiced per booking, at the list price (finance's band choice)."""
    account = services.school_account(school)
    account.price_band = PriceBand.objects.get(code=PriceBand.Code.PARTNER_MAINTAINED)
    account.save()
    assert services.credit_balance(account) == 0
    return school


@pytest.fixture
def standard_run(priced_run):
    priced_run.course.default_price = 180
    priced_run.course.late_cancellation_charge_percent = 50
    priced_run.course.save()
    return priced_run


@pytest.fixture
def exempt_run(standard_run):
    """Another bookable run, of a VAT-exempt course at £150, with 200 places."""
    return billing.priced_run("150.00", capacity=200, vat_treatment="exempt")


def _create_package(officer, name, voucher_type, amount):
    response = officer.post(
        "/admin/billing/packages/new/",
        {"name": name, "kind": "credits", "price": amount, "discount_percent": "0",
         "credit_amount": amount, "voucher_type": voucher_type,
         "nominal_code": "4190-PKG"},  # the form's initial value, as a browser sends it
    )  # fmt: skip
    assert response.status_code == 302, response.content[-2000:]
    return Package.objects.get(name=name)


def _sell(officer, school, package):
    account = services.school_account(school)
    response = officer.post(
        "/admin/billing/sell-package/",
        {"account": account.pk, "package": package.pk,
         "starts_on": timezone.localdate().strftime("%d/%m/%Y")},
    )  # fmt: skip
    assert response.status_code == 302
    return Invoice.objects.get(lines__package__package=package, account=account)


def _place_line(booking):
    return InvoiceLine.objects.select_related("invoice").get(enrolment__booking=booking)


def _income():
    query = QueryDict(mutable=True)
    filters = read_filters(query, report_services.REPORTS["income"].thresholds)
    return report_services.income(filters).table("by-strand").footer[3]


def _csv(officer, kind):
    today = timezone.localdate().isoformat()
    response = officer.get(
        "/admin/billing/ledger-export/", {"start": today, "end": today, "kind": kind}
    )
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _move_start(run, days):
    first = run.sessions.order_by("starts_at").first()
    shift = timezone.now() + timezone.timedelta(days=days) - first.starts_at
    for s in run.sessions.all():
        Session.objects.filter(pk=s.pk).update(
            starts_at=s.starts_at + shift, ends_at=s.ends_at + shift
        )


def test_a_multi_purpose_voucher_is_sold_without_vat_and_each_place_bears_its_own(
    officer, riverside, standard_run, exempt_run, book, on_commit
):
    account = services.school_account(riverside)
    income_before = _income()

    # 1. Gold, £2,700: no VAT, on the deferred-income code, owed in full.
    gold = _create_package(officer, "Gold prepaid", "multi", "2700.00")
    sale = _sell(officer, riverside, gold)
    assert (sale.net, sale.vat, sale.gross) == (D("2700.00"), D("0.00"), D("2700.00"))
    line = sale.lines.get()
    assert (line.vat_treatment, line.vat_rate, line.nominal_code) == (
        "outside_scope",
        D("0.000"),
        DEFERRED,
    )
    assert "Outside the scope of VAT: multi-purpose voucher" in line.description
    assert services.outstanding(sale) == D("2700.00")
    assert services.credit_balance(account) == D("2700.00")

    # 2. A standard-rated £180 place: £180 + £36 = £216, paid from the credit.
    with on_commit():
        standard = book(standard_run, riverside)
    place = _place_line(standard)
    assert (place.net, place.vat, place.gross) == (D("180.00"), D("36.00"), D("216.00"))
    assert place.invoice.status == Invoice.Status.PAID
    assert services.credit_balance(account) == D("2484.00")

    # 3. An exempt £150 place: £150, no VAT, paid from the credit.
    with on_commit():
        exempt = book(exempt_run, riverside)
    place = _place_line(exempt)
    assert (place.vat_treatment, place.net, place.vat, place.gross) == (
        "exempt",
        D("150.00"),
        D("0.00"),
        D("150.00"),
    )
    assert place.invoice.status == Invoice.Status.PAID
    assert services.credit_balance(account) == D("2334.00")

    # Income: the two places, once; the £2,700 is deferred income, not income.
    assert _income() - income_before == D("330.00")

    # The ledger: the sale on the deferred-income code with no VAT...
    invoices = {(r[0], r[8]): r for r in _csv(officer, "invoices")[1:]}
    assert invoices[(sale.number, DEFERRED)][9:] == ["outside_scope", "0.00", "2700.00", "0.00",
                                                      "2700.00"]  # fmt: skip
    # ...and each redemption a journal from deferred income to debtors, for the place whose
    # line is on its strand's income code.
    journal = {r[1]: r for r in _csv(officer, "redemptions")[1:]}
    for booking, amount in [(standard, "216.00"), (exempt, "150.00")]:
        place = _place_line(booking)
        row = journal[place.invoice.number]
        assert row[5:] == ["Prepaid credit", DEFERRED, "1100-DEB", place.nominal_code, amount]
    assert sale.number not in journal


def test_a_single_purpose_voucher_bears_vat_when_sold_and_none_when_it_pays(
    officer, riverside, standard_run, exempt_run, book, on_commit
):
    account = services.school_account(riverside)
    income_before = _income()

    # 4. Silver, £1,000 of single-purpose credit: £1,000 + £200 VAT = £1,200, deferred.
    silver = _create_package(officer, "Silver prepaid", "single", "1000.00")
    sale = _sell(officer, riverside, silver)
    assert (sale.net, sale.vat, sale.gross) == (D("1000.00"), D("200.00"), D("1200.00"))
    line = sale.lines.get()
    assert (line.vat_treatment, line.nominal_code) == ("standard", DEFERRED)
    assert services.credit_balance(account) == D("1000.00")

    # 5. A standard-rated £180 place: no VAT again; the credit pays its £180.
    with on_commit():
        standard = book(standard_run, riverside)
    place = _place_line(standard)
    assert (place.vat_treatment, place.net, place.vat, place.gross) == (
        "voucher_paid",
        D("180.00"),
        D("0.00"),
        D("180.00"),
    )
    assert "VAT accounted for when the voucher was sold" in place.description
    assert place.invoice.status == Invoice.Status.PAID
    assert services.credit_balance(account) == D("820.00")

    # 6. An exempt place is not the voucher's to pay: invoiced as usual, and owed.
    with on_commit():
        exempt = book(exempt_run, riverside)
    place = _place_line(exempt)
    assert (place.vat_treatment, place.gross) == ("exempt", D("150.00"))
    assert services.outstanding(place.invoice) == D("150.00")
    assert services.credit_balance(account) == D("820.00")

    # Income: the two places charged, £180 + £150; never the £1,000.
    assert _income() - income_before == D("330.00")
    journal = {r[1]: r for r in _csv(officer, "redemptions")[1:]}
    row = journal[_place_line(standard).invoice.number]
    assert row[5:] == ["Single-purpose voucher", DEFERRED, "1100-DEB", line_code(standard),
                       "180.00"]  # fmt: skip


def line_code(booking):
    return _place_line(booking).nominal_code


def test_a_late_cancellation_paid_from_a_multi_purpose_voucher_gives_back_the_difference(
    officer, riverside, standard_run, book, on_commit
):
    account = services.school_account(riverside)
    income_before = _income()  # before the sale: the £2,700 must never be income
    _sell(officer, riverside, _create_package(officer, "Gold prepaid", "multi", "2700.00"))
    _move_start(standard_run, 5)  # inside the 14 days: a late cancellation, charged 50%
    with on_commit():
        booking = book(standard_run, riverside)
    assert services.credit_balance(account) == D("2484.00")  # 2,700 − 216
    with on_commit():
        bookings.cancel_enrolment(booking.enrolments.get().pk, by=booking.booked_by)
    # Charged £90 + £18 VAT = £108 of the £216: the credit note takes back £90 + £18.
    note = CreditNote.objects.get(invoice=_place_line(booking).invoice)
    assert (note.net, note.vat, note.gross, note.returned) == (
        D("90.00"),
        D("18.00"),
        D("108.00"),
        D("108.00"),
    )
    assert services.credit_balance(account) == D("2592.00")  # 2,484 + 108
    assert _income() - income_before == D("90.00")  # 180 − 90


def test_a_late_cancellation_paid_from_a_single_purpose_voucher_returns_credit_without_vat(
    officer, riverside, standard_run, book, on_commit
):
    # £180 paid from Silver (no VAT on the place), cancelled late at 50%: £90 goes back to the
    # voucher, with no VAT either way. 1,000 − 180 + 90 = £910.00.
    account = services.school_account(riverside)
    _sell(officer, riverside, _create_package(officer, "Silver prepaid", "single", "1000.00"))
    _move_start(standard_run, 5)
    with on_commit():
        booking = book(standard_run, riverside)
    with on_commit():
        bookings.cancel_enrolment(booking.enrolments.get().pk, by=booking.booked_by)
    note = CreditNote.objects.get(invoice=_place_line(booking).invoice)
    assert (note.net, note.vat, note.returned) == (D("90.00"), D("0.00"), D("90.00"))
    assert services.credit_balance(account, single_purpose=True) == D("910.00")


def test_a_discount_package_is_not_a_voucher_its_sale_is_taxed_and_is_income(officer, riverside):
    # Bronze (the demo's): £450 + 20% = £540.00, an income line, no voucher type.
    bronze = billing.package("Bronze")
    assert bronze.voucher_type == ""
    income_before = _income()
    sale = _sell(officer, riverside, bronze)
    assert (sale.net, sale.vat, sale.gross) == (D("450.00"), D("90.00"), D("540.00"))
    assert sale.lines.get().nominal_code != DEFERRED
    assert _income() - income_before == D("450.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Package.objects.filter(pk=bronze.pk).update(voucher_type="multi")


def test_the_package_page_tells_finance_which_vat_treatment_it_uses(officer, people):
    gold = billing.package("Gold")
    assert gold.voucher_type == "multi"  # the migration's and the model's lawful default
    page = officer.get(f"/admin/billing/packages/inspect/{gold.pk}/").content.decode()
    assert "Multi-purpose voucher (VAT Act 1994 Sch 10B para 7)" in page
    assert "no VAT when the package is sold" in page
    silver = _create_package(officer, "Silver prepaid", "single", "1000.00")
    page = officer.get(f"/admin/billing/packages/inspect/{silver.pk}/").content.decode()
    assert "Single-purpose voucher (VAT Act 1994 Sch 10B para 4)" in page
