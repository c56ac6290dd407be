"""Moving a place to another date, in real Chromium: from the booking page, choose a date
priced for the school, confirm with the price and terms stated."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import School, User
from bookings.models import Enrolment
from bookings.services import BookingRequest, Delegate, book_places
from courses.models import CourseRun, Session

from .test_journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_move_a_place_to_another_date(live_server, demo, page, axe_check):
    base = live_server.url
    here = next(
        r
        for r in CourseRun.objects.upcoming().filter(
            status="open", bookings__isnull=True, venue__isnull=False
        )
        if r.is_bookable and r.places_left > 0
    )
    # The bookings team adds another date of the same course, at a list price of £150.
    start = timezone.now() + dt.timedelta(days=60)
    later = CourseRun.objects.create(
        course=here.course,
        reference="MOVE-E2E",
        status=CourseRun.Status.OPEN,
        capacity=5,
        venue=here.venue,
        price_override=Decimal("150.00"),
    )
    Session.objects.create(run=later, starts_at=start, ends_at=start + dt.timedelta(hours=3))
    # Oakfield's CPD lead books Tom (confirmed at once: she approves her own bookings).
    oakfield = School.objects.get(urn=990001)
    tom = User.objects.get(email="teacher@oakfield.sch.uk")
    booking = book_places(
        here.pk,
        BookingRequest(
            school=oakfield,
            booked_by=User.objects.get(email="cpdlead@oakfield.sch.uk"),
            terms_accepted=True,
            delegates=[Delegate(tom)],
            notify=False,
        ),
    )

    sign_in(page, base, "teacher@oakfield.sch.uk")
    page.goto(f"{base}/bookings/{booking.reference}/")
    page.get_by_role("link", name=re.compile("^Move to another date")).click()
    page.wait_for_url(re.compile(r"/transfer/$"))
    axe_check(page)
    # Oakfield pays 100 % of list price: £150.00, VAT £30.00, £180.00 a place.
    assert page.get_by_text("£150.00 + £30.00 VAT = £180.00").is_visible()
    day = timezone.localtime(start)
    page.get_by_label(f"{day:%A} {day.day} {day:%B %Y}", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/transfer/\?run="))
    assert page.get_by_role("heading", name="Cancellation terms").is_visible()
    axe_check(page)
    page.get_by_role("button", name="Move the place").click()
    assert page.get_by_text(re.compile("Moved to MOVE-E2E")).is_visible()
    axe_check(page)
    assert Enrolment.objects.get(run=later, delegate=tom).status == "confirmed"
    assert Enrolment.objects.get(run=here, delegate=tom).status == "cancelled"

    # The new place can go to a colleague instead, at its price of £180.00 and no more.
    page.get_by_role("link", name=re.compile("^Send a colleague instead")).click()
    assert page.get_by_text("£150.00 + £30.00 VAT = £180.00").is_visible()
    axe_check(page)
