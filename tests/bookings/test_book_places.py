"""book_places(): the only way a place is taken, and every way it refuses."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import Booking, Enrolment, EnrolmentEvent, WaitingListEntry
from bookings.services import BookingRefused, BookingRequest, Delegate, book_places, places_taken
from courses.models import CourseRun


def _request(people, who="teacher_a", delegates=None, **kw):
    kw.setdefault("terms_accepted", True)
    return BookingRequest(
        school=people["school_a"],
        booked_by=people[who],
        delegates=delegates or [Delegate(people[who])],
        **kw,
    )


def _nothing_written(run):
    return (
        not Booking.objects.filter(run=run).exists()
        and not Enrolment.objects.filter(run=run).exists()
    )


def test_a_teacher_books_themselves_and_the_place_is_confirmed(open_run, people):
    people["school_a"].bookings_need_approval = False
    people["school_a"].save()
    booking = book_places(
        open_run.pk,
        _request(
            people,
            delegates=[
                Delegate(
                    people["teacher_a"], access_needs="Hearing loop please", dietary_needs="Vegan"
                )
            ],
        ),
    )
    enrolment = booking.enrolments.get()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert enrolment.delegate == people["teacher_a"]
    assert (enrolment.access_needs, enrolment.dietary_needs) == ("Hearing loop please", "Vegan")
    assert enrolment.price == open_run.price
    assert booking.reference.startswith("BK-") and booking.terms_accepted_at
    event = EnrolmentEvent.objects.get(enrolment=enrolment)
    assert (event.to_status, event.actor) == ("confirmed", people["teacher_a"])
    assert places_taken(open_run.pk) == 1


def test_the_price_is_snapshotted(open_run, people):
    booking = book_places(open_run.pk, _request(people))
    open_run.price_override = Decimal("999.00")
    open_run.save()
    assert booking.enrolments.get().price != Decimal("999.00")


def test_a_cpd_lead_books_several_colleagues(open_run, people):
    delegates = [Delegate(people["teacher_a"]), Delegate(people["finance_a"])]
    booking = book_places(open_run.pk, _request(people, who="lead_a", delegates=delegates))
    assert booking.enrolments.count() == 2
    assert booking.booked_by == people["lead_a"]


def test_when_the_school_requires_approval_a_teachers_own_booking_waits(open_run, people):
    assert people["school_a"].bookings_need_approval  # as the demo seeds Oakfield
    enrolment = book_places(open_run.pk, _request(people)).enrolments.get()
    assert enrolment.status == Enrolment.Status.PENDING_APPROVAL
    hours = (enrolment.approval_expires_at - timezone.now()).total_seconds() / 3600
    assert 71.9 < hours <= 72
    assert places_taken(open_run.pk) == 1, "a pending request holds its place"
    by_lead = book_places(
        open_run.pk, _request(people, who="lead_a", delegates=[Delegate(people["finance_a"])])
    )
    assert by_lead.enrolments.get().status == Enrolment.Status.CONFIRMED


@pytest.mark.parametrize(
    ("change", "message", "code"),
    [
        (
            lambda run: setattr(run, "status", CourseRun.Status.CLOSED),
            "Booking is closed",
            "closed",
        ),
        (
            lambda run: setattr(run, "status", CourseRun.Status.SCHEDULED),
            "Booking is closed",
            "closed",
        ),
        (lambda run: setattr(run, "status", CourseRun.Status.CANCELLED), "cancelled", "cancelled"),
        (
            lambda run: setattr(run, "booking_closes_at", timezone.now() - timezone.timedelta(1)),
            "Booking is closed",
            "closed",
        ),
        (
            lambda run: setattr(run, "booking_opens_at", timezone.now() + timezone.timedelta(1)),
            "Booking is closed",
            "closed",
        ),
    ],
)
def test_runs_outside_their_booking_window_or_status_refuse(
    open_run, people, change, message, code
):
    change(open_run)
    open_run.save()
    with pytest.raises(BookingRefused, match=message) as refusal:
        book_places(open_run.pk, _request(people))
    assert refusal.value.code == code
    assert _nothing_written(open_run)


def test_asking_for_more_places_than_are_left_says_how_many_are(open_run, people, staff_of):
    colleagues = staff_of(people["school_a"], 4)
    book_places(open_run.pk, _request(people))
    with pytest.raises(BookingRefused, match=r"^Only 2 places left; you asked for 3\.$"):
        book_places(
            open_run.pk,
            _request(people, who="lead_a", delegates=[Delegate(u) for u in colleagues[:3]]),
        )
    assert Enrolment.objects.filter(run=open_run).count() == 1


def test_a_full_run_points_to_the_waiting_list(open_run, people, staff_of):
    colleagues = staff_of(people["school_a"], 3)
    book_places(
        open_run.pk, _request(people, who="lead_a", delegates=[Delegate(u) for u in colleagues])
    )
    with pytest.raises(BookingRefused, match="full. Join the waiting list") as refusal:
        book_places(open_run.pk, _request(people))
    assert refusal.value.code == "full"


def test_a_held_waiting_list_offer_takes_a_place(open_run, people, staff_of):
    colleagues = staff_of(people["school_a"], 2)
    book_places(
        open_run.pk, _request(people, who="lead_a", delegates=[Delegate(u) for u in colleagues])
    )
    WaitingListEntry.objects.create(
        run=open_run,
        person=people["teacher_b"],
        school=people["school_b"],
        added_by=people["teacher_b"],
        status="offered",
        places_offered=1,
        offer_expires_at=timezone.now() + timezone.timedelta(hours=48),
    )
    with pytest.raises(BookingRefused, match="full"):
        book_places(open_run.pk, _request(people))


def test_an_expired_offer_frees_its_place(open_run, people):
    WaitingListEntry.objects.create(
        run=open_run,
        person=people["teacher_b"],
        school=people["school_b"],
        added_by=people["teacher_b"],
        status="offered",
        places_offered=1,
        offer_expires_at=timezone.now() - timezone.timedelta(minutes=1),
    )
    assert places_taken(open_run.pk) == 0


def test_the_same_person_cannot_hold_two_live_places(open_run, people):
    book_places(open_run.pk, _request(people))
    with pytest.raises(BookingRefused, match="Already booked on this run: Tom Teacher"):
        book_places(
            open_run.pk, _request(people, who="lead_a", delegates=[Delegate(people["teacher_a"])])
        )


def test_the_database_also_refuses_a_second_live_enrolment(open_run, people):
    booking = book_places(open_run.pk, _request(people))
    first = booking.enrolments.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            booking=booking, run=open_run, delegate=first.delegate, status="confirmed", price=0
        )


def test_listing_a_person_twice_is_refused(open_run, people):
    with pytest.raises(BookingRefused, match="listed twice"):
        book_places(
            open_run.pk,
            _request(
                people,
                who="lead_a",
                delegates=[Delegate(people["teacher_a"]), Delegate(people["teacher_a"])],
            ),
        )


def test_terms_must_be_accepted(open_run, people):
    with pytest.raises(BookingRefused, match="Accept the booking terms"):
        book_places(open_run.pk, _request(people, terms_accepted=False))
    assert _nothing_written(open_run)


def test_a_po_number_is_required_when_the_school_says_so(open_run, people):
    people["school_a"].po_number_required = True
    people["school_a"].save()
    with pytest.raises(BookingRefused, match="needs a purchase order"):
        book_places(open_run.pk, _request(people, po_number="   "))
    booking = book_places(open_run.pk, _request(people, po_number=" PO-4471 "))
    assert booking.po_number == "PO-4471"


def test_a_teacher_cannot_book_colleagues(open_run, people):
    with pytest.raises(BookingRefused, match="Only your school's CPD lead"):
        book_places(open_run.pk, _request(people, delegates=[Delegate(people["finance_a"])]))
    assert _nothing_written(open_run)


def test_nobody_books_for_a_school_they_do_not_belong_to(open_run, people):
    with pytest.raises(BookingRefused, match="not a member of Oakfield"):
        book_places(open_run.pk, _request(people, who="teacher_b"))


def test_a_lead_cannot_book_someone_from_another_school(open_run, people):
    with pytest.raises(BookingRefused, match="not on Oakfield Primary School's staff list"):
        book_places(
            open_run.pk, _request(people, who="lead_a", delegates=[Delegate(people["teacher_b"])])
        )


def test_phone_bookings_are_for_service_staff_only(open_run, people):
    with pytest.raises(BookingRefused, match="Only the CPD team"):
        book_places(open_run.pk, _request(people, who="lead_a", source="phone"))
    booking = book_places(
        open_run.pk,
        _request(people, who="staff", source="phone", delegates=[Delegate(people["teacher_a"])]),
    )
    assert booking.enrolments.get().status == "confirmed"


def test_no_delegates_is_refused(open_run, people):
    with pytest.raises(BookingRefused, match="at least one person"):
        book_places(
            open_run.pk,
            BookingRequest(
                school=people["school_a"], booked_by=people["lead_a"], terms_accepted=True
            ),
        )


def test_places_left_reads_the_same_from_the_annotation_and_the_property(open_run, people):
    book_places(open_run.pk, _request(people))
    annotated = CourseRun.objects.with_places().get(pk=open_run.pk)
    fresh = CourseRun.objects.get(pk=open_run.pk)
    assert annotated.places_left == fresh.places_left == 2


def test_even_staff_cannot_book_a_cancelled_run(open_run, people):
    open_run.status = CourseRun.Status.CANCELLED
    open_run.save()
    for source in ("phone", "walk_in"):
        with pytest.raises(BookingRefused, match="cancelled"):
            book_places(
                open_run.pk,
                _request(
                    people, who="staff", source=source, delegates=[Delegate(people["teacher_a"])]
                ),
            )
    assert _nothing_written(open_run)


def test_staff_can_take_a_phone_booking_after_online_booking_closes(open_run, people):
    open_run.status = CourseRun.Status.CLOSED
    open_run.save()
    booking = book_places(
        open_run.pk,
        _request(people, who="staff", source="phone", delegates=[Delegate(people["teacher_a"])]),
    )
    assert booking.enrolments.get().status == "confirmed"


def test_promoting_an_unknown_entry_is_a_clean_refusal(people, db):
    from bookings.services import promote_from_waiting_list

    with pytest.raises(BookingRefused, match="not found"):
        promote_from_waiting_list(987654, by=people["staff"])


def test_a_full_run_refuses_without_queueing_for_the_lock(open_run, people, staff_of, monkeypatch):
    from bookings.services import places

    colleagues = staff_of(people["school_a"], 3)
    book_places(
        open_run.pk, _request(people, who="lead_a", delegates=[Delegate(u) for u in colleagues])
    )

    def no_lock(run_id):
        raise AssertionError("a full run must be refused before taking the lock")

    monkeypatch.setattr(places, "_lock_run", no_lock)
    with pytest.raises(BookingRefused, match="full"):
        book_places(
            open_run.pk, _request(people, who="lead_a", delegates=[Delegate(people["teacher_a"])])
        )


def test_a_confirmed_self_booking_costs_a_fixed_small_number_of_queries(
    open_run, people, django_assert_max_num_queries
):
    """The booking path is what a popular run's rush hammers (bench/booking_storm.py):
    membership, a count before the lock, the lock, one count (with the duplicate check), the
    rows and their audit entry, a two-query price, one credit check, the page cache's site
    roots, and the test's savepoint and its release. It was 22 before pricing was folded."""
    people["school_a"].bookings_need_approval = False
    people["school_a"].save()
    with django_assert_max_num_queries(13):
        booking = book_places(open_run.pk, _request(people))
    assert booking.enrolments.get().status == Enrolment.Status.CONFIRMED
