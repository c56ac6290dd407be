"""Passing a place on: to a colleague (substitute_delegate) or to another date of the same
course (transfer_enrolment), each free until the course starts."""

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership
from courses.models import CourseRun

from ..models import Booking, Enrolment
from .cancelling import first_session_start
from .locking import _lock_run, _locked_enrolment, _set_status, record
from .places import BookingRequest, Delegate, book_places
from .refusals import BookingRefused, _may_manage


def _started(run):
    start = first_session_start(run)
    return start is not None and timezone.now() >= start


def why_not_pass_on(enrolment):
    """Why this place cannot go to a colleague now (a BookingRefused), or None. The page that
    offers it and substitute_delegate() ask the same question."""
    if enrolment.status not in (Enrolment.Status.CONFIRMED, Enrolment.Status.PENDING_APPROVAL):
        return BookingRefused("Only a confirmed or pending place can be passed on.", "state")
    if _started(enrolment.run):
        return BookingRefused(
            "The course has started; a place can no longer be passed on.", "started"
        )
    return None


def substitute_delegate(enrolment_id, *, by, new_delegate):
    """Send a colleague in someone's place: free, until the course starts."""
    with transaction.atomic():
        run, enrolment = _locked_enrolment(enrolment_id, by)
        school = enrolment.booking.school
        if refusal := why_not_pass_on(enrolment):
            raise refusal
        if not Membership.objects.filter(user=new_delegate, school=school).exists():
            raise BookingRefused(
                f"{new_delegate} is not on {school.name}'s staff list.", "not_member"
            )
        if Enrolment.objects.filter(run=run, delegate=new_delegate).live().exists():
            raise BookingRefused(f"{new_delegate} already has a place on this run.", "duplicate")
        previous = enrolment.delegate
        enrolment.delegate = new_delegate
        enrolment.access_needs = enrolment.dietary_needs = ""
        enrolment.save()
        record(
            enrolment,
            enrolment.status,
            by,
            f"Substituted for {previous}",
            from_status=enrolment.status,
        )
        from .. import tasks  # bookings.tasks imports this package: a cycle

        tasks.send_place_passed_on.delay_on_commit(enrolment.pk, previous.pk)
    return enrolment


def why_not_move(enrolment):
    """Why this place cannot move to another date (a BookingRefused), or None."""
    if enrolment.status != Enrolment.Status.CONFIRMED:
        return BookingRefused("Only a confirmed place can be transferred.", "state")
    # Once it has begun, leaving is a (late) cancellation, not a free move.
    if _started(enrolment.run):
        return BookingRefused(
            "The course has started; the place can no longer move to another date.", "started"
        )
    return None


def transfer_enrolment(enrolment_id, *, to_run_id, by):
    """Move a place to another run of the same course, if that run has room. The place left
    is cancelled free of charge (never a late cancellation); the new one is priced as any
    booking made now, and billing settles both."""
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_related("booking__school").filter(pk=enrolment_id).first()
        )
        if enrolment is None or not _may_manage(by, enrolment):
            raise BookingRefused("That booking was not found.", "not_found")
        # Lock both runs in id order, so two opposite transfers cannot deadlock.
        for run_id in sorted({enrolment.run_id, int(to_run_id)}):
            _lock_run(run_id)
        target = CourseRun.objects.select_related("course").get(pk=to_run_id)
        run, enrolment = _locked_enrolment(enrolment_id, by)
        if target.course_id != run.course_id or target.pk == run.pk:
            raise BookingRefused("Choose another date of the same course.", "wrong_run")
        if refusal := why_not_move(enrolment):
            raise refusal
        booking = book_places(
            target.pk,
            BookingRequest(
                school=enrolment.booking.school,
                booked_by=by,
                po_number=enrolment.booking.po_number,
                delegates=[
                    Delegate(enrolment.delegate, enrolment.access_needs, enrolment.dietary_needs)
                ],
                source=Booking.Source.TRANSFER,
            ),
        )
        _set_status(
            enrolment,
            Enrolment.Status.CANCELLED,
            by,
            f"Transferred to {target.reference}",
            cancelled_at=timezone.now(),
        )
        from .. import tasks  # bookings.tasks imports this package: a cycle

        moved_to = booking.enrolments.get()
        tasks.send_place_moved.delay_on_commit(enrolment.pk, moved_to.pk)
        tasks.offer_places.delay_on_commit(run.pk)
    return moved_to
