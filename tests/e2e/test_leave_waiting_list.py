"""A CPD lead takes one colleague out of a group on a full date's waiting list from the
school's bookings page, in real Chromium with axe on the confirming page and the answer."""

import re

import pytest

from accounts.models import User
from bookings import services
from bookings.models import Booking, WaitingListEntry
from bookings.services import BookingRequest, Delegate
from courses.models import CourseRun
from tests.e2e.test_journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_lead_takes_a_colleague_off_a_waiting_list(live_server, demo, page, axe_check):
    base = live_server.url
    run = next(
        r
        for r in CourseRun.objects.upcoming().filter(
            status="open", bookings__isnull=True, venue__isnull=False
        )
        if r.is_bookable
    )
    run.capacity = 1
    run.save()
    ravi = User.objects.get(email="teacher@riverside-academy.org.uk")
    services.book_places(
        run.pk,
        BookingRequest(
            school=ravi.memberships.get().school,
            booked_by=User.objects.get(email="admin@example.gov.uk"),
            delegates=[Delegate(ravi)],
            source=Booking.Source.PHONE,
            notify=False,
        ),
    )
    lead = User.objects.get(email="cpdlead@oakfield.sch.uk")
    school = lead.memberships.get(is_cpd_lead=True).school
    tom = User.objects.get(email="teacher@oakfield.sch.uk")
    amira = User.objects.get(email="ta@oakfield.sch.uk")
    entry = services.join_waiting_list_as_group(
        run.pk, people=[tom, amira], school=school, lead=lead
    )

    sign_in(page, base, "cpdlead@oakfield.sch.uk")
    page.goto(f"{base}/school/{school.pk}/bookings/")
    page.get_by_role(
        "link", name=f"Take Tom Teacher off the waiting list for {run.course.title}"
    ).click()
    page.wait_for_url(re.compile(rf"/waiting-list/{entry.pk}/person/{tom.pk}/leave/"))
    assert page.get_by_role("heading", name="Take Tom Teacher off the waiting list?").is_visible()
    axe_check(page)
    page.get_by_role("button", name="Take them off the list").click()
    page.wait_for_url(re.compile(rf"/school/{school.pk}/bookings/"))
    assert page.get_by_text(re.compile("Tom Teacher is off the waiting list")).is_visible()
    axe_check(page)
    entry.refresh_from_db()
    assert entry.places == 1 and [m.person for m in entry.members.all()] == [amira]
    assert WaitingListEntry.objects.get(pk=entry.pk).status == "waiting"
