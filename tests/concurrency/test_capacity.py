"""The rule that must never break: a run is never overbooked, however many book at once.

Runs on PostgreSQL (skipped with a reason on SQLite). The control test removes the row lock
and widens the race, and shows overbooking then happens: without it the others prove nothing."""

import time

import pytest

from accounts.models import Membership, User
from bookings import services
from bookings.models import Enrolment
from bookings.services import BookingRefused, BookingRequest, Delegate, book_places, places
from courses.models import CourseRun
from tests.factories import courses

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(postgres, people):
    """A new open run and Riverside Academy, whose bookings need no approval."""
    school = people["school_b"]
    school.bookings_need_approval = False
    school.save()
    return courses.run(), school


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
        places,
        "_lock_run",
        lambda run_id: CourseRun.objects.select_related("course").get(pk=run_id),
    )
    monkeypatch.setattr(places, "_after_counting_places", lambda: time.sleep(0.05))
    stampede(_booker(run, school), _teachers(school, 20))
    assert Enrolment.objects.filter(run=run).live().count() > 5


def test_with_the_lock_the_widened_race_still_holds(scene, stampede, monkeypatch):
    run, school = scene
    run.capacity = 5
    run.save()
    monkeypatch.setattr(places, "_after_counting_places", lambda: time.sleep(0.05))
    results = stampede(_booker(run, school), _teachers(school, 20))
    assert results.count("confirmed") == 5
    assert Enrolment.objects.filter(run=run).live().count() == 5


def test_two_cancellations_and_an_offer_acceptance_at_once_keep_the_counts_right(scene, stampede):
    from bookings.models import WaitingListEntry

    run, school = scene
    run.capacity = 3
    run.save()
    a, b, c, *waiting = _teachers(school, 6)
    for user in (a, b, c):
        _booker(run, school)(user)
    for user in waiting:
        services.join_waiting_list(run.pk, person=user, school=school, added_by=user)
    c_place = Enrolment.objects.get(run=run, delegate=c)
    services.cancel_enrolment(c_place.pk, by=c)  # the first in line is offered C's place
    first = WaitingListEntry.objects.get(run=run, person=waiting[0])
    assert first.status == "offered"

    def act(what):
        kind, user = what
        if kind == "cancel":
            services.cancel_enrolment(Enrolment.objects.get(run=run, delegate=user).pk, by=user)
        else:
            services.accept_offer(first.pk, by=user)
        return kind

    assert sorted(stampede(act, [("cancel", a), ("cancel", b), ("accept", waiting[0])])) == [
        "accept",
        "cancel",
        "cancel",
    ]

    live = Enrolment.objects.filter(run=run).live()
    assert list(live.values_list("delegate", flat=True)) == [waiting[0].pk]
    offered = WaitingListEntry.objects.filter(run=run, status="offered")
    assert sorted(offered.values_list("person", flat=True)) == [waiting[1].pk, waiting[2].pk]
    assert services.places_taken(run.pk) == run.capacity


def test_a_group_offer_holds_its_places_while_others_storm_the_one_left(scene, stampede, people):
    """A CPD lead's group of three is offered two of the three places that free up; while the
    lead accepts for two colleagues, six bookers race for the one place left. The group gets
    both, exactly one booker gets the last, and the run is full, never over."""
    from bookings.models import WaitingListEntry

    run, school = scene
    run.capacity = 3
    run.save()
    a, b, *others = _teachers(school, 3 + 6)
    lead = people["lead_a"]
    colleagues, oakfield = [], people["school_a"]
    for i in range(3):
        user = User.objects.create(email=f"group{i}@oakfield.sch.uk")
        Membership.objects.create(user=user, school=oakfield)
        colleagues.append(user)
    placed = [_booker(run, school)(u) for u in (a, b, others.pop())]
    assert placed == ["confirmed"] * 3
    entry = services.join_waiting_list_as_group(
        run.pk, people=colleagues, school=oakfield, lead=lead
    )
    run.capacity = 5  # two more places: the group, first in line, is offered both
    run.save()
    services.offer_next_place(run.pk)
    entry.refresh_from_db()
    assert entry.places_offered == 2
    run.capacity = 6  # and one more, for anyone
    run.save()

    def act(who):
        if who == "lead":
            services.accept_offer(entry.pk, by=lead, people=colleagues[:2])
            return "accepted"
        return _booker(run, school)(who)

    results = stampede(act, ["lead", *others])
    assert results.count("accepted") == 1 and results.count("confirmed") == 1
    assert Enrolment.objects.filter(run=run).live().count() == 6
    assert set(
        Enrolment.objects.filter(run=run, delegate__in=colleagues).values_list(
            "delegate", flat=True
        )
    ) == {c.pk for c in colleagues[:2]}
    entry.refresh_from_db()
    assert (entry.status, entry.places) == (WaitingListEntry.Status.WAITING, 1)
