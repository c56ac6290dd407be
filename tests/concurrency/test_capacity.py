"""The rule that must never break: a run is never overbooked, however many book at once.

Runs on PostgreSQL (skipped with a reason on SQLite). The control test removes the row lock
and widens the race, and shows overbooking then happens: without it the others prove nothing."""

import time

import pytest
from django.core.management import call_command

from accounts.models import Membership, School, User
from bookings import services
from bookings.models import Enrolment
from bookings.services import BookingRefused, BookingRequest, Delegate, book_places
from courses.models import CourseRun

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(postgres):
    call_command("seed_demo", verbosity=0)
    school = School.objects.get(urn=990003)
    school.bookings_need_approval = False
    school.save()
    run = CourseRun.objects.upcoming().filter(status=CourseRun.Status.OPEN).first()
    return run, school


def _teachers(school, n):
    users = User.objects.bulk_create(
        [User(email=f"storm{i}@riverside-academy.org.uk") for i in range(n)]
    )
    Membership.objects.bulk_create([Membership(user=u, school=school) for u in users])
    return users


def _booker(run, school):
    def book(user):
        try:
            book_places(
                run.pk,
                BookingRequest(
                    school=school, booked_by=user, delegates=[Delegate(user)], terms_accepted=True
                ),
            )
            return "confirmed"
        except BookingRefused as refusal:
            return refusal.code

    return book


@pytest.mark.parametrize("capacity", [1, 5, 30])
def test_last_places_go_to_exactly_capacity_of_four_times_as_many_bookers(
    scene, stampede, capacity
):
    run, school = scene
    run.capacity = capacity
    run.save()
    users = _teachers(school, 4 * capacity)
    results = stampede(_booker(run, school), users)
    assert results.count("confirmed") == capacity
    assert set(results) == {"confirmed", "full"}, "the others are told it is full, not an error"
    assert Enrolment.objects.filter(run=run).live().count() == capacity


def test_control_without_the_lock_the_same_storm_overbooks(scene, stampede, monkeypatch):
    run, school = scene
    run.capacity = 5
    run.save()
    monkeypatch.setattr(
        services,
        "_lock_run",
        lambda run_id: CourseRun.objects.select_related("course").get(pk=run_id),
    )
    monkeypatch.setattr(services, "_after_counting_places", lambda: time.sleep(0.05))
    stampede(_booker(run, school), _teachers(school, 20))
    assert Enrolment.objects.filter(run=run).live().count() > 5


def test_with_the_lock_the_widened_race_still_holds(scene, stampede, monkeypatch):
    run, school = scene
    run.capacity = 5
    run.save()
    monkeypatch.setattr(services, "_after_counting_places", lambda: time.sleep(0.05))
    results = stampede(_booker(run, school), _teachers(school, 20))
    assert results.count("confirmed") == 5
    assert Enrolment.objects.filter(run=run).live().count() == 5
