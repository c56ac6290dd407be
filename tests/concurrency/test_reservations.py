"""Reserved places share the run's lock with bookings: leads reserving and teachers booking at
once never take more than the run's capacity, and naming people on reserved places in a
rush of bookers always finds the places held. The control removes the lock from both paths,
widens the race, and shows overbooking then happens.

Runs on PostgreSQL (skipped with a reason on SQLite)."""

import time

import pytest

from accounts.models import Membership, User
from bookings.models import Enrolment, Reservation
from bookings.services import (
    BookingRefused,
    BookingRequest,
    Delegate,
    book_places,
    name_reserved_place,
    places,
    places_taken,
    reservations,
    reserve_places,
)
from courses.models import CourseRun
from tests.factories import courses

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(postgres, people):
    """A new open run 40 days off (names due in 19 days); Riverside's teachers book on it and
    Oakfield's CPD lead reserves places on it."""
    school = people["school_b"]
    school.bookings_need_approval = False
    school.save()
    return courses.run(days=(40,)), school


def _teachers(school, n, prefix="storm"):
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{i}@{school.domains[0]}") for i in range(n)]
    )
    Membership.objects.bulk_create([Membership(user=u, school=school) for u in users])
    return users


def _act(run, people):
    """One booker or one lead: ("book", user) books the user; ("reserve", n) reserves n."""

    def act(what):
        kind, who = what
        try:
            if kind == "book":
                book_places(
                    run.pk,
                    BookingRequest(
                        school=people["school_b"],
                        booked_by=who,
                        delegates=[Delegate(who)],
                        terms_accepted=True,
                    ),
                )
            else:
                reserve_places(
                    run.pk,
                    school=people["school_a"],
                    by=people["lead_a"],
                    places_wanted=who,
                    terms_accepted=True,
                )
            return kind
        except BookingRefused as refusal:
            return refusal.code

    return act


def _storm(run, school):
    return [("book", u) for u in _teachers(school, 12)] + [("reserve", 2)] * 12


def _held(run):
    live = Enrolment.objects.filter(run=run).live().count()
    reserved = sum(r.unnamed for r in Reservation.objects.filter(run=run))
    return live + reserved


def test_reservations_and_bookings_at_once_fill_the_run_exactly(scene, stampede, people):
    run, school = scene
    run.capacity = 6
    run.save()
    results = stampede(_act(run, people), _storm(run, school))
    assert set(results) <= {"book", "reserve", "full", "not_enough"}
    assert _held(run) == places_taken(run.pk) == 6
    assert results.count("book") + 2 * results.count("reserve") == 6


def test_control_without_the_lock_reservations_and_bookings_overbook(
    scene, stampede, people, monkeypatch
):
    run, school = scene
    run.capacity = 6
    run.save()

    def unlocked(run_id):
        return CourseRun.objects.select_related("course").get(pk=run_id)

    monkeypatch.setattr(places, "_lock_run", unlocked)
    monkeypatch.setattr(reservations, "_lock_run", unlocked)
    monkeypatch.setattr(places, "_after_counting_places", lambda: time.sleep(0.05))
    stampede(_act(run, people), _storm(run, school))
    assert _held(run) > 6


def test_with_the_lock_the_widened_race_still_holds(scene, stampede, people, monkeypatch):
    run, school = scene
    run.capacity = 6
    run.save()
    monkeypatch.setattr(places, "_after_counting_places", lambda: time.sleep(0.05))
    stampede(_act(run, people), _storm(run, school))
    assert _held(run) == places_taken(run.pk) == 6


def test_naming_reserved_places_in_a_rush_of_bookers_always_finds_them(scene, stampede, people):
    run, school = scene
    run.capacity = 4
    run.save()
    reservation = reserve_places(
        run.pk, school=people["school_a"], by=people["lead_a"], places_wanted=2, terms_accepted=True
    )
    act = _act(run, people)
    for user in _teachers(school, 2, prefix="early"):
        assert act(("book", user)) == "book"
    colleagues = _teachers(people["school_a"], 2, prefix="named")

    def rush(what):
        kind, who = what
        if kind != "name":
            return act(what)
        name_reserved_place(reservation.pk, by=people["lead_a"], person=who)
        return "named"

    results = stampede(
        rush, [("name", c) for c in colleagues] + [("book", u) for u in _teachers(school, 10)]
    )
    assert results.count("named") == 2
    assert set(results) == {"named", "full"}
    reservation.refresh_from_db()
    assert (reservation.places, reservation.named) == (2, 2)
    assert Enrolment.objects.filter(run=run).live().count() == places_taken(run.pk) == 4
