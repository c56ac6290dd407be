"""Finance officers correct money by hand in the admin (issue 16, item 3): a credit adjustment
with a reason, a manual credit note or void against an issued invoice, a manual invoice. Each
keeps who, when and why; other staff are refused; bad input writes nothing."""

import html
import re
from datetime import date

import pytest
from django.test import Client

from billing import services
from billing.models import CreditEntry, CreditNote, Invoice, NumberSeries
from settlement import services as settlement
from tests import people as via

from .helpers import D, issue


def text(response):
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def staff(email, group):
    """A council officer in `group`, added in Wagtail's Users and signed in."""
    via.add_staff_in_wagtail(via.superuser_client(Client), email, group)
    client = Client()
    via.first_sign_in(client, email)
    return client


@pytest.fixture
def officer(people):
    """A finance officer, added in Wagtail by the cast's superuser."""
    return staff("fo.manual@example.gov.uk", "Finance officers")


@pytest.fixture(params=["Service managers", "Bookings officers"])
def other_staff(request, people):
    return staff(f"other.{request.param.split()[0].lower()}@example.gov.uk", request.param)


@pytest.fixture
def account_a(people):
    """Oakfield Primary's account, invoiced to the school's GIAS address."""
    return services.school_account(people["school_a"])


def money_state():
    """Everything a correction could write."""
    return (
        CreditEntry.objects.count(),
        CreditNote.objects.count(),
        Invoice.objects.count(),
        list(NumberSeries.objects.order_by("pk").values_list("next_number", flat=True)),
        list(Invoice.objects.order_by("pk").values_list("status", flat=True)),
    )


# --- 1. a credit adjustment -------------------------------------------------------------------


def adjust_url(account):
    return f"/admin/billing/adjust-credit/{account.pk}/"


def test_the_account_page_offers_adjusting_credit(officer, account_a):
    page = text(officer.get(f"/admin/billing/accounts/inspect/{account_a.pk}/"))
    assert "Adjust credit…" in page and adjust_url(account_a) in page


def test_finance_adds_then_takes_credit_with_a_reason_and_the_ledger_says_who(officer, account_a):
    start = services.credit_balance(account_a)
    response = officer.post(
        adjust_url(account_a), {"amount": "50.00", "reason": "Goodwill: room double-booked"}
    )
    assert response.status_code == 302
    # Take £20.00 back: £50.00 - £20.00 = £30.00 more than before.
    officer.post(adjust_url(account_a), {"amount": "-20.00", "reason": "Keyed £20 too much"})
    assert services.credit_balance(account_a) == start + D("30.00")
    entries = CreditEntry.objects.filter(account=account_a, kind="adjustment").order_by("pk")
    assert [(e.amount, e.note, e.created_by.email) for e in entries] == [
        (D("50.00"), "Goodwill: room double-booked", "fo.manual@example.gov.uk"),
        (D("-20.00"), "Keyed £20 too much", "fo.manual@example.gov.uk"),
    ]
    page = text(officer.get(f"/admin/billing/accounts/inspect/{account_a.pk}/"))
    assert "Goodwill: room double-booked" in page and "Adjustment by finance" in page
    assert "Staff Fo.Manual" in page  # who, by name


def test_an_adjustment_never_takes_the_credit_below_zero(officer, account_a):
    officer.post(adjust_url(account_a), {"amount": "10.00", "reason": "Goodwill"})
    held = services.credit_balance(account_a, single_purpose=False)
    before = money_state()
    over = -(held + D("0.01"))  # a penny more than the account holds
    response = officer.post(adjust_url(account_a), {"amount": str(over), "reason": "Too much"})
    assert response.status_code == 200
    assert "would take" in text(response) and "below zero" in text(response)
    assert money_state() == before


@pytest.mark.parametrize(
    "data, message",
    [
        ({"amount": "25.00", "reason": ""}, "Give a reason."),
        ({"amount": "25.00", "reason": "   "}, "Give a reason."),
        ({"amount": "0", "reason": "Nothing"}, "Enter an amount other than £0.00."),
        ({"amount": "ten", "reason": "Odd"}, "Enter a number."),
        ({"amount": "1.005", "reason": "Half a penny"}, "no more than 2 decimal places"),
    ],
)
def test_bad_adjustments_are_explained_and_write_nothing(officer, account_a, data, message):
    before = money_state()
    response = officer.post(adjust_url(account_a), data)
    assert response.status_code == 200 and message in text(response)
    assert money_state() == before


def test_a_nul_byte_is_refused_as_a_bad_request_and_writes_nothing(officer, account_a):
    before = money_state()
    response = officer.post(adjust_url(account_a), {"amount": "25.00", "reason": "Bad\x00byte"})
    assert response.status_code == 400  # the project's middleware refuses NUL in any request
    assert money_state() == before


def test_other_staff_cannot_adjust_credit(other_staff, account_a):
    before = money_state()
    assert other_staff.get(adjust_url(account_a)).status_code == 302  # Wagtail: to the dashboard
    response = other_staff.post(adjust_url(account_a), {"amount": "500", "reason": "Mine"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert money_state() == before
    page = text(other_staff.get(f"/admin/billing/accounts/inspect/{account_a.pk}/"))
    assert "Adjust credit…" not in page


def test_an_unknown_account_is_not_found(officer):
    assert officer.get("/admin/billing/adjust-credit/999999999/").status_code == 404


# --- 2. a manual credit note, and void --------------------------------------------------------


@pytest.fixture
def invoice_413(account_a):
    """An issued invoice: 3 x £45.50 data packs = £136.50 at 20% (VAT £27.30), and a £250.00
    exempt line (VAT £0.00): total £413.80."""
    return issue(
        account_a,
        [("Data pack x 3", "136.50", "standard"), ("Governor training", "250.00", "exempt")],
        on=date(2026, 11, 2),
    )


@pytest.fixture
def invoice_216(account_a):
    """One standard-rated place: £180.00 + VAT 20% £36.00 = £216.00."""
    return issue(account_a, [("Place: Phonics — A. Lovelace", "180.00", "standard")])


def credit_url(invoice):
    return f"/admin/billing/correct-invoice/{invoice.pk}/credit/"


def void_url(invoice):
    return f"/admin/billing/correct-invoice/{invoice.pk}/void/"


def test_the_invoice_page_offers_a_credit_note_and_void(officer, invoice_216):
    page = text(officer.get(f"/admin/billing/invoices/inspect/{invoice_216.pk}/"))
    assert "Credit note…" in page and credit_url(invoice_216) in page
    assert "Void (credit in full)…" in page and void_url(invoice_216) in page


def test_a_partial_credit_note_on_one_line(officer, invoice_413):
    first, exempt = invoice_413.lines.order_by("pk")
    owed = services.outstanding(invoice_413)
    response = officer.post(
        credit_url(invoice_413),
        {"reason": "One data pack not delivered", f"line_{first.pk}": "45.50"},
    )
    assert response.status_code == 302
    note = CreditNote.objects.get(invoice=invoice_413)
    # £45.50 + VAT 20% £9.10 = £54.60, off what is owed.
    assert (note.net, note.vat, note.gross) == (D("45.50"), D("9.10"), D("54.60"))
    assert note.number.startswith("CN-")
    assert note.reason == "One data pack not delivered"
    assert note.created_by.email == "fo.manual@example.gov.uk"
    assert [(cl.invoice_line_id, cl.net) for cl in note.lines.all()] == [(first.pk, D("45.50"))]
    assert services.outstanding(invoice_413) == owed - D("54.60")
    invoice_413.refresh_from_db()
    assert invoice_413.gross == D("413.80")  # the invoice itself is untouched
    page = text(officer.get(f"/admin/billing/credit-notes/inspect/{note.pk}/"))
    assert "One data pack not delivered" in page and "Staff Fo.Manual" in page


def test_void_credits_every_line_in_full_and_marks_the_invoice_void(officer, invoice_216):
    response = officer.post(void_url(invoice_216), {"reason": "Sent to the wrong school"})
    assert response.status_code == 302
    note = CreditNote.objects.get(invoice=invoice_216)
    # The whole £216.00: £180.00 + VAT £36.00.
    assert (note.net, note.vat, note.gross) == (D("180.00"), D("36.00"), D("216.00"))
    assert note.reason == "Void: Sent to the wrong school"
    invoice_216.refresh_from_db()
    assert invoice_216.status == Invoice.Status.VOID
    assert services.outstanding(invoice_216) == D("0.00")
    page = text(officer.get(f"/admin/billing/invoices/inspect/{invoice_216.pk}/"))
    assert "Void" in page and "Credit note…" not in page
    # Void is void: a second go is not offered and finds nothing.
    assert officer.get(void_url(invoice_216)).status_code == 404


def test_void_after_a_partial_credit_takes_what_is_left(officer, invoice_413):
    first, exempt = invoice_413.lines.order_by("pk")
    officer.post(credit_url(invoice_413), {"reason": "One pack", f"line_{first.pk}": "45.50"})
    officer.post(void_url(invoice_413), {"reason": "Cancelled"})
    void = CreditNote.objects.filter(invoice=invoice_413).order_by("pk").last()
    # Left: £136.50 - £45.50 = £91.00 at 20% (VAT £18.20), and £250.00 exempt:
    # net £341.00, VAT £18.20, total £359.20. With the first note's £54.60: £413.80.
    assert (void.net, void.vat, void.gross) == (D("341.00"), D("18.20"), D("359.20"))
    assert services.outstanding(Invoice.objects.get(pk=invoice_413.pk)) == D("0.00")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"reason": "", "first": "10.00"}, "Give a reason."),
        ({"reason": "Too much", "first": "136.51"}, "Only £136.50 is left to credit."),
        ({"reason": "Negative", "first": "-5.00"}, "a credit note only gives back"),
        ({"reason": "Nothing", "first": ""}, "Enter an amount to credit on at least one line."),
        ({"reason": "Odd", "first": "1e3x"}, "Enter a number."),
    ],
)
def test_bad_credit_notes_are_explained_and_write_nothing(officer, invoice_413, data, message):
    first = invoice_413.lines.order_by("pk").first()
    before = money_state()
    response = officer.post(
        credit_url(invoice_413), {"reason": data["reason"], f"line_{first.pk}": data["first"]}
    )
    assert response.status_code == 200 and message in text(response)
    assert money_state() == before


def test_a_void_needs_a_reason(officer, invoice_216):
    before = money_state()
    response = officer.post(void_url(invoice_216), {"reason": ""})
    assert response.status_code == 200 and "Give a reason." in text(response)
    assert money_state() == before


def test_other_staff_cannot_credit_or_void(other_staff, invoice_216):
    before = money_state()
    line = invoice_216.lines.get()
    for url, data in [
        (credit_url(invoice_216), {"reason": "x", f"line_{line.pk}": "10"}),
        (void_url(invoice_216), {"reason": "x"}),
    ]:
        assert other_staff.get(url).status_code == 302
        response = other_staff.post(url, data)
        assert response.status_code == 302 and response["Location"] == "/admin/"
    assert money_state() == before
    page = text(other_staff.get(f"/admin/billing/invoices/inspect/{invoice_216.pk}/"))
    assert "Credit note…" not in page and "Void (credit in full)…" not in page


# --- 3. a manual invoice ----------------------------------------------------------------------

MANUAL_URL = "/admin/billing/manual-invoice/"


def manual_invoice(account, *lines, po="PO-OAK-9001", reason="Data packs and a governors' day"):
    data = {
        "account": account.pk,
        "po_number": po,
        "reason": reason,
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "20",
    }
    for i, line in enumerate(lines):
        for name, value in line.items():
            data[f"lines-{i}-{name}"] = value
    for i in range(len(lines), 3):
        data[f"lines-{i}-vat_treatment"] = "standard"  # the untouched default of a blank line
    return data


DATA_PACKS = {
    "description": "Data pack",
    "quantity": "3",
    "unit_price": "45.50",
    "vat_treatment": "standard",
    "nominal_code": "4110-DATA",
}
GOVERNORS_DAY = {
    "description": "Governors' away day",
    "quantity": "1",
    "unit_price": "250.00",
    "vat_treatment": "exempt",
    "nominal_code": "4105-GOV",
}


def test_the_invoices_list_and_account_page_offer_a_manual_invoice(officer, account_a):
    assert MANUAL_URL in text(officer.get("/admin/billing/invoices/"))
    page = text(officer.get(f"/admin/billing/accounts/inspect/{account_a.pk}/"))
    assert "Add a manual invoice" in page and f"{MANUAL_URL}?account={account_a.pk}" in page


def test_a_manual_invoice_is_issued_numbered_and_worked_out_by_hand(officer, account_a):
    response = officer.post(MANUAL_URL, manual_invoice(account_a, DATA_PACKS, GOVERNORS_DAY))
    assert response.status_code == 302
    invoice = Invoice.objects.get(po_number="PO-OAK-9001")
    lines = list(invoice.lines.order_by("pk"))
    # 3 x £45.50 = £136.50 + VAT 20% £27.30 = £163.80;
    # 1 x £250.00 exempt = £250.00, VAT £0.00; invoice: £386.50 + £27.30 = £413.80.
    assert [(ln.description, ln.net, ln.vat, ln.gross, ln.vat_treatment, ln.nominal_code)
            for ln in lines] == [
        ("Data pack: 3 × £45.50", D("136.50"), D("27.30"), D("163.80"), "standard", "4110-DATA"),
        ("Governors' away day: 1 × £250.00", D("250.00"), D("0.00"), D("250.00"), "exempt",
         "4105-GOV"),
    ]  # fmt: skip
    assert (invoice.net, invoice.vat, invoice.gross) == (D("386.50"), D("27.30"), D("413.80"))
    assert invoice.number.startswith("CPD-") and invoice.status != Invoice.Status.DRAFT
    assert invoice.billed_to  # the account's address, checked and copied by issue_invoice
    assert invoice.created_by.email == "fo.manual@example.gov.uk"
    page = text(officer.get(response["Location"]))
    assert "Data packs and a governors' day" in page and "Staff Fo.Manual" in page

    # Then a partial credit note on the first line: £45.50 + VAT £9.10 = £54.60.
    officer.post(credit_url(invoice), {"reason": "One pack", f"line_{lines[0].pk}": "45.50"})
    assert CreditNote.objects.get(invoice=invoice).gross == D("54.60")


def test_quantity_times_price_is_rounded_once_to_the_penny(officer, account_a):
    line = {**DATA_PACKS, "quantity": "2.5", "unit_price": "33.33"}
    officer.post(MANUAL_URL, manual_invoice(account_a, line, po="PO-ROUND"))
    (ln,) = Invoice.objects.get(po_number="PO-ROUND").lines.all()
    # 2.5 x £33.33 = £83.325 -> £83.33 (half up); VAT 20% of £83.33 = £16.666 -> £16.67.
    assert (ln.net, ln.vat, ln.gross) == (D("83.33"), D("16.67"), D("100.00"))


def test_an_account_without_an_address_is_refused_and_takes_no_number(officer, people):
    from accounts.models import Trust
    from billing.models import Account

    # A trust billed centrally has no GIAS address of its own, and none was set.
    trust = Trust.objects.create(name="Haverleigh Learning Trust", uid="HLT-TEST")
    account = Account.objects.create(trust=trust, kind=Account.Kind.TRUST)
    before = money_state()
    response = officer.post(MANUAL_URL, manual_invoice(account, DATA_PACKS))
    assert response.status_code == 200 and "has no complete billing address" in text(response)
    assert money_state() == before


@pytest.mark.parametrize(
    "change, message",
    [
        ({"reason": ""}, "Give a reason."),
        ({"quantity": "-3"}, "Enter a quantity above 0."),
        ({"unit_price": "0"}, "Enter a unit price above £0.00."),
        ({"unit_price": "abc"}, "Enter a number."),
        ({"vat_treatment": "outside_scope"}, "Select a valid choice."),
        ({"description": ""}, "This field is required."),
    ],
)
def test_bad_manual_invoices_are_explained_and_write_nothing(officer, account_a, change, message):
    data = manual_invoice(account_a, {**DATA_PACKS, **{k: v for k, v in change.items()
                                                       if k != "reason"}})  # fmt: skip
    if "reason" in change:
        data["reason"] = change["reason"]
    before = money_state()
    response = officer.post(MANUAL_URL, data)
    assert response.status_code == 200 and message in text(response)
    assert money_state() == before


def test_other_staff_cannot_raise_a_manual_invoice(other_staff, account_a):
    before = money_state()
    assert other_staff.get(MANUAL_URL).status_code == 302
    response = other_staff.post(MANUAL_URL, manual_invoice(account_a, DATA_PACKS))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert money_state() == before


def test_a_void_place_invoice_is_charged_again_once_not_twice(
    officer, priced_run, school, book, on_commit
):
    """Riverside (partner academy, 110% of £200): a place is £220.00 + VAT £44.00 = £264.00.
    Void that invoice (credit note £264.00); the place is still booked, so settlement invoices
    it again: £264.00 once (£220.00 invoiced - £220.00 credited = £0.00; due £220.00)."""
    with on_commit():
        booking = book(priced_run, school, n=1)
    first = Invoice.objects.get(booking=booking)
    assert first.gross == D("264.00")
    page = text(officer.get(void_url(first)))
    assert "invoiced again for what it owes" in page  # finance is told before voiding
    assert officer.post(void_url(first), {"reason": "Wrong PO"}).status_code == 302
    with on_commit():
        settlement.settle_booking(booking.pk)
        settlement.settle_booking(booking.pk)  # settling twice changes nothing
    again = Invoice.objects.filter(booking=booking).exclude(pk=first.pk).get()
    assert (again.net, again.vat, again.gross) == (D("220.00"), D("44.00"), D("264.00"))
    assert CreditNote.objects.filter(invoice__booking=booking).count() == 1
    # The statement lists the void invoice (owing £0.00) and its credit note, and the new one.
    statement = services.statement(services.school_account(school))
    owed = {i.pk: i.owed for i in statement.invoices}
    assert (owed[first.pk], owed[again.pk]) == (D("0.00"), D("264.00"))
    assert first.credit_notes.get() in statement.credit_notes


def test_voiding_a_paid_invoice_holds_what_was_paid_as_credit(officer, invoice_216, account_a):
    from django.utils import timezone

    paid = {
        "invoice_number": invoice_216.number,
        "amount": "216.00",
        "method": "bacs",
        "received_on": timezone.localdate().strftime("%d/%m/%Y"),
        "reference": "BACS 4471",
    }
    assert officer.post("/admin/billing/record-payment/", paid).status_code == 302
    credit_before = services.credit_balance(account_a)
    response = officer.post(void_url(invoice_216), {"reason": "Duplicate of another invoice"})
    assert response.status_code == 302
    note = CreditNote.objects.get(invoice=invoice_216)
    # Paid £216.00 in full, then credited £216.00: all £216.00 goes back as account credit.
    assert (note.gross, note.returned) == (D("216.00"), D("216.00"))
    assert services.credit_balance(account_a) == credit_before + D("216.00")
    assert Invoice.objects.get(pk=invoice_216.pk).status == Invoice.Status.VOID


def test_a_void_invoice_leaves_income_as_if_it_had_never_been_issued(officer, invoice_216):
    """The income report counts the void invoice's £180.00 and its credit note's -£180.00: net
    nothing. (Leaving out the void invoice but keeping its credit note would show -£180.00.)"""
    from tests.billing.test_vouchers import _income

    counted = _income()
    officer.post(void_url(invoice_216), {"reason": "Sent to the wrong school"})
    assert _income() == counted - D("180.00")
