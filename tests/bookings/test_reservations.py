"""Reserved places: a CPD lead reserves places without names, names people later, gives back
what is not needed, and at the name-by date the rest are released (free, or charged as late
cancellations inside the notice period) and the waiting list moves on."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import services
from bookings.charges import charge_due
from bookings.models import Booking, Enrolment, Reservation, WaitingListEntry
from bookings.services import BookingRefused, places_taken
from courses.models import CourseRun
from tests.factories import accounts, billing


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def run(db):
    """£200 a place, capacity 4, first session 40 days away: free to cancel until 14 days
    before it (26 days from now); names due 21 days before it (19 days from now), so a release
    at the name-by date is free."""
    return billing.priced_run("200.00", capacity=4, days=(40,))


def _reserve(run, people, n=2, who="lead_a", **kw):
    kw.setdefault("terms_accepted", True)
    return services.reserve_places(
        run.pk, school=people["school_a"], by=people[who], places_wanted=n, **kw
    )


def _nothing_written(run):
    return not Booking.objects.filter(run=run).exists() and not Reservation.objects.exists()


# --- reserving ------------------------------------------------------------------------------


def test_a_lead_reserves_places_which_count_as_taken(run, people, on_commit):
    with on_commit():
        reservation = _reserve(run, people, 3)
    assert (reservation.places, reservation.named, reservation.unnamed) == (3, 0, 3)
    assert reservation.price == Decimal("200.00")
    assert places_taken(run.pk) == 3
    assert not Enrolment.objects.filter(run=run).exists(), "nobody is named yet"
    (message,) = mail.outbox
    assert message.to == [people["lead_a"].email]
    assert "3 places" in message.body
    due = run.sessions.get().starts_at - dt.timedelta(days=21)
    assert due.strftime("%-d %B %Y") in message.body
    assert "released free of charge" in message.body


def test_the_run_s_own_name_by_date_beats_the_course_default(run):
    when = timezone.now() + dt.timedelta(days=30)
    run.name_by = when
    assert services.name_by(run) == when


@pytest.mark.parametrize("n", [0, -1])
def test_fewer_than_one_place_is_refused(run, people, n):
    with pytest.raises(BookingRefused, match="at least one place"):
        _reserve(run, people, n)
    assert _nothing_written(run)


def test_more_places_than_are_left_is_refused_with_how_many_are(run, people):
    with pytest.raises(BookingRefused, match=r"Only 4 places left; you asked to reserve 5\."):
        _reserve(run, people, 5)
    assert _nothing_written(run)


def test_a_full_run_refuses_a_reservation(run, people):
    _reserve(run, people, 4)
    with pytest.raises(BookingRefused) as refused:
        _reserve(run, people, 1)
    assert refused.value.code == "full"
    assert Reservation.objects.count() == 1 and places_taken(run.pk) == 4


def test_a_teacher_cannot_reserve_places(run, people):
    with pytest.raises(BookingRefused, match="CPD lead"):
        _reserve(run, people, 1, who="teacher_a")
    assert _nothing_written(run)


def test_a_booking_cannot_take_reserved_places(run, people):
    _reserve(run, people, 4)
    with pytest.raises(BookingRefused) as refused:
        services.book_places(
            run.pk,
            services.BookingRequest(
                school=people["school_b"],
                booked_by=people["teacher_b"],
                delegates=[services.Delegate(people["teacher_b"])],
                terms_accepted=True,
            ),
        )
    assert refused.value.code == "full"


def test_the_database_refuses_more_names_than_places(run, people):
    reservation = _reserve(run, people, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.filter(pk=reservation.pk).update(named=2)


# --- naming ---------------------------------------------------------------------------------


def test_naming_a_colleague_makes_a_confirmed_place_at_the_reserved_price(run, people, on_commit):
    reservation = _reserve(run, people, 2)
    run.price_override = Decimal("999.00")  # a later price change does not touch reserved places
    run.save()
    mail.outbox.clear()
    with on_commit():
        booking = services.name_reserved_place(
            reservation.pk,
            by=people["lead_a"],
            person=people["teacher_a"],
            access_needs="Hearing loop",
        )
    enrolment = Enrolment.objects.get(run=run, delegate=people["teacher_a"])
    assert booking == reservation.booking == enrolment.booking
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert (enrolment.price, enrolment.access_needs) == (Decimal("200.00"), "Hearing loop")
    reservation.refresh_from_db()
    assert (reservation.places, reservation.named) == (2, 1)
    assert places_taken(run.pk) == 2, "the named place replaces the reserved one"
    assert [m.to for m in mail.outbox] == [[people["teacher_a"].email]]


def test_naming_someone_not_on_the_school_s_staff_is_refused(run, people):
    reservation = _reserve(run, people, 2)
    with pytest.raises(BookingRefused, match="not on Oakfield Primary School's staff list"):
        services.name_reserved_place(
            reservation.pk, by=people["lead_a"], person=people["teacher_b"]
        )
    reservation.refresh_from_db()
    assert reservation.named == 0 and not Enrolment.objects.filter(run=run).exists()


def test_naming_someone_already_booked_is_refused(run, people):
    reservation = _reserve(run, people, 2)
    services.name_reserved_place(reservation.pk, by=people["lead_a"], person=people["teacher_a"])
    with pytest.raises(BookingRefused, match="Already booked on this run: Tom Teacher"):
        services.name_reserved_place(
            reservation.pk, by=people["lead_a"], person=people["teacher_a"]
        )
    reservation.refresh_from_db()
    assert reservation.named == 1


def test_no_more_people_than_places_reserved(run, people):
    reservation = _reserve(run, people, 1)
    services.name_reserved_place(reservation.pk, by=people["lead_a"], person=people["teacher_a"])
    with pytest.raises(BookingRefused, match="Only 0 reserved places left to name"):
        services.name_reserved_place(
            reservation.pk, by=people["lead_a"], person=people["finance_a"]
        )


@pytest.mark.parametrize("person", ["finance_a", "teacher_a"])
def test_a_teacher_cannot_name_anyone_on_their_lead_s_reservation(run, people, person):
    reservation = _reserve(run, people, 2)
    with pytest.raises(BookingRefused, match="not found"):
        services.name_reserved_place(reservation.pk, by=people["teacher_a"], person=people[person])
    with pytest.raises(BookingRefused, match="not found"):
        services.give_back_places(reservation.pk, by=people["teacher_a"], count=1)
    reservation.refresh_from_db()
    assert (reservation.places, reservation.named) == (2, 0)


# --- giving back and releasing --------------------------------------------------------------


def _wait(run, people):
    """Fill the run's last free places, then put Ravi on its waiting list."""
    for person in accounts.staff_of(people["school_b"], run.capacity - places_taken(run.pk)):
        services.book_places(
            run.pk,
            services.BookingRequest(
                school=people["school_b"],
                booked_by=person,
                delegates=[services.Delegate(person)],
                terms_accepted=True,
            ),
        )
    return services.join_waiting_list(
        run.pk, person=people["teacher_b"], school=people["school_b"], added_by=people["teacher_b"]
    )


def test_giving_back_a_place_is_free_before_the_notice_period_and_moves_the_list(
    run, people, on_commit
):
    reservation = _reserve(run, people, 3)
    entry = _wait(run, people)
    with on_commit():
        done = services.give_back_places(reservation.pk, by=people["lead_a"], count=1)
    assert done.charged is False
    reservation.refresh_from_db()
    assert (reservation.places, reservation.named) == (2, 0)
    assert not Enrolment.objects.filter(run=run, status="cancelled").exists()
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED


def test_giving_back_more_than_are_unnamed_is_refused(run, people):
    reservation = _reserve(run, people, 2)
    services.name_reserved_place(reservation.pk, by=people["lead_a"], person=people["teacher_a"])
    with pytest.raises(BookingRefused, match="Only 1 unnamed place is left to give back"):
        services.give_back_places(reservation.pk, by=people["lead_a"], count=2)
    reservation.refresh_from_db()
    assert reservation.places == 2


def _name_by(run):
    return services.name_by(CourseRun.objects.get(pk=run.pk))


def test_the_lead_is_reminded_once_before_the_name_by_date(run, people, on_commit):
    reservation = _reserve(run, people, 2)
    mail.outbox.clear()
    due = _name_by(run)
    with on_commit():
        assert services.remind_and_release_reservations(now=due - dt.timedelta(days=8)) == (0, 0)
    assert mail.outbox == [], "too early"
    for days in (6, 5):
        with on_commit():
            services.remind_and_release_reservations(now=due - dt.timedelta(days=days))
    (reminder,) = mail.outbox
    assert reminder.to == [people["lead_a"].email]
    assert "2 of the 2 places" in reminder.body
    reservation.refresh_from_db()
    assert reservation.reminded_at is not None


def test_at_the_name_by_date_unnamed_places_are_released_free_and_the_list_moves(
    run, people, on_commit
):
    reservation = _reserve(run, people, 3)
    services.name_reserved_place(reservation.pk, by=people["lead_a"], person=people["teacher_a"])
    entry = _wait(run, people)
    mail.outbox.clear()
    due = _name_by(run)
    with on_commit():
        assert services.remind_and_release_reservations(now=due) == (0, 2)
    reservation.refresh_from_db()
    assert (reservation.places, reservation.named) == (1, 1) and reservation.released_at
    assert not Enrolment.objects.filter(run=run, status="cancelled").exists(), "free"
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED
    released = [m for m in mail.outbox if m.to == [people["lead_a"].email]]
    assert len(released) == 1 and "There is no charge" in released[0].body
    # Running again releases nothing and tells nobody twice.
    with on_commit():
        assert services.remind_and_release_reservations(now=due + dt.timedelta(hours=1)) == (0, 0)
    assert len([m for m in mail.outbox if m.to == [people["lead_a"].email]]) == 1


def test_unnamed_places_released_inside_the_notice_period_are_charged_as_late_cancellations(
    people, on_commit
):
    # Free to cancel until 30 days before the first session (10 days from now); names are due
    # 21 days before (19 days from now), inside the notice period: each unnamed place is
    # charged 50% of £200 = £100 before VAT.
    run = billing.priced_run(
        "200.00",
        capacity=4,
        days=(40,),
        free_cancellation_days=30,
        late_cancellation_charge_percent=50,
    )
    reservation = _reserve(run, people, 2)
    assert services.release_is_charged(run)
    with on_commit():
        services.release_unnamed_places(reservation.pk, now=_name_by(run))
    charged = list(Enrolment.objects.filter(run=run, status="cancelled"))
    assert len(charged) == 2
    assert all(e.late_cancellation and e.booking == reservation.booking for e in charged)
    assert all(e.released_from == reservation for e in charged), "nobody's place: marked so"
    assert [charge_due(e) for e in charged] == [Decimal("100.00"), Decimal("100.00")]
    assert places_taken(run.pk) == 0
    assert "charged as late cancellations" in mail.outbox[-1].body


def test_the_database_refuses_a_released_place_that_is_not_a_late_cancellation(run, people):
    reservation = _reserve(run, people, 2)
    for status, late in [("confirmed", False), ("cancelled", False)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Enrolment.objects.create(
                booking=reservation.booking,
                run=run,
                delegate=people["lead_a"],
                released_from=reservation,
                status=status,
                late_cancellation=late,
                cancelled_at=timezone.now(),
                price=reservation.price,
            )


def test_a_late_given_back_place_is_marked_released_and_not_the_lead_s(people, on_commit):
    # Inside the notice period (14 days, the first session 5 days away): charged, nobody's.
    run = billing.priced_run("200.00", capacity=4, days=(5,), late_cancellation_charge_percent=50)
    run.name_by = timezone.now() + dt.timedelta(days=2)
    run.save()
    reservation = _reserve(run, people, 2)
    with on_commit():
        given = services.give_back_places(reservation.pk, by=people["lead_a"], count=1)
    assert given.charged
    (place,) = Enrolment.objects.filter(run=run)
    assert place.released_from == reservation and charge_due(place) == Decimal("100.00")
    assert not Enrolment.objects.of_people().filter(run=run).exists()


def test_releasing_before_the_name_by_date_does_nothing(run, people):
    reservation = _reserve(run, people, 2)
    assert services.release_unnamed_places(reservation.pk, now=timezone.now()) == 0
    reservation.refresh_from_db()
    assert reservation.unnamed == 2 and reservation.released_at is None


def test_naming_after_the_name_by_date_is_refused(run, people):
    reservation = _reserve(run, people, 2)
    run.name_by = timezone.now() - dt.timedelta(minutes=1)
    run.save()
    with pytest.raises(BookingRefused, match="date to name people has passed"):
        services.name_reserved_place(
            reservation.pk, by=people["lead_a"], person=people["teacher_a"]
        )


def test_cancelling_the_run_releases_its_reserved_places(run, people):
    reservation = _reserve(run, people, 2)
    services.cancel_run(run.pk, by=people["staff"], reason="Facilitator ill")
    reservation.refresh_from_db()
    assert reservation.unnamed == 0 and reservation.released_at
