"""Finance officers correct money by hand in the admin (issue 16, item 3): a credit adjustment
with a reason, a manual credit note or void against an issued invoice, a manual invoice. Each
keeps who, when and why; other staff are refused; bad input writes nothing."""

import html
import re

import pytest
from django.test import Client

from billing import services
from billing.models import CreditEntry, CreditNote, Invoice, NumberSeries
from tests import people as via

from .helpers import D


def text(response):
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def staff(email, group):
    """A council officer in `group`, added in Wagtail's Users and signed in."""
    via.add_staff_in_wagtail(via.superuser_client(Client), email, group)
    client = Client()
    via.first_sign_in(client, email)
    return client


@pytest.fixture
def officer(demo):
    return staff("fo.manual@example.gov.uk", "Finance officers")


@pytest.fixture(params=["Service managers", "Bookings officers"])
def other_staff(request, demo):
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
