"""An online course's joining link (and its joining instructions) reach a person's calendar
only for a confirmed place: not while it waits for approval, nor once it is declined, has
expired or is cancelled, in the place's calendar file or the personal feed."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import School
from bookings import services
from bookings.models import Enrolment

from .booked import book, open_run, signed_in


def _unfolded(response):
    return response.content.replace(b"\r\n ", b"").decode()


def _personal_feed(client):
    html = client.get("/account/").content.decode()
    return Client().get(re.search(r"/calendar/u/[^\s\"'<>]+\.ics", html).group(0))


def _place(people, status):
    """Tom's place on an online run, brought to `status` the way the product does it."""
    school = people["school_a"]
    School.objects.filter(pk=school.pk).update(bookings_need_approval=status != "confirmed")
    school.refresh_from_db()
    run = open_run(online=True)
    assert run.online_joining_url
    tom = signed_in("teacher@oakfield.sch.uk")
    if status == "cancelled":
        School.objects.filter(pk=school.pk).update(bookings_need_approval=False)
    place = book(tom, run, school, people["teacher_a"]).enrolments.get()
    if status == "declined":
        lead = signed_in("cpdlead@oakfield.sch.uk")
        lead.post(
            f"/bookings/place/{place.pk}/decide/", {"decision": "decline", "reason": "Not now"}
        )
    elif status == "expired":
        services.expire_approvals(now=timezone.now() + dt.timedelta(days=30))
    elif status == "cancelled":
        tom.post(f"/bookings/place/{place.pk}/cancel/", {"confirm": "on"})
    place.refresh_from_db()
    return tom, run, place


@pytest.mark.parametrize("status", ["pending", "declined", "expired", "cancelled"])
def test_a_place_not_confirmed_carries_no_joining_link(people, status):
    tom, run, place = _place(people, status)
    expected = (
        Enrolment.Status.PENDING_APPROVAL if status == "pending" else Enrolment.Status.CANCELLED
    )
    assert place.status == expected
    ics = tom.get(f"/bookings/place/{place.pk}/calendar.ics")
    assert ics.status_code == 200 and "BEGIN:VEVENT" in _unfolded(ics)
    feed = _personal_feed(tom)
    assert feed.status_code == 200
    for body in (_unfolded(ics), _unfolded(feed)):
        assert run.online_joining_url not in body
        assert run.joining_instructions.split(".")[0] not in body


def test_a_confirmed_place_carries_the_joining_link(people):
    tom, run, place = _place(people, "confirmed")
    assert place.status == Enrolment.Status.CONFIRMED
    ics = tom.get(f"/bookings/place/{place.pk}/calendar.ics")
    feed = _personal_feed(tom)
    for body in (_unfolded(ics), _unfolded(feed)):
        assert run.online_joining_url in body
        assert run.joining_instructions.split(".")[0] in body
