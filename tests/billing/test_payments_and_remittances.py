"""Item 7: payments keyed in by finance. A received date outside a sensible window, or more
than an invoice still owes, is refused with a reason and writes nothing; one remittance can pay
several invoices of an account, its remainder held as account credit.

Finance officers are added through Wagtail's Users → Add user and sign in through allauth."""

import html
import re
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import School
from billing import services
from billing.models import CreditEntry, Invoice, Payment, Remittance
from tests import people as via
from tests.billing.addresses import addressed

from .finance.helpers import D, issue

TODAY = timezone.localdate


def text(response):
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def money_state():
    """Everything recording a payment or a remittance could write."""
    return (
        Payment.objects.count(),
        Remittance.objects.count(),
        CreditEntry.objects.count(),
        list(Invoice.objects.order_by("pk").values_list("status", flat=True)),
    )


def staff(email, *groups):
    via.add_staff_in_wagtail(via.superuser_client(Client), email, *groups)
    client = Client()
    via.first_sign_in(client, email)
    return client


@pytest.fixture
def finance(people):
    """A finance officer, added in Wagtail by the cast's superuser."""
    return staff("ledger.clerk@example.gov.uk", "Finance officers")


def _school(people, urn, name):
    return School.objects.create(
        urn=urn,
        name=name,
        local_authority=people["school_a"].local_authority,
        type_group="la_maintained",
        phase="primary",
    )


@pytest.fixture
def larkspur(people):
    """An account with two open invoices: £240.00 (60 days old) and £180.00 (30 days old).
    £200.00 net + 20 % VAT (£40.00) = £240.00; £150.00 net + 20 % VAT (£30.00) = £180.00."""
    account = addressed(services.school_account(_school(people, 881001, "Larkspur Primary")))
    older = issue(account, [("Place: Phonics", "200.00", "standard")], on=TODAY() - timedelta(60))
    newer = issue(account, [("Place: Maths", "150.00", "standard")], on=TODAY() - timedelta(30))
    assert (older.gross, newer.gross) == (D("240.00"), D("180.00"))
    return account, older, newer


@pytest.fixture
def elsewhere(people):
    """Another account's open invoice: £50.00 net, exempt, so £50.00."""
    account = addressed(services.school_account(_school(people, 881002, "Elmstead Primary")))
    return issue(account, [("Place: Briefing", "50.00", "exempt")], on=TODAY() - timedelta(10))


def _url(account):
    return f"/admin/billing/allocate-remittance/?account={account.pk}"


def _remit(client, account, allocations, **overrides):
    data = {
        "amount": "500.00",
        "method": "bacs",
        "received_on": TODAY().strftime("%d/%m/%Y"),
        "reference": "BACS LARKSPUR 0412",
        **{f"alloc_{invoice.pk}": share for invoice, share in allocations},
        **overrides,
    }
    return client.post(_url(account), data)


# --- one remittance across several invoices ----------------------------------------------------


def test_the_page_fills_the_allocation_oldest_first(finance, larkspur):
    account, older, newer = larkspur
    page = finance.post(
        _url(account),
        {"amount": "300.00", "method": "bacs", "received_on": "", "reference": "", "fill": "1"},
    )
    assert page.status_code == 200
    form = page.context["form"]
    # £300.00 oldest first: all £240.00 of the older invoice, then the £60.00 left to the newer.
    assert form.initial[f"alloc_{older.pk}"] == D("240.00")
    assert form.initial[f"alloc_{newer.pk}"] == D("60.00")
    assert not Remittance.objects.exists()  # filling in writes nothing


def test_500_over_240_and_180_pays_both_and_holds_80_as_credit(finance, larkspur):
    account, older, newer = larkspur
    credit_before = services.credit_balance(account)
    response = _remit(finance, account, [(older, "240.00"), (newer, "180.00")])
    assert response.status_code == 302, text(response)[-3000:]
    assert response["Location"] == f"/admin/billing/accounts/inspect/{account.pk}/"

    remittance = Remittance.objects.get()
    # £500.00 received − (£240.00 + £180.00 = £420.00 allocated) = £80.00 held as credit.
    assert (remittance.amount, remittance.allocated, remittance.held_as_credit) == (
        D("500.00"),
        D("420.00"),
        D("80.00"),
    )
    shares = {p.invoice_id: (p.amount, p.applied) for p in remittance.allocations.all()}
    assert shares == {older.pk: (D("240.00"),) * 2, newer.pk: (D("180.00"),) * 2}
    assert all(p.reference == "BACS LARKSPUR 0412" for p in remittance.allocations.all())
    for invoice in (older, newer):
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID and services.outstanding(invoice) == 0
    assert services.credit_balance(account) - credit_before == D("80.00")
    held = CreditEntry.objects.get(remittance=remittance)
    assert (held.kind, held.amount) == (CreditEntry.Kind.OVERPAYMENT, D("80.00"))

    page = text(finance.get(response["Location"]))
    assert (
        f"£500.00 recorded for Larkspur Primary: £240.00 to {older.number}, "
        f"£180.00 to {newer.number}. £80.00 is held as credit on the account." in page
    )


def test_a_part_allocation_leaves_the_rest_owed(finance, larkspur):
    account, older, newer = larkspur
    response = _remit(finance, account, [(older, "240.00"), (newer, "60.00")], amount="300.00")
    assert response.status_code == 302
    older.refresh_from_db()
    newer.refresh_from_db()
    # £180.00 − £60.00 = £120.00 still owed on the newer invoice; nothing left over.
    assert older.status == Invoice.Status.PAID
    assert newer.status == Invoice.Status.PART_PAID and services.outstanding(newer) == D("120.00")
    assert Remittance.objects.get().held_as_credit == 0
    assert not CreditEntry.objects.filter(remittance__isnull=False).exists()


@pytest.mark.parametrize(
    ("shares", "overrides", "message"),
    [
        # £240.00 + £180.00 = £420.00 allocated out of £400.00.
        (("240.00", "180.00"), {"amount": "400.00"}, "£420.00 is allocated but only £400.00"),
        (("250.00", ""), {}, "£250.00 is more than the £240.00 still owed on"),
        (("-10.00", ""), {}, "Allocate £0.00 or more"),
        (("240.00", ""), {"amount": "-500.00"}, "Ensure this value is greater than or equal to 0"),
        (("240.00", ""), {"amount": "0"}, "Enter an amount more than £0.00"),
        (("240.00", ""), {"received_on": "01/01/1900"}, "1 January 1900 is more than a year ago"),
        (("240.00", ""), {"method": "card"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(finance, larkspur, shares, overrides, message):
    account, older, newer = larkspur
    before = money_state()
    response = _remit(finance, account, list(zip((older, newer), shares)), **overrides)
    assert response.status_code == 200
    assert message in text(response)
    assert money_state() == before


def test_a_future_date_is_refused_and_writes_nothing(finance, larkspur):
    account, older, newer = larkspur
    tomorrow = TODAY() + timedelta(days=1)
    before = money_state()
    response = _remit(
        finance, account, [(older, "240.00")], received_on=tomorrow.strftime("%d/%m/%Y")
    )
    assert "A payment cannot be received in the future" in text(response)
    assert money_state() == before


def test_another_account_s_invoice_is_refused_and_writes_nothing(finance, larkspur, elsewhere):
    account, older, _ = larkspur
    before = money_state()
    response = _remit(finance, account, [(older, "240.00"), (elsewhere, "50.00")])
    assert response.status_code == 200
    assert f"{elsewhere.number} is not one of Larkspur Primary's invoices" in text(response)
    assert money_state() == before


def test_the_same_remittance_keyed_twice_is_refused(finance, larkspur):
    account, older, newer = larkspur
    _remit(finance, account, [(older, "100.00")], amount="100.00")
    before = money_state()
    response = _remit(finance, account, [(newer, "100.00")], amount="100.00")
    assert "already recorded for Larkspur Primary" in text(response)
    assert money_state() == before


def test_the_database_refuses_allocations_beyond_the_remittance(larkspur):
    account, _, _ = larkspur
    with pytest.raises(IntegrityError), transaction.atomic():
        Remittance.objects.create(
            account=account,
            method="bacs",
            amount=D("100.00"),
            allocated=D("120.00"),
            held_as_credit=D("-20.00"),
            received_on=TODAY(),
        )


def test_reached_from_the_account_and_invoice_pages_by_finance_only(finance, larkspur):
    account, older, _ = larkspur
    link = f"/admin/billing/allocate-remittance/?account={account.pk}"
    assert link in text(finance.get(f"/admin/billing/accounts/inspect/{account.pk}/"))
    invoice_page = text(finance.get(f"/admin/billing/invoices/inspect/{older.pk}/"))
    assert f"/admin/billing/allocate-remittance/?invoice={older.pk}" in invoice_page
    assert finance.get(f"/admin/billing/allocate-remittance/?invoice={older.pk}").status_code == 200

    manager = staff("reader@example.gov.uk", "Service managers")
    assert link not in text(manager.get(f"/admin/billing/accounts/inspect/{account.pk}/"))
    before = money_state()
    assert manager.get(link).status_code == 302  # Wagtail: back to the dashboard
    assert _remit(manager, account, [(older, "240.00")]).status_code == 302
    bookings = staff("desk@example.gov.uk", "Bookings officers")
    assert _remit(bookings, account, [(older, "240.00")]).status_code == 302
    assert money_state() == before


# --- one payment against one invoice ------------------------------------------------------------


def _pay(client, invoice, **overrides):
    data = {
        "invoice_number": invoice.number,
        "amount": "100.00",
        "method": "bacs",
        "received_on": TODAY().strftime("%d/%m/%Y"),
        "reference": "",
        **overrides,
    }
    return client.post("/admin/billing/record-payment/", data)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"received_on": "01/01/1900"}, "1 January 1900 is more than a year ago"),
        # Issued 60 days ago; 75 days ago is more than 14 days before that.
        ({"received_on": "-75"}, "is before {number} was issued"),
        ({"received_on": "+1"}, "A payment cannot be received in the future"),
        # £240.00 is owed: £240.01 is a penny more.
        ({"amount": "240.01"}, "£240.01 is more than the £240.00 still owed on {number}"),
    ],
)
def test_record_a_payment_refuses_bad_dates_and_overpayment(finance, larkspur, overrides, message):
    _, older, _ = larkspur
    if overrides.get("received_on", "").startswith(("-", "+")):
        day = TODAY() + timedelta(days=int(overrides["received_on"]))
        overrides["received_on"] = day.strftime("%d/%m/%Y")
    before = money_state()
    response = _pay(finance, older, **overrides)
    assert response.status_code == 200
    assert message.format(number=older.number) in text(response)
    assert money_state() == before


def test_record_a_payment_takes_the_balance_dated_just_before_the_invoice(finance, larkspur):
    _, older, _ = larkspur
    # A school may pay from its booking confirmation a few days before the invoice arrives.
    early = older.issued_on - timedelta(days=3)
    response = _pay(finance, older, amount="240.00", received_on=early.strftime("%d/%m/%Y"))
    assert response.status_code == 302
    older.refresh_from_db()
    assert older.status == Invoice.Status.PAID
    assert older.payments.get().received_on == early


def test_a_paid_invoice_takes_no_more_keyed_payments(finance, larkspur):
    _, older, _ = larkspur
    _pay(finance, older, amount="240.00")
    before = money_state()
    response = _pay(finance, older, amount="10.00", reference="again")
    assert f"{older.number} is paid in full" in text(response)
    assert money_state() == before
