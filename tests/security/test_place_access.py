"""A place's pages open only for its delegate, whoever booked it, the school's managers and
the CPD team: not for a colleague who happens to be on the same booking."""

import pytest

from bookings.models import Enrolment
from tests.factories import accounts

from .booked import book, open_run
from .booked import signed_in as _signed_in


@pytest.fixture
def shared_booking(people):
    """The CPD lead books Tom and Amira on one booking, through the booking pages."""
    amira = accounts.member(
        people["school_a"], email="ta@oakfield.sch.uk", first_name="Amira", last_name="Hassan"
    )
    lead = _signed_in("cpdlead@oakfield.sch.uk")
    booking = book(lead, open_run(), people["school_a"], people["teacher_a"], amira)
    tom_place = booking.enrolments.get(delegate=people["teacher_a"])
    return booking, tom_place


def _place_pages(place):
    return {
        "cancel": ("get", f"/bookings/place/{place.pk}/cancel/", {}),
        "calendar": ("get", f"/bookings/place/{place.pk}/calendar.ics", {}),
        "cancel_post": ("post", f"/bookings/place/{place.pk}/cancel/", {"confirm": "on"}),
        "decide": ("post", f"/bookings/place/{place.pk}/decide/", {"decision": "decline"}),
        "substitute_page": ("get", f"/bookings/place/{place.pk}/substitute/", {}),
        "transfer_page": ("get", f"/bookings/place/{place.pk}/transfer/", {}),
        "substitute": ("post", f"/bookings/place/{place.pk}/substitute/", {"delegate": "1"}),
        "transfer": ("post", f"/bookings/place/{place.pk}/transfer/", {"run": "1"}),
    }


@pytest.mark.parametrize("page", list(_place_pages(Enrolment(pk=0))))
def test_a_colleague_on_the_same_booking_gets_404_on_my_place(shared_booking, page):
    booking, tom_place = shared_booking
    amira = _signed_in("ta@oakfield.sch.uk")
    method, url, data = _place_pages(tom_place)[page]
    response = getattr(amira, method)(url, data)
    assert response.status_code == 404
    tom_place.refresh_from_db()
    assert tom_place.status == Enrolment.Status.CONFIRMED
    assert tom_place.delegate.email == "teacher@oakfield.sch.uk"


@pytest.mark.parametrize(
    "who",
    ["teacher@oakfield.sch.uk", "cpdlead@oakfield.sch.uk", "head@oakfield.sch.uk"],
    ids=["delegate", "booker", "headteacher"],
)
def test_the_delegate_the_booker_and_the_managers_still_open_it(shared_booking, who):
    _, tom_place = shared_booking
    client = _signed_in(who)
    for page in ("cancel", "substitute", "transfer"):
        assert client.get(f"/bookings/place/{tom_place.pk}/{page}/").status_code == 200
    response = client.get(f"/bookings/place/{tom_place.pk}/calendar.ics")
    assert response.status_code == 200
    assert b"BEGIN:VEVENT" in response.content


def test_the_booking_page_offers_a_colleague_only_their_own_place(shared_booking):
    booking, tom_place = shared_booking
    html = _signed_in("ta@oakfield.sch.uk").get(f"/bookings/{booking.reference}/").content
    assert f"/bookings/place/{tom_place.pk}/".encode() not in html
    amira_place = booking.enrolments.exclude(pk=tom_place.pk).get()
    for page in ("cancel", "substitute", "transfer"):
        assert f"/bookings/place/{amira_place.pk}/{page}/".encode() in html
