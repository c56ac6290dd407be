"""A run with no places left: the booking form answers "full" cheaply (no form page built),
writes nothing, and offers the waiting list. Only book_places() ever grants a place."""

import pytest

from bookings import services
from bookings.models import Booking, Enrolment, WaitingListEntry
from bookings.services import BookingRequest, Delegate


@pytest.fixture
def oakfield(people):
    school = people["school_a"]
    school.bookings_need_approval = False
    school.save()
    return school


@pytest.fixture
def full_run(open_run, people, staff_of):
    """open_run (3 places) with every place taken by Riverside staff."""
    school = people["school_b"]
    school.bookings_need_approval = False
    school.save()
    services.book_places(
        open_run.pk,
        BookingRequest(
            school=school,
            booked_by=people["staff"],
            delegates=[Delegate(u) for u in staff_of(school, 3, prefix="river")],
            source=Booking.Source.PHONE,
        ),
    )
    return open_run


def details(run, school, *delegates, **extra):
    return {"school": school.pk, "delegate": [d.pk for d in delegates], "terms": "on", **extra}


def test_booking_a_full_run_says_full_and_writes_nothing(client, full_run, people, oakfield):
    client.force_login(people["teacher_a"])
    before = Enrolment.objects.count(), Booking.objects.count()
    response = client.post(
        f"/book/{full_run.pk}/details/", details(full_run, oakfield, people["teacher_a"])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert services.FULL_MESSAGE in html and "No places left" in html
    assert f'action="/book/{full_run.pk}/waiting-list/"' in html
    assert "Confirm booking" not in html, "no form page is built"
    assert (Enrolment.objects.count(), Booking.objects.count()) == before


def test_the_form_page_of_a_full_run_says_full_too(client, full_run, people, oakfield):
    client.force_login(people["teacher_a"])
    response = client.get(
        f"/book/{full_run.pk}/details/?school={oakfield.pk}&delegate={people['teacher_a'].pk}"
    )
    assert services.FULL_MESSAGE in response.content.decode()


def test_the_full_page_puts_me_on_the_waiting_list(client, full_run, people, oakfield):
    client.force_login(people["teacher_a"])
    client.post(f"/book/{full_run.pk}/details/", details(full_run, oakfield, people["teacher_a"]))
    response = client.post(
        f"/book/{full_run.pk}/waiting-list/",
        {"school": oakfield.pk, "delegate": people["teacher_a"].pk},
    )
    assert response.status_code == 302
    entry = WaitingListEntry.objects.get(run=full_run, person=people["teacher_a"])
    assert entry.status == WaitingListEntry.Status.WAITING


def test_a_lead_booking_several_colleagues_can_put_them_on_the_list_together(
    client, full_run, people, oakfield
):
    client.force_login(people["lead_a"])
    response = client.post(
        f"/book/{full_run.pk}/details/",
        details(full_run, oakfield, people["teacher_a"], people["finance_a"]),
    )
    html = response.content.decode()
    assert services.FULL_MESSAGE in html
    assert "Put them on the waiting list" in html and full_run.course.url in html
    for person in (people["teacher_a"], people["finance_a"]):
        assert f'name="delegate" value="{person.pk}"' in html


def test_a_freed_place_is_bookable_within_seconds(client, full_run, people, oakfield, monkeypatch):
    """ "Full" is remembered for FULL_FOR_SECONDS (the next bookers in a rush are not counted
    again), then counted afresh."""
    import time

    from bookings.views import FULL_FOR_SECONDS

    client.force_login(people["teacher_a"])
    url = f"/book/{full_run.pk}/details/"
    data = details(full_run, oakfield, people["teacher_a"])
    assert services.FULL_MESSAGE in client.post(url, data).content.decode()
    taken = Enrolment.objects.filter(run=full_run).first()
    services.cancel_enrolment(taken.pk, by=people["staff"])
    assert services.FULL_MESSAGE in client.post(url, data).content.decode(), "remembered"

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + FULL_FOR_SECONDS + 0.5)
    response = client.post(url, data)
    assert response.status_code == 302
    assert Enrolment.objects.get(run=full_run, delegate=people["teacher_a"]).status == "confirmed"


def test_nobody_is_booked_past_capacity_from_the_form(client, full_run, people, oakfield):
    """However the form answers, only book_places() grants a place: capacity holds."""
    client.force_login(people["teacher_a"])
    for _ in range(3):
        client.post(
            f"/book/{full_run.pk}/details/", details(full_run, oakfield, people["teacher_a"])
        )
    assert services.places_left(full_run.pk) == 0
    assert Enrolment.objects.filter(run=full_run).live().count() == full_run.capacity


def test_saying_full_takes_few_queries(
    client, full_run, people, oakfield, django_assert_max_num_queries
):
    client.force_login(people["teacher_a"])
    url = f"/book/{full_run.pk}/details/"
    data = details(full_run, oakfield, people["teacher_a"])
    client.post(url, data)  # the menus are cached by the first page view
    # session and user; the run's fullness is remembered, the site and menus are cached
    with django_assert_max_num_queries(2):
        response = client.post(url, data)
    assert services.FULL_MESSAGE in response.content.decode()


def test_a_rush_on_a_full_run_is_answered_without_reading_the_session_or_the_user(
    client, full_run, people, oakfield, django_assert_num_queries
):
    """The second and later "Confirm" presses on a run just found full: a public fact, nothing
    written, so no session, user or menu lookup (the page reads none of them)."""
    client.force_login(people["teacher_a"])
    client.post(f"/book/{full_run.pk}/details/", details(full_run, oakfield, people["teacher_a"]))
    with django_assert_num_queries(0):
        response = client.post(
            f"/book/{full_run.pk}/details/", details(full_run, oakfield, people["teacher_a"])
        )
    assert "No places left" in response.content.decode()


def test_signed_out_the_form_of_a_run_with_places_sends_you_to_sign_in(client, open_run):
    response = client.post(f"/book/{open_run.pk}/details/", {"terms": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not Booking.objects.filter(run=open_run).exists()
