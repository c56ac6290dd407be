"""Reserved places: a CPD lead holds places on a run for their school and names people later.

Reserving counts places under the run's lock exactly as book_places() does; each unnamed place
is a taken place (with_places_taken). Naming someone is book_places() with the reservation.
Places still unnamed at the run's name-by date are released: free, unless that date falls
inside the course's late-cancellation window, when each is charged as a late cancellation:
a cancelled Enrolment marked `released_from` the reservation, which settlement invoices by
charge_due like any late cancellation, and which no page, feed or record of a person shows."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import permissions
from billing.services import quote
from core.batching import batched
from courses.models import CourseRun

from .. import signals
from ..access import may_manage_reservation
from ..models import Booking, Enrolment, Reservation
from . import places
from .cancelling import first_session_start, free_cancellation_ends, is_late_cancellation
from .locking import _lock_run, record
from .places import BookingRequest, Delegate, book_places, with_places_taken
from .refusals import FULL_MESSAGE, BookingRefused


def name_by(run):
    """When people must be named on places reserved on `run`: the run's own date, else the
    course's number of days before the first session (None while it has no sessions)."""
    if run.name_by is not None:
        return run.name_by
    start = first_session_start(run)
    if start is None:
        return None
    return start - timedelta(days=run.course.name_places_days)


def release_is_charged(run):
    """Unnamed places released at the name-by date are charged as late cancellations when the
    course keeps a late charge and that date is inside its notice period; otherwise free."""
    deadline, late_from = name_by(run), free_cancellation_ends(run)
    return bool(
        run.course.late_cancellation_charge_percent
        and deadline is not None
        and late_from is not None
        and deadline >= late_from
    )


def _refuse(message, code):
    signals.booking_refused.send(sender=BookingRefused, code=code)
    raise BookingRefused(message, code)


def reserve_places(run_id, *, school, by, places_wanted, po_number="", terms_accepted=False):
    """A CPD lead holds `places_wanted` places on the run for `school`, naming nobody yet.
    Counted under the run's row lock with every other booking; refused with a clear message
    and nothing written when it cannot go ahead."""
    if not permissions.has_role(by, school, *permissions.MANAGERS):
        _refuse("Only your school's CPD lead can reserve places.", "forbidden")
    if not isinstance(places_wanted, int) or places_wanted < 1:
        _refuse("Reserve at least one place.", "no_delegates")
    if not terms_accepted:
        _refuse("Accept the booking terms to continue.", "terms")
    po_number = (po_number or "").strip()
    if school.po_number_required and not po_number:
        _refuse(f"{school.name} needs a purchase order (PO) number.", "po_required")
    from .. import tasks  # bookings.tasks imports this package: a cycle

    with transaction.atomic(), batched():
        run = _lock_run(run_id)
        if run.status == CourseRun.Status.CANCELLED:
            _refuse("This run has been cancelled.", "cancelled")
        if not run.is_bookable:
            _refuse("Booking is closed for this run.", "closed")
        now = timezone.now()
        deadline = name_by(run)
        if deadline is not None and now >= deadline:
            _refuse(
                "The date to name people on this run has passed: book named people instead.",
                "closed",
            )
        taken = (
            with_places_taken(CourseRun.objects.filter(pk=run.pk))
            .values_list("places_taken", flat=True)
            .get()
        )
        left = run.capacity - taken
        places._after_counting_places()
        if left <= 0:
            _refuse(FULL_MESSAGE, "full")
        if places_wanted > left:
            _refuse(
                f"Only {left} place{'s' if left != 1 else ''} left; "
                f"you asked to reserve {places_wanted}.",
                "not_enough",
            )
        booking = Booking.objects.create(
            run=run,
            school=school,
            booked_by=by,
            po_number=po_number,
            source=Booking.Source.WEB,
            terms_accepted_at=now,
        )
        pricing = quote(school, run)
        reservation = Reservation.objects.create(
            booking=booking,
            run=run,
            places=places_wanted,
            price=pricing.net,
            vat_rate=pricing.vat_rate,
        )
        tasks.send_reservation_confirmed.delay_on_commit(reservation.pk)
    return reservation


def name_reserved_place(reservation_id, *, by, person, access_needs="", dietary_needs=""):
    """Turn one reserved place into `person`'s Enrolment, at the reserved price. Who may,
    and whether the person is on the school's staff and not booked already, are
    book_places()'s own checks."""
    reservation = Reservation.objects.select_related("booking__school").filter(pk=reservation_id)
    reservation = reservation.first()
    if reservation is None or not may_manage_reservation(by, reservation):
        _refuse("That reservation was not found.", "not_found")
    booking = reservation.booking
    officer = permissions.can_manage_bookings(by) and not permissions.has_role(
        by, booking.school, *permissions.MANAGERS
    )
    return book_places(
        reservation.run_id,
        BookingRequest(
            school=booking.school,
            booked_by=by,
            delegates=[Delegate(person, access_needs, dietary_needs)],
            po_number=booking.po_number,
            terms_accepted=True,  # accepted when the places were reserved
            source=Booking.Source.PHONE if officer else Booking.Source.WEB,
        ),
        reservation=reservation,
    )


def _release(reservation, count, *, charged, by, note, now):
    """Give up `count` unnamed places of a locked reservation. Charged ones become released
    places (cancelled, late, `released_from` the reservation), so settlement charges them by
    the course's rule; the lead is their delegate only because a place must have one."""
    for _ in range(count if charged else 0):
        enrolment = Enrolment.objects.create(
            booking=reservation.booking,
            run=reservation.run,
            released_from=reservation,
            delegate=reservation.booking.booked_by,
            status=Enrolment.Status.CANCELLED,
            price=reservation.price,
            vat_rate=reservation.vat_rate,
            cancelled_at=now,
            late_cancellation=True,
        )
        record(enrolment, Enrolment.Status.CANCELLED, by, note)
    reservation.places -= count


def give_back_places(reservation_id, *, by, count):
    """The lead hands back reserved places nobody will take: free before the course's notice
    period, charged as late cancellations inside it, as cancelling a named place would be."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

    if not isinstance(count, int) or count < 1:
        raise BookingRefused("Give back at least one place.", "no_delegates")
    with transaction.atomic():
        reservation = (
            Reservation.objects.select_related("booking__school").filter(pk=reservation_id).first()
        )
        if reservation is None or not may_manage_reservation(by, reservation):
            raise BookingRefused("That reservation was not found.", "not_found")
        run = _lock_run(reservation.run_id)
        reservation = (
            Reservation.objects.select_for_update().select_related("booking").get(pk=reservation_id)
        )
        if count > reservation.unnamed:
            raise BookingRefused(
                f"Only {reservation.unnamed} unnamed place"
                f"{'s are' if reservation.unnamed != 1 else ' is'} left to give back.",
                "not_enough",
            )
        charged = bool(run.course.late_cancellation_charge_percent) and is_late_cancellation(run)
        _release(
            reservation,
            count,
            charged=charged,
            by=by,
            note="Reserved place given back",
            now=timezone.now(),
        )
        reservation.save(update_fields=["places"])
        tasks.offer_places.delay_on_commit(run.pk)
    reservation.charged = charged
    return reservation


def release_unnamed_places(reservation_id, now=None):
    """At the name-by date: release the places nobody was named for, charged or free by
    release_is_charged(), tell the lead, and move the waiting list on. Safe to run twice."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

    now = now or timezone.now()
    run_id = Reservation.objects.filter(pk=reservation_id).values_list("run_id", flat=True).get()
    with transaction.atomic():
        run = _lock_run(run_id)
        reservation = (
            Reservation.objects.select_for_update().select_related("booking").get(pk=reservation_id)
        )
        deadline = name_by(run)
        if reservation.released_at is not None or deadline is None or now < deadline:
            return 0
        released = reservation.unnamed
        charged = release_is_charged(run)
        _release(
            reservation,
            released,
            charged=charged,
            by=None,
            note="Reserved place not named by the date",
            now=now,
        )
        reservation.released_at = now
        reservation.save(update_fields=["places", "released_at"])
        if released:
            tasks.send_reservation_released.delay_on_commit(reservation.pk, released, charged)
            tasks.offer_places.delay_on_commit(run.pk)
    return released


def remind_and_release_reservations(now=None):
    """Periodic: remind each lead once, some days before the name-by date, of places still
    unnamed; release them once it passes."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

    now = now or timezone.now()
    remind_from = timedelta(days=settings.RESERVATION_REMINDER_DAYS)
    reminded = released = 0
    open_ones = Reservation.objects.filter(released_at__isnull=True).exclude(
        run__status=CourseRun.Status.CANCELLED
    )
    for reservation in open_ones.select_related("run__course"):
        deadline = name_by(reservation.run)
        if deadline is None:
            continue
        if now >= deadline:
            released += release_unnamed_places(reservation.pk, now=now)
        elif (
            reservation.unnamed
            and reservation.reminded_at is None
            and now >= deadline - remind_from
        ):
            # Marked in the same transaction as the send is queued: one reminder per reservation.
            with transaction.atomic():
                if Reservation.objects.filter(pk=reservation.pk, reminded_at__isnull=True).update(
                    reminded_at=now
                ):
                    tasks.send_reservation_reminder.delay_on_commit(reservation.pk)
                    reminded += 1
    return reminded, released
