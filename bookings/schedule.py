"""Changes to a run's dates that the people booked on it must hear about: moving a session
(move_session, or the run form in Scheduling, which calls tell_of_moves) and calling off one
session while the rest go ahead. (Cancelling a whole run is bookings.services.cancel_run:
that cancels the places too.)"""

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from accounts import permissions
from courses.models import CourseRun, Session

from . import tasks
from .services import BookingRefused

SESSION_CANCELLED = "bookings.cancel_session"  # the run's history shows it (wagtail_hooks)


def _run_of(session_id):
    run_id = Session.objects.filter(pk=session_id).values_list("run_id", flat=True).first()
    if run_id is None:
        raise BookingRefused("That session was not found.", "not_found")
    return run_id


def _lock_session(run_id, session_id):
    """The run's lock, as every booking path takes it, then the session's: two officers
    cancelling or moving sessions of one run, or a session and the run, are decided one after
    the other. Inside the caller's transaction."""
    run = CourseRun.objects.select_for_update().get(pk=run_id)
    return run, Session.objects.select_for_update().get(pk=session_id)


def cancel_session(session_id, *, by, reason):
    """Call off one session. Places stay booked; every calendar shows the session as
    cancelled (its SEQUENCE goes up, so subscribed calendars replace the event), and each
    confirmed delegate is emailed the reason once."""
    if not permissions.can_manage_bookings(by):
        raise BookingRefused("Only the CPD team can cancel a session.", "forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise BookingRefused("Give a reason; delegates will see it.", "reason")
    run_id = _run_of(session_id)
    with transaction.atomic():
        run, session = _lock_session(run_id, session_id)
        now = timezone.now()
        if run.status == CourseRun.Status.CANCELLED:
            raise BookingRefused("The whole run is cancelled already.", "state")
        if session.cancelled_at is not None:
            raise BookingRefused("This session is already cancelled.", "state")
        if session.starts_at <= now:
            raise BookingRefused("This session has started or is over.", "started")
        others = run.sessions.filter(cancelled_at__isnull=True).exclude(pk=session.pk)
        if not others.exists():
            raise BookingRefused(
                "This is the run's only remaining session. Cancel the run instead, so that "
                "every place is cancelled free of charge.",
                "last_session",
            )
        session.cancelled_at = now
        session.sequence += 1  # calendars replace an event only when its SEQUENCE goes up
        session.save(update_fields=["cancelled_at", "sequence", "updated_at"])
        log(
            instance=run,
            action=SESSION_CANCELLED,
            user=by,
            data={"session": str(session), "reason": reason},
        )
        tasks.send_session_cancelled.delay_on_commit(session.pk, reason)
    return session


def session_times(run_id):
    """{session id: (starts_at, ends_at)}, read before a run's sessions are edited."""
    return {
        pk: (starts, ends)
        for pk, starts, ends in Session.objects.filter(run_id=run_id).values_list(
            "pk", "starts_at", "ends_at"
        )
    }


def tell_of_moves(run_id, before, now=None):
    """After a run's sessions were saved: the confirmed delegates are emailed, once, the new
    times of the sessions that moved (still to come and not called off), with a calendar file
    that moves them. Session.save has raised each one's SEQUENCE. Returns [[id, SEQUENCE]]."""
    now = now or timezone.now()
    moved = [
        [pk, sequence]
        for pk, starts, ends, sequence in Session.objects.filter(
            run_id=run_id,
            pk__in=list(before),
            cancelled_at__isnull=True,
            run__status__in=[CourseRun.Status.OPEN, CourseRun.Status.CLOSED],
        )
        .order_by("starts_at")
        .values_list("pk", "starts_at", "ends_at", "sequence")
        if before[pk] != (starts, ends) and ends > now
    ]
    if moved:
        tasks.send_sessions_moved.delay_on_commit(run_id, moved)
    return moved


def move_session(session_id, *, by, starts_at, ends_at):
    """Move one session to new times; its SEQUENCE goes up and confirmed delegates are told."""
    if not permissions.can_manage_bookings(by):
        raise BookingRefused("Only the CPD team can move a session.", "forbidden")
    if ends_at <= starts_at:
        raise BookingRefused("A session must end after it starts.", "times")
    run_id = _run_of(session_id)
    with transaction.atomic():
        run, session = _lock_session(run_id, session_id)
        if run.status == CourseRun.Status.CANCELLED or session.cancelled_at is not None:
            raise BookingRefused("A cancelled session cannot be moved.", "state")
        before = {session.pk: (session.starts_at, session.ends_at)}
        session.starts_at, session.ends_at = starts_at, ends_at
        session.save()  # raises its SEQUENCE when the times change
        tell_of_moves(run.pk, before)
    return session
