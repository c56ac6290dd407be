"""Bookings officers' bulk actions on runs (the admin's run listing): closing booking and
sending joining reminders."""

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from accounts import permissions
from courses.models import CourseRun

from .. import emails
from ..models import Enrolment
from .refusals import BookingRefused

BOOKING_CLOSED = "cpd.run.booking_closed"


def close_booking(run_ids, *, by):
    """Stop taking bookings on these runs now (status "closed"). Runs already closed or
    cancelled are left alone, so a second go changes nothing. Returns how many closed."""
    if not permissions.can_manage_bookings(by):
        raise BookingRefused("Only the CPD team can close booking on a run.", "forbidden")
    closing = [CourseRun.Status.SCHEDULED, CourseRun.Status.OPEN]
    closed = 0
    with transaction.atomic():
        # Locked in id order, as book_places locks a run: a booking in flight finishes first.
        for run in CourseRun.objects.select_for_update().filter(pk__in=run_ids).order_by("pk"):
            if run.status not in closing:
                continue
            run.status = CourseRun.Status.CLOSED
            run.save()  # bumps every session's calendar SEQUENCE
            log(run, BOOKING_CLOSED, user=by)
            closed += 1
    return closed


def next_session_day(run, now=None):
    """The date of the run's next session still to start (not called off), or None."""
    session = (
        run.sessions.filter(starts_at__gt=now or timezone.now(), cancelled_at__isnull=True)
        .order_by("starts_at")
        .first()
    )
    return timezone.localdate(session.starts_at) if session else None


def send_joining_reminders(run_ids, *, by, now=None):
    """Remind every confirmed delegate of these runs of their next session now. Each place
    is reminded at most once per session day, and not at all if the day-before reminder
    for that day has gone (bookings.emails.reminder_now). Returns how many were sent."""
    if not permissions.can_manage_bookings(by):
        raise BookingRefused("Only the CPD team can send joining reminders.", "forbidden")
    sent = 0
    runs = CourseRun.objects.filter(pk__in=run_ids).exclude(status=CourseRun.Status.CANCELLED)
    for run in runs.order_by("pk"):
        day = next_session_day(run, now)
        if day is None:
            continue
        for enrolment_id in Enrolment.objects.filter(
            run=run, status=Enrolment.Status.CONFIRMED
        ).values_list("pk", flat=True):
            sent += emails.reminder_now(enrolment_id, day, now=now)
    return sent
