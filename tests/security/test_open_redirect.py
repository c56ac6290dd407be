"""A `next` pointing off the site is never followed: the person lands on the page the view
would have chosen itself."""

import pytest

from accounts.models import School
from bookings.models import Enrolment
from tests.factories.accounts import PASSWORD

from .booked import book, open_run, signed_in

HOSTILE = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "\\\\evil.example/phish",
    "\\/evil.example/phish",
    "https:evil.example",
    "https:/evil.example",
    "http://evil.example@testserver/",
    " //evil.example",
    "javascript:alert(1)",
]


def _off_site(location):
    return "evil.example" in location or location.lstrip().startswith(("//", "\\", "javascript"))


@pytest.fixture
def pending_place(people):
    """Tom books himself at a school whose CPD lead approves bookings: the place waits."""
    School.objects.filter(pk=people["school_a"].pk).update(bookings_need_approval=True)
    tom = signed_in("teacher@oakfield.sch.uk")
    booking = book(tom, open_run(), people["school_a"], people["teacher_a"])
    place = booking.enrolments.get()
    assert place.status == Enrolment.Status.PENDING_APPROVAL
    return place


@pytest.mark.parametrize("target", HOSTILE)
def test_deciding_a_place_never_follows_an_off_site_next(pending_place, target):
    lead = signed_in("cpdlead@oakfield.sch.uk")
    response = lead.post(
        f"/bookings/place/{pending_place.pk}/decide/", {"decision": "approve", "next": target}
    )
    assert response.status_code == 302
    assert not _off_site(response["Location"]), response["Location"]
    assert response["Location"] == f"/school/{pending_place.booking.school_id}/bookings/"


def test_deciding_a_place_follows_a_next_on_this_site(pending_place):
    lead = signed_in("cpdlead@oakfield.sch.uk")
    here = f"/bookings/{pending_place.booking.reference}/"
    response = lead.post(
        f"/bookings/place/{pending_place.pk}/decide/", {"decision": "approve", "next": here}
    )
    assert response["Location"] == here


@pytest.mark.parametrize("target", HOSTILE)
def test_signing_in_never_follows_an_off_site_next(people, client, target):
    """allauth's own sign-in takes `next` too; it must refuse the same list."""
    response = client.post(
        "/accounts/login/",
        {"login": "teacher@oakfield.sch.uk", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert not _off_site(response["Location"]), response["Location"]
