"""Changes to a run's dates that the people booked on it must hear about. Today: calling off
one session of a run while the rest go ahead. (Cancelling a whole run is
bookings.services.cancel_run: that cancels the places too.)"""

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from accounts import permissions
from courses.models import CourseRun, Session

from . import tasks
from .services import BookingRefused

SESSION_CANCELLED = "bookings.cancel_session"  # the run's history shows it (wagtail_hooks)


def cancel_session(session_id, *, by, reason):
    """Call off one session. Places stay booked; every calendar shows the session as
    cancelled (its SEQUENCE goes up, so subscribed calendars replace the event), and each
    confirmed delegate is emailed the reason once."""
    if not permissions.can_manage_bookings(by):
        raise BookingRefused("Only the CPD team can cancel a session.", "forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise BookingRefused("Give a reason; delegates will see it.", "reason")
    run_id = Session.objects.filter(pk=session_id).values_list("run_id", flat=True).first()
    if run_id is None:
        raise BookingRefused("That session was not found.", "not_found")
    with transaction.atomic():
        # The run's lock, as every booking path takes it: two officers cancelling the last two
        # sessions at once, or a session and the run, are decided one after the other.
        run = CourseRun.objects.select_for_update().get(pk=run_id)
        session = Session.objects.select_for_update().get(pk=session_id)
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
