"""Cancelling: one place (free until the course's notice period, a late cancellation after),
or a whole run by the provider (free for everyone)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts import permissions
from courses.models import CourseRun

from .. import signals
from ..models import Enrolment, Reservation, WaitingListEntry
from .locking import _lock_run, _locked_enrolment, _set_status
from .refusals import BookingRefused


def first_session_start(run):
    prefetched = getattr(run, "_prefetched_objects_cache", {}).get("sessions")
    if prefetched is not None:  # the page already read them: no second query
        return min((s.starts_at for s in prefetched), default=None)
    first = run.sessions.order_by("starts_at").first()
    return first.starts_at if first else None


def free_cancellation_ends(run, first_start=None):
    """When cancelling a place on `run` stops being free: the course's notice period before
    its first session (None with no sessions yet). `first_start`, when the caller has it,
    saves a query."""
    start = first_start or first_session_start(run)
    if start is None:
        return None
    return start - timedelta(days=run.course.free_cancellation_days)


def charged_cancellation_from(run):
    """When cancelling a place on `run` starts to cost the school, as people are told it: the
    free-cancellation deadline, or None when it never does (the course keeps no late charge,
    or has no dates yet)."""
    if not run.course.late_cancellation_charge_percent:
        return None
    return free_cancellation_ends(run)


def is_late_cancellation(run, now=None):
    """Cancelling after the course's free-cancellation deadline is chargeable."""
    deadline = free_cancellation_ends(run)
    return deadline is not None and (now or timezone.now()) >= deadline


def cancelling_now_is_late(enrolment):
    """A confirmed place cancelled inside the course's notice period is a late cancellation
    (a pending one was never the school's to pay for)."""
    return enrolment.status == Enrolment.Status.CONFIRMED and is_late_cancellation(enrolment.run)


def cancel_enrolment(enrolment_id, *, by, note=""):
    """Cancel one place. Free until the course's notice period; later it is a late
    cancellation, which billing charges unless the place is refilled from the waiting list."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

    with transaction.atomic():
        run, enrolment = _locked_enrolment(enrolment_id, by)
        if enrolment.status not in (Enrolment.Status.CONFIRMED, Enrolment.Status.PENDING_APPROVAL):
            raise BookingRefused("Only a confirmed or pending place can be cancelled.", "state")
        late = cancelling_now_is_late(enrolment)
        _set_status(
            enrolment,
            Enrolment.Status.CANCELLED,
            by,
            note or "Cancelled",
            cancelled_at=timezone.now(),
            late_cancellation=late,
        )
        tasks.send_cancellation.delay_on_commit(enrolment.pk)
        tasks.offer_places.delay_on_commit(run.pk)
    return enrolment


def cancel_run(run_id, *, by, reason):
    """The provider cancels a run: every place is cancelled free of charge, everyone is told,
    and billing hears of it. The run and its bookings stay for the record."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

    if not permissions.can_manage_bookings(by):
        raise BookingRefused("Only the CPD team can cancel a run.", "forbidden")
    if not (reason or "").strip():
        raise BookingRefused("Give a reason; delegates will see it.", "reason")
    with transaction.atomic():
        run = _lock_run(run_id)
        if run.status == CourseRun.Status.CANCELLED:
            raise BookingRefused("This run is already cancelled.", "state")
        run.status = CourseRun.Status.CANCELLED
        run.save()
        now = timezone.now()
        cancelled = []
        for enrolment in Enrolment.objects.select_for_update().filter(
            run=run, status__in=[Enrolment.Status.CONFIRMED, Enrolment.Status.PENDING_APPROVAL]
        ):
            _set_status(
                enrolment,
                Enrolment.Status.CANCELLED,
                by,
                f"Run cancelled: {reason}",
                cancelled_at=now,
            )
            cancelled.append(enrolment.pk)
        WaitingListEntry.objects.filter(
            run=run, status__in=[WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED]
        ).update(status=WaitingListEntry.Status.WITHDRAWN)
        # Unnamed reserved places go with the run, free (the run's emails tell the schools).
        Reservation.objects.filter(run=run, released_at__isnull=True).update(
            places=F("named"), released_at=now
        )
        tasks.send_run_cancelled.delay_on_commit(run.pk, reason)
        transaction.on_commit(
            lambda: signals.run_cancelled.send(sender=CourseRun, run=run, enrolment_ids=cancelled)
        )
    return run
