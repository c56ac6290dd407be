"""Evaluations: asking attendees after the run ends, reminding them, and their answers."""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from courses.models import CourseRun

from .. import emails
from ..models import (
    Enrolment,
    Evaluation,
)
from ..services import BookingRefused
from .certificates import issue_certificate


def _with_end():
    """Runs annotated with when their last held session ends."""
    return CourseRun.objects.annotate(
        held_until=Max("sessions__ends_at", filter=Q(sessions__cancelled_at__isnull=True))
    )


def request_evaluations(run_id, now=None, notify=True):
    """Once a closed run's last session has ended, ask each attended delegate to evaluate it.
    Safe to run twice: one evaluation per place, and each email goes once. `notify` is False
    only for demo data."""
    from .. import tasks  # bookings.tasks imports attendance: a cycle

    now = now or timezone.now()
    run = _with_end().filter(pk=run_id, register_closure__isnull=False).first()
    if run is None or run.held_until is None or run.held_until > now:
        return 0
    asked = 0
    for enrolment in Enrolment.objects.filter(
        run=run, status=Enrolment.Status.ATTENDED, evaluation__isnull=True
    ):
        try:
            with transaction.atomic():
                evaluation = Evaluation.objects.create(enrolment=enrolment)
                if notify:
                    tasks.send_evaluation_request.delay_on_commit(evaluation.pk)
        except IntegrityError:
            continue  # asked by another run of this task meanwhile
        asked += 1
    return asked


def request_due_evaluations(now=None):
    """Periodic: every closed run that has ended and still has someone not yet asked."""
    now = now or timezone.now()
    waiting = Enrolment.objects.filter(
        run=OuterRef("pk"), status=Enrolment.Status.ATTENDED, evaluation__isnull=True
    )
    runs = (
        _with_end()
        .filter(register_closure__isnull=False, held_until__lte=now)
        .filter(Exists(waiting))
        .values_list("pk", flat=True)
    )
    return sum(request_evaluations(run_id, now=now) for run_id in runs)


def due_reminders(now=None):
    """Unsubmitted evaluations whose last request or reminder is old enough, under the cap."""
    now = now or timezone.now()
    before = now - dt.timedelta(days=settings.EVALUATION_REMINDER_DAYS)
    return Evaluation.objects.filter(
        submitted_at__isnull=True, reminders_sent__lt=Evaluation.MAX_REMINDERS
    ).filter(
        Q(last_reminded_at__isnull=True, requested_at__lte=before) | Q(last_reminded_at__lte=before)
    )


def remind_evaluations(now=None):
    """Periodic: remind people who have not evaluated; at most twice each."""
    now = now or timezone.now()
    return sum(
        emails.evaluation_reminder(pk, now=now)
        for pk in due_reminders(now).values_list("pk", flat=True)
    )


# How far the intended outcome stated at booking has changed: the evaluation and the impact
# follow-up ask it on the same scale.
OUTCOME_SCALE = (
    (1, "1 (not at all)"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5 (completely)"),
)


def clean_outcome_answer(enrolment, progress, comment):
    """(progress, comment) about the place's intended outcome, or a refusal. Asked only when
    the place has one; then the scale is needed and the comment is optional."""
    if not enrolment.intended_outcome:
        return None, ""
    if not isinstance(progress, int) or not 1 <= progress <= 5:
        raise BookingRefused(
            "Say how far what you wanted to change has changed, from 1 to 5.", "outcome_progress"
        )
    return progress, (comment or "").strip()[:2000]


RATING_QUESTIONS = (
    ("quality", "The quality of the course"),
    ("relevance", "How relevant it was to your work"),
    ("facilitator", "The facilitator"),
)


def own_attended_place(user, enrolment_id):
    enrolment = (
        Enrolment.objects.select_related("run__course", "booking__school", "delegate")
        .filter(pk=enrolment_id, delegate=user, status=Enrolment.Status.ATTENDED)
        .first()
    )
    if enrolment is None:
        raise BookingRefused("That course was not found on your record.", "not_found")
    return enrolment


def submit_evaluation(
    enrolment_id,
    *,
    by,
    ratings,
    will_do_differently,
    comments="",
    outcome_progress=None,
    outcome_comment="",
    now=None,
):
    """The delegate's evaluation; sending it issues their certificate. A place booked with an
    intended outcome is also asked how far that has changed."""
    now = now or timezone.now()
    enrolment = own_attended_place(by, enrolment_id)
    outcome_progress, outcome_comment = clean_outcome_answer(
        enrolment, outcome_progress, outcome_comment
    )
    clean = {}
    for name, label in RATING_QUESTIONS:
        value = ratings.get(name)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise BookingRefused(f"Rate “{label}” from 1 to 5.", name)
        clean[name] = value
    will_do_differently = (will_do_differently or "").strip()
    if not will_do_differently:
        raise BookingRefused("Say what you will do differently.", "will_do_differently")
    with transaction.atomic():
        evaluation, _ = Evaluation.objects.select_for_update().get_or_create(enrolment=enrolment)
        if evaluation.is_submitted:
            raise BookingRefused("You have already sent this evaluation.", "submitted")
        for name, value in clean.items():
            setattr(evaluation, name, value)
        evaluation.will_do_differently = will_do_differently[:2000]
        evaluation.comments = (comments or "").strip()[:4000]
        evaluation.outcome_progress = outcome_progress
        evaluation.outcome_comment = outcome_comment
        evaluation.submitted_at = now
        evaluation.save()
        return issue_certificate(enrolment)
