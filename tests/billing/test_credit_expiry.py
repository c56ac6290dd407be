# ruff: noqa: F811  (pytest fixtures imported from test_vouchers, named as parameters)
"""Issue 16 item 4: prepaid credit has a use-by date, is reserved when a place is booked and
spent when the place is invoiced, and what is left after its date expires; finance can extend
it. Figures worked by hand.

Hand-worked example (Riverside Academy, invoiced monthly so reservations stay reservations;
the standard-rated course is £180 a place, so £180 + 20% £36 = £216 with VAT):
1. Gold, a multi-purpose voucher of £2,700, sold for a year ending in ten days: use by the
   day before the year ends (today + 9). Finance also gives £100 goodwill credit (no date).
2. A place is booked: £216 is reserved, from Gold (soonest to expire), not the goodwill.
   Gold: £2,700 − £216 = £2,484 left. To spend: £2,484 + £100 = £2,584.
3. The day after Gold's date, the expiry run: Gold's £2,484 expires; the £216 stays with the
   place. To spend: £100. Ledger: Dr deferred income 2410-DEF / Cr expired credit 4199-EXP,
   £2,484.00. Run again: nothing more.
4. The place is cancelled in good time (free): its £216 goes back to Gold, past its date, so
   the next run expires it too: £2,484 + £216 = £2,700 expired in all. To spend: £100.
5. Finance extends Gold by a month, with a reason: the £2,700 comes back. To spend:
   £2,700 + £100 = £2,800. Ledger: the reverse journal, Dr 4199-EXP / Cr 2410-DEF £2,700.00.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from billing import services
from billing.models import Account, CreditEntry, CreditExtension
from bookings import services as bookings
from tests import people as via
from tests.factories.accounts import PASSWORD

from .test_vouchers import (  # noqa: F401  (fixtures)
    _create_package,
    _csv,
    _move_start,
    officer,
    riverside,
    standard_run,
)

D = Decimal


def _sell_from(officer, school, package, starts_on):
    account = services.school_account(school)
    response = officer.post(
        "/admin/billing/sell-package/",
        {"account": account.pk, "package": package.pk, "starts_on": f"{starts_on:%d/%m/%Y}"},
    )
    assert response.status_code == 302, response.content[-1500:]
    return CreditEntry.objects.get(
        account=account, kind="package", account_package__package=package
    )


def _adjust(officer, account, amount, reason):
    response = officer.post(
        f"/admin/billing/adjust-credit/{account.pk}/", {"amount": amount, "reason": reason}
    )
    assert response.status_code == 302, response.content[-1500:]


def _extend(officer, lot, use_by, reason="Head asked: staff off sick in the summer"):
    return officer.post(
        f"/admin/billing/adjust-credit/lots/{lot.pk}/extend/",
        {"use_by": use_by if isinstance(use_by, str) else f"{use_by:%Y-%m-%d}", "reason": reason},
    )


def _expiry_journal(officer, account):
    """The credit journal's expiry rows for the account: source, Dr, Cr, income code, amount."""
    rows = _csv(officer, "redemptions")[1:]
    return [r[5:] for r in rows if r[3] == account.name and r[5].startswith(("Expired", "Rein"))]


@pytest.fixture
def monthly(riverside):
    account = services.school_account(riverside)
    account.invoicing = Account.Invoicing.MONTHLY
    account.save()
    return riverside


def test_credit_is_reserved_spent_soonest_first_expires_and_comes_back_when_extended(
    officer,
    monthly,
    standard_run,
    book,
    on_commit,
):
    today = timezone.localdate()
    account = services.school_account(monthly)
    # 1. A year that ends in ten days: use by today + 9.
    gold = _create_package(officer, "Gold prepaid", "multi", "2700.00")
    lot = _sell_from(officer, monthly, gold, today + timedelta(days=10) - timedelta(days=365))
    assert lot.use_by == today + timedelta(days=9)
    _adjust(officer, account, "100.00", "Goodwill: a course we moved twice")

    # 2. £216 reserved from Gold, not the goodwill (the course is 40 days away, so step 4's
    # cancellation is in good time).
    _move_start(standard_run, 40)
    with on_commit():
        booking = book(standard_run, monthly)
    draws = CreditEntry.objects.filter(enrolment__booking=booking, kind="draw")
    assert [(d.lot_id, d.amount, d.invoice_id) for d in draws] == [(lot.pk, D("-216.00"), None)]
    assert services.spendable(account) == D("2584.00")  # 2,484 + 100
    [held] = services.reservations(account)
    assert (held.enrolment.booking_id, held.amount) == (booking.pk, D("216.00"))

    # 3. The day after Gold's date: £2,484 expires, the reservation stays.
    after = today + timedelta(days=10)
    assert services.expire_credit(on=after) == (1, D("2484.00"))
    assert services.spendable(account, on=after) == D("100.00")
    assert services.expire_credit(on=after) == (0, D("0.00"))  # run again: nothing more
    assert services.reservations(account)[0].amount == D("216.00")
    assert _expiry_journal(officer, account) == [
        ["Expired unused", "2410-DEF", "4199-EXP", "", "2484.00"]
    ]

    # 4. Cancelled in good time: the £216 goes back to Gold, and the next run expires it.
    with on_commit():
        bookings.cancel_enrolment(booking.enrolments.get().pk, by=booking.booked_by)
    assert services.reservations(account) == []
    assert services.expire_credit(on=after) == (1, D("216.00"))
    assert services.spendable(account, on=after) == D("100.00")

    # 5. Finance extends Gold a month: the £2,700 that expired comes back.
    response = _extend(officer, lot, today + timedelta(days=40))
    assert response.status_code == 302, response.content[-1500:]
    lot.refresh_from_db()
    assert lot.use_by == today + timedelta(days=40)
    assert services.spendable(account) == D("2800.00")  # 2,700 + 100
    change = CreditExtension.objects.get(lot=lot)
    assert (change.was, change.reinstated, change.created_by.email) == (
        today + timedelta(days=9),
        D("2700.00"),
        "vouchers.officer@haverleigh.gov.uk",
    )
    assert _expiry_journal(officer, account)[-1] == [
        "Reinstated: use-by date extended", "4199-EXP", "2410-DEF", "", "2700.00"
    ]  # fmt: skip


def test_a_place_booked_after_the_date_is_not_paid_from_the_expired_credit(
    officer,
    riverside,
    standard_run,
    book,
    on_commit,
):
    # Gold's year ended five days ago (use by six days ago); the expiry run has not run yet.
    today = timezone.localdate()
    gold = _create_package(officer, "Gold prepaid", "multi", "2700.00")
    _sell_from(officer, riverside, gold, today - timedelta(days=365 + 5))
    with on_commit():
        booking = book(standard_run, riverside)
    assert not CreditEntry.objects.filter(enrolment__booking=booking, kind="draw").exists()
    invoice = booking.invoices.get()
    assert services.outstanding(invoice) == D("216.00")  # £180 + £36, owed: not paid by Gold


def test_extending_refuses_bad_dates_and_missing_reasons_and_changes_nothing(
    officer,
    riverside,
):
    today = timezone.localdate()
    gold = _create_package(officer, "Gold prepaid", "multi", "2700.00")
    lot = _sell_from(officer, riverside, gold, today)
    use_by = lot.use_by
    for date, reason, said in [
        (use_by - timedelta(days=1), "Asked", "Choose a date after"),
        (use_by, "Asked", "Choose a date after"),
        (today + timedelta(days=365 * 6), "Asked", "within five years"),
        ("31/02/2027", "Asked", "Enter a real date"),
        ("", "Asked", "This field is required"),
        (use_by + timedelta(days=30), "", "Give a reason"),
        (use_by + timedelta(days=30), "   ", "Give a reason"),
    ]:
        response = _extend(officer, lot, date, reason)
        assert response.status_code == 200, (date, reason)
        assert said in response.content.decode(), (date, reason)
    lot.refresh_from_db()
    assert lot.use_by == use_by
    assert not CreditExtension.objects.exists()


def test_only_finance_may_extend_credit(officer, riverside):
    lot = _sell_from(
        officer, riverside, _create_package(officer, "Gold prepaid", "multi", "2700.00"),
        timezone.localdate(),
    )  # fmt: skip
    email = "bookings.officer@haverleigh.gov.uk"
    via.add_staff_in_wagtail(via.superuser_client(Client), email, "Bookings officers")
    bookings_officer = Client()
    via.first_sign_in(bookings_officer, email)
    was = lot.use_by
    response = _extend(bookings_officer, lot, was + timedelta(days=30))
    assert response.status_code in (302, 403)
    assert response.status_code == 403 or "/admin/" in response["Location"]
    lot.refresh_from_db()
    assert lot.use_by == was and not CreditExtension.objects.exists()


def test_the_school_sees_its_credit_its_use_by_date_and_what_places_hold(
    officer,
    standard_run,
    book,
    on_commit,
    people,
):
    oakfield = people["school_a"]
    assert oakfield.urn == 990001
    oakfield.bookings_need_approval = False
    oakfield.save()
    account = services.school_account(oakfield)
    account.invoicing = Account.Invoicing.MONTHLY
    account.save()
    gold = _create_package(officer, "Gold prepaid", "multi", "2700.00")
    lot = _sell_from(officer, oakfield, gold, timezone.localdate())
    with on_commit():
        booking = book(standard_run, oakfield)
    delegate = booking.enrolments.get().delegate
    finance = Client()
    assert via.sign_in(finance, "finance@oakfield.sch.uk", PASSWORD).status_code == 302
    page = finance.get(f"/billing/accounts/{account.pk}/").content.decode()
    assert "Prepaid credit" in page
    assert f"{lot.use_by:%-d %B %Y}" in page
    spent = services.spendable(account)  # whatever Oakfield held before, less the place
    assert f"£{spent:,.2f}" in page
    assert "£216.00" in page  # the place's reservation: £180 + £36
    assert delegate.email in page or delegate.get_full_name() in page
