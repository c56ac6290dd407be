"""Reserving places and naming people later, in real Chromium: a CPD lead reserves two places
from the booking page, then names a colleague on the reservation's page."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from bookings.models import Enrolment, Reservation
from courses.models import CourseRun, Session

from .test_journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_lead_reserves_two_places_and_names_a_colleague(live_server, demo, page, axe_check):
    base = live_server.url
    here = next(
        r
        for r in CourseRun.objects.upcoming().filter(status="open", venue__isnull=False)
        if r.is_bookable
    )
    # A date far enough off that the names are not due yet.
    start = timezone.now() + dt.timedelta(days=60)
    run = CourseRun.objects.create(
        course=here.course,
        reference="HOLD-E2E",
        status=CourseRun.Status.OPEN,
        capacity=6,
        venue=here.venue,
    )
    Session.objects.create(run=run, starts_at=start, ends_at=start + dt.timedelta(hours=3))

    sign_in(page, base, "cpdlead@oakfield.sch.uk")
    page.goto(f"{base}/book/{run.pk}/")
    page.get_by_role("link", name="Reserve places, name people later").click()
    page.wait_for_url(re.compile(r"/reserve/"))
    axe_check(page)
    page.get_by_label("How many places").fill("2")
    page.get_by_label(re.compile("I accept the booking terms")).check()
    page.get_by_role("button", name=re.compile("^Reserve places for")).click()
    page.wait_for_url(re.compile(r"/reservations/\d+/$"))
    assert page.get_by_text("Not named yet").count() == 2
    axe_check(page)

    page.get_by_label("Who is going").select_option(label="Tom Teacher")
    page.get_by_label("Access needs").fill("Step-free access")
    page.get_by_role("button", name="Give them a place").click()
    page.wait_for_load_state()
    assert page.get_by_text("Not named yet").count() == 1
    reservation = Reservation.objects.get(run=run)
    assert (reservation.places, reservation.named) == (2, 1)
    assert Enrolment.objects.get(run=run).delegate.email == "teacher@oakfield.sch.uk"
