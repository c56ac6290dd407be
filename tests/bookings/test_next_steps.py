"""A booking's confirmation page says exactly what happens next: approval and how long the
place is held, or the confirmation email, what the school is invoiced and how, and the last
moment to cancel free. Figures worked out by hand from the rules."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Account
from bookings.models import Booking
from tests.factories import bookings, courses


def _text(response):
    assert response.status_code == 200
    html = re.sub(r"</?strong>", "", response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def run_at_120(db):
    """£120.00 a place, standard-rated, free to cancel until 10 days before a session in 30 days."""
    course = courses.course(
        price="120.00", free_cancellation_days=10, late_cancellation_charge_percent=100
    )
    return courses.run(course, days=(30,), start=dt.time(9, 30))


def _school(people, *, approval, invoicing=None):
    school = people["school_a"]
    school.bookings_need_approval = approval
    school.save()
    if invoicing:
        Account.objects.update_or_create(
            school=school, defaults={"kind": Account.Kind.SCHOOL, "invoicing": invoicing}
        )
    return school


def test_a_confirmed_booking_says_emailed_invoiced_amount_on_the_statement_and_free_until(
    client, people, run_at_120
):
    school = _school(people, approval=False, invoicing=Account.Invoicing.MONTHLY)
    booking = bookings.book(
        run_at_120, people["teacher_a"], people["finance_a"], school=school,
        booked_by=people["lead_a"], source=Booking.Source.WEB, terms_accepted=True,
    )  # fmt: skip
    assert {e.price for e in booking.enrolments.all()} == {Decimal("120.00")}
    client.force_login(people["lead_a"])
    page = _text(client.get(f"/bookings/{booking.reference}/"))
    assert "What happens next" in page
    assert "Booked: 2 places confirmed" in page
    assert "emailed a confirmation with a calendar file" in page
    # 2 × (£120.00 + 20% VAT £24.00) = £288.00
    assert f"{school.name} will be invoiced £288.00 (VAT included)" in page
    assert "on the monthly statement" in page
    first = run_at_120.sessions.get().starts_at
    free_until = timezone.localtime(first - dt.timedelta(days=10))
    assert (
        f"cancel free of charge until {free_until:%A} {free_until.day} {free_until:%B %Y}, 9:30am"
        in page
    )


def test_a_per_booking_account_is_told_of_an_invoice_for_this_booking(client, people, run_at_120):
    school = _school(people, approval=False, invoicing=Account.Invoicing.PER_BOOKING)
    booking = bookings.book(
        run_at_120, people["teacher_a"], school=school, booked_by=people["lead_a"],
        source=Booking.Source.WEB, terms_accepted=True,
    )  # fmt: skip
    client.force_login(people["lead_a"])
    page = _text(client.get(f"/bookings/{booking.reference}/"))
    # £120.00 + 20% VAT (£24.00) = £144.00
    assert "will be invoiced £144.00 (VAT included)" in page
    assert "on an invoice for this booking" in page


def test_a_place_waiting_for_approval_says_who_decides_and_until_when_it_is_held(
    client, people, run_at_120
):
    school = _school(people, approval=True)
    booking = bookings.book(
        run_at_120, people["teacher_a"], school=school, booked_by=people["teacher_a"],
        source=Booking.Source.WEB, terms_accepted=True,
    )  # fmt: skip
    place = booking.enrolments.get()
    assert place.status == "pending_approval"
    place.approval_expires_at = dt.datetime(2030, 12, 9, 14, 0, tzinfo=dt.UTC)
    place.save(update_fields=["approval_expires_at"])
    client.force_login(people["teacher_a"])
    page = _text(client.get(f"/bookings/{booking.reference}/"))
    assert "Sent to your CPD lead for approval" in page
    assert "until Monday 9 December, 2pm" in page  # 2pm GMT is 2pm in London in December
    assert "We will email you when they decide" in page
    assert "will be invoiced" not in page and "emailed a confirmation" not in page
