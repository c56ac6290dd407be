"""The reserved-places pages: reached from the booking page, reserving, naming colleagues and
giving places back, with every bad answer told clearly and nothing written."""

import datetime as dt

import pytest

from bookings import services
from bookings.models import Booking, Enrolment, Reservation
from tests.factories import billing


@pytest.fixture
def run(db):
    """£200 a place, four places, first session 40 days away (names due 21 days before it)."""
    return billing.priced_run("200.00", capacity=4, days=(40,))


@pytest.fixture
def lead(client, people):
    client.force_login(people["lead_a"])
    return client


def _reserve(run, people, n=2):
    return services.reserve_places(
        run.pk, school=people["school_a"], by=people["lead_a"], places_wanted=n, terms_accepted=True
    )


def test_the_booking_page_offers_a_lead_to_reserve_and_says_when_to_name_people(lead, run, people):
    page = lead.get(f"/book/{run.pk}/?school={people['school_a'].pk}").content.decode()
    assert f"/book/{run.pk}/reserve/?school={people['school_a'].pk}" in page
    due = run.sessions.get().starts_at - dt.timedelta(days=21)
    assert f"name the people going by <strong>{due:%A} {due.day} {due:%B %Y}</strong>" in page


def test_a_teacher_is_not_offered_reserving(client, run, people):
    client.force_login(people["teacher_a"])
    response = client.get(f"/book/{run.pk}/?school={people['school_a'].pk}", follow=True)
    assert "/reserve/" not in response.content.decode()


def test_a_lead_reserves_places_from_the_page(lead, run, people):
    response = lead.post(
        f"/book/{run.pk}/reserve/",
        {"school": people["school_a"].pk, "places": "3", "terms": "on"},
    )
    reservation = Reservation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reservations/{reservation.pk}/"
    assert reservation.places == 3 and reservation.booking.booked_by == people["lead_a"]
    page = lead.get(response["Location"]).content.decode()
    assert "3 places reserved" in page
    assert page.count("Not named yet") == 3


@pytest.mark.parametrize(
    "places, message",
    [
        ("0", "Reserve at least one place."),
        ("-2", "Reserve at least one place."),
        ("three", "Enter a whole number of places, like 3."),
        ("", "Enter how many places to reserve."),
        ("5", "Only 4 places left; you asked to reserve 5."),
    ],
)
def test_a_bad_number_of_places_is_told_clearly_and_nothing_is_written(
    lead, run, people, places, message
):
    response = lead.post(
        f"/book/{run.pk}/reserve/",
        {"school": people["school_a"].pk, "places": places, "terms": "on"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert not Reservation.objects.exists() and not Booking.objects.exists()


def test_reserving_without_accepting_the_terms_is_refused(lead, run, people):
    response = lead.post(
        f"/book/{run.pk}/reserve/", {"school": people["school_a"].pk, "places": "2"}
    )
    assert "Accept the booking terms to continue." in response.content.decode()
    assert not Reservation.objects.exists()


def test_a_lead_names_a_colleague_with_their_needs(lead, run, people):
    reservation = _reserve(run, people)
    response = lead.post(
        f"/reservations/{reservation.pk}/name/",
        {"delegate": people["teacher_a"].pk, "access_needs": "Step-free access"},
    )
    assert response.status_code == 302
    place = Enrolment.objects.get(run=run)
    assert (place.delegate, place.access_needs) == (people["teacher_a"], "Step-free access")
    page = lead.get(f"/reservations/{reservation.pk}/").content.decode()
    assert "Tom Teacher" in page and page.count("Not named yet") == 1


def test_naming_someone_not_on_the_staff_list_is_told_and_nothing_is_written(lead, run, people):
    reservation = _reserve(run, people)
    response = lead.post(
        f"/reservations/{reservation.pk}/name/", {"delegate": people["teacher_b"].pk}
    )
    assert response.status_code == 200
    assert "Choose someone on your school&#x27;s staff list." in response.content.decode()
    assert not Enrolment.objects.exists()


def test_someone_already_booked_is_not_offered_and_is_refused(lead, run, people):
    reservation = _reserve(run, people)
    services.name_reserved_place(reservation.pk, by=people["lead_a"], person=people["teacher_a"])
    page = lead.get(f"/reservations/{reservation.pk}/").content.decode()
    assert f'value="{people["teacher_a"].pk}"' not in page
    response = lead.post(
        f"/reservations/{reservation.pk}/name/", {"delegate": people["teacher_a"].pk}
    )
    assert "There is a problem" in response.content.decode()
    assert Enrolment.objects.count() == 1


def test_giving_back_places_from_the_page(lead, run, people):
    reservation = _reserve(run, people, 3)
    response = lead.post(f"/reservations/{reservation.pk}/give-back/", {"count": "2"}, follow=True)
    assert "2 places given back, free of charge." in response.content.decode()
    reservation.refresh_from_db()
    assert reservation.places == 1


@pytest.mark.parametrize(
    "count, message",
    [("0", "Give back at least one place."), ("4", "Only 3 unnamed places are left")],
)
def test_giving_back_a_bad_number_is_told_and_nothing_changes(lead, run, people, count, message):
    reservation = _reserve(run, people, 3)
    response = lead.post(f"/reservations/{reservation.pk}/give-back/", {"count": count})
    assert response.status_code == 200
    assert message in response.content.decode()
    reservation.refresh_from_db()
    assert reservation.places == 3


def test_the_reservation_is_linked_from_the_school_s_bookings_and_the_lead_s_own(lead, run, people):
    reservation = _reserve(run, people)
    link = f'href="/reservations/{reservation.pk}/"'
    assert link in lead.get(f"/school/{people['school_a'].pk}/bookings/").content.decode()
    assert link in lead.get("/bookings/").content.decode()


def test_the_reservation_s_booking_page_leads_back_to_naming_people(lead, client, run, people):
    reservation = _reserve(run, people)
    page = lead.get(f"/bookings/{reservation.booking.reference}/").content.decode()
    assert f'href="/reservations/{reservation.pk}/"' in page
    assert "2 places reserved, 2 not named yet" in page


def test_a_full_date_says_so_and_reserves_nothing(lead, run, people):
    _reserve(run, people, 4)
    response = lead.post(
        f"/book/{run.pk}/reserve/",
        {"school": people["school_a"].pk, "places": "1", "terms": "on"},
    )
    assert "This date is full: there are no places left to reserve." in response.content.decode()
    assert Reservation.objects.count() == 1
