"""Impact follow-ups: asking attendees some weeks later what changed, and their answers."""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts import permissions

from ..models import (
    Enrolment,
    ImpactFollowUp,
)
from ..services import BookingRefused
from .evaluations import _with_end, clean_outcome_answer


def send_impact_follow_ups(now=None):
    """Periodic: some weeks after a course, ask attended delegates and their CPD leads what
    changed. One follow-up per place (a unique row), each email once; so running twice sends
    nothing more. Courses that ended long before (past a grace period) are not chased."""
    from .. import tasks  # bookings.tasks imports attendance: a cycle

    now = now or timezone.now()
    due_by = now - dt.timedelta(days=settings.IMPACT_FOLLOW_UP_DAYS)
    not_before = due_by - dt.timedelta(days=settings.IMPACT_FOLLOW_UP_GRACE_DAYS)
    runs = _with_end().filter(held_until__lte=due_by, held_until__gt=not_before)
    due = Enrolment.objects.filter(
        run__in=runs.values("pk"), status=Enrolment.Status.ATTENDED, impact_follow_up__isnull=True
    ).values_list("pk", flat=True)
    sent = 0
    for enrolment_id in due:
        try:
            with transaction.atomic():
                follow_up = ImpactFollowUp.objects.create(enrolment_id=enrolment_id)
                tasks.send_impact_follow_up.delay_on_commit(follow_up.pk)
        except IntegrityError:
            continue
        sent += 1
    return sent


def impact_for(user, enrolment_id):
    """(follow-up, whose answer the user gives: "delegate" or "lead") or 404."""
    follow_up = (
        ImpactFollowUp.objects.select_related(
            "enrolment__delegate", "enrolment__run__course", "enrolment__booking__school"
        )
        .filter(enrolment_id=enrolment_id)
        .first()
    )
    if follow_up is None:
        raise Http404("No such follow-up")
    enrolment = follow_up.enrolment
    if user.pk == enrolment.delegate_id:
        return follow_up, "delegate"
    if answers_for_the_school(user, enrolment.booking.school):
        return follow_up, "lead"
    raise Http404("No such follow-up")


def answers_for_the_school(user, school):
    """Who gives the "CPD lead said" answer on a follow-up: the school's managers, its trust's
    CPD leads among them (accounts.permissions). Not a consortium lead, who oversees only,
    nor the CPD team, who read the answers and never give one (has_role lets staff act for
    every school)."""
    return not permissions.is_service_staff(user) and permissions.has_role(
        user, school, *permissions.MANAGERS
    )


def answer_impact(enrolment_id, *, by, answer, outcome_progress=None, outcome_comment="", now=None):
    """The delegate's or their CPD lead's answer. The delegate, if they said at booking what
    they wanted to change, also says how far it has."""
    now = now or timezone.now()
    answer = (answer or "").strip()
    if not answer:
        raise BookingRefused("Write what changed, even if it is “not much yet”.", "answer")
    with transaction.atomic():
        follow_up, role = impact_for(by, enrolment_id)
        follow_up = ImpactFollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if role == "delegate":
            progress, comment = clean_outcome_answer(
                follow_up.enrolment, outcome_progress, outcome_comment
            )
            follow_up.outcome_progress, follow_up.outcome_comment = progress, comment
            follow_up.delegate_answer, follow_up.delegate_answered_at = answer[:4000], now
        else:
            follow_up.lead_answer, follow_up.lead_answered_at = answer[:4000], now
            follow_up.lead_answered_by = by
        follow_up.save()
    return follow_up, role
