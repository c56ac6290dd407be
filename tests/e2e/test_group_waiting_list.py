"""A CPD lead puts two colleagues on a full date's waiting list from the course page, then
takes the one place offered for the colleague they choose, in real Chromium with axe."""

import re

import pytest
from django.core import mail

from accounts.models import User
from bookings import services
from bookings.models import Booking, Enrolment, WaitingListEntry
from bookings.services import BookingRequest, Delegate
from courses.models import CourseRun
from tests.e2e.test_journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_lead_puts_colleagues_on_the_waiting_list_and_chooses_who_takes_the_place(
    live_server, demo, page, axe_check
):
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

    sign_in(page, base, "cpdlead@oakfield.sch.uk")
    page.goto(base + run.course.url)
    page.get_by_role("link", name=f"Put colleagues on the waiting list for {run.reference}").click()
    page.wait_for_url(re.compile(rf"/book/{run.pk}/"))
    axe_check(page)
    page.get_by_label(re.compile(r"\(you\)")).uncheck()
    page.get_by_label("Tom Teacher").check()
    page.get_by_label("Amira Hassan").check()
    page.get_by_role("button", name="Put them on the waiting list").click()
    together = re.compile("2 colleagues are on the waiting list together")
    assert page.get_by_text(together).is_visible()
    axe_check(page)
    entry = WaitingListEntry.objects.get(run=run)
    assert entry.is_group and entry.places == 2

    # One more place: the group, first in line, is offered it.
    run.capacity = 2
    run.save()
    services.offer_next_place(run.pk)
    offer = next(
        m
        for m in mail.outbox
        if m.to == ["cpdlead@oakfield.sch.uk"] and "A place for your colleagues" in m.subject
    )
    accept = re.search(r"http://\S+/offer/\S+/", offer.body).group(0)
    page.goto(base + "/offer/" + accept.split("/offer/")[1])
    axe_check(page)
    page.get_by_label("Tom Teacher").uncheck()
    page.get_by_label("Amira Hassan").uncheck()
    page.get_by_role("button", name=re.compile("Accept")).click()
    assert page.get_by_role("alert").get_by_text("Choose who takes the places.").is_visible()
    axe_check(page)
    page.get_by_label("Amira Hassan").check()
    page.get_by_role("button", name=re.compile("Accept")).click()
    assert page.get_by_text(re.compile("Amira Hassan")).first.is_visible()
    place = Enrolment.objects.get(run=run, delegate__email="ta@oakfield.sch.uk")
    assert place.booking.booked_by.email == "cpdlead@oakfield.sch.uk"
    assert not Enrolment.objects.filter(run=run, delegate__email="teacher@oakfield.sch.uk").exists()
