"""Personal data held with bookings (UK GDPR): what a person may download, and what is cleared
when it is no longer needed. SECURITY.md promises both; this is where they are kept."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from courses.models import Session

from .models import CalendarFeed, Enrolment, Evaluation, ImpactFollowUp, WaitingListEntry


def _iso(value):
    return value.isoformat() if value else None


def personal_data(user):
    """Every place the person held, with what they told us and what we recorded about it,
    for "Download my data" (registered with `accounts.personal_data`). Bookings they made for
    colleagues appear by reference only: the colleagues' details are theirs."""
    enrolments = (
        Enrolment.objects.of_people()
        .filter(delegate=user)
        .select_related(
            "booking__school", "run__course", "evaluation", "certificate", "impact_follow_up"
        )
        .prefetch_related("run__sessions", "attendances__session")
        .order_by("created_at")
    )
    places = []
    for e in enrolments:
        evaluation = getattr(e, "evaluation", None)
        certificate = getattr(e, "certificate", None)
        impact = getattr(e, "impact_follow_up", None)
        places.append(
            {
                "booking": e.booking.reference,
                "school": e.booking.school.name,
                "course": e.run.course.title,
                "run": e.run.reference,
                "sessions": [
                    {"starts_at": _iso(s.starts_at), "ends_at": _iso(s.ends_at)}
                    for s in e.run.sessions.all()
                ],
                "status": e.status,
                "access_needs": e.access_needs,
                "dietary_needs": e.dietary_needs,
                "intended_outcome": e.intended_outcome,
                "price": str(e.price),
                "vat_rate": str(e.vat_rate),
                "booked_at": _iso(e.created_at),
                "cancelled_at": _iso(e.cancelled_at),
                "attendance": [
                    {"session_starts_at": _iso(a.session.starts_at), "present": a.present}
                    for a in e.attendances.all()
                ],
                "evaluation": evaluation
                and {
                    "quality": evaluation.quality,
                    "relevance": evaluation.relevance,
                    "facilitator": evaluation.facilitator,
                    "will_do_differently": evaluation.will_do_differently,
                    "comments": evaluation.comments,
                    "outcome_progress": evaluation.outcome_progress,
                    "outcome_comment": evaluation.outcome_comment,
                    "submitted_at": _iso(evaluation.submitted_at),
                },
                "certificate": certificate
                and {"number": certificate.number, "issued_at": _iso(certificate.issued_at)},
                "impact_follow_up": impact
                and {
                    "your_answer": impact.delegate_answer,
                    "answered_at": _iso(impact.delegate_answered_at),
                    "outcome_progress": impact.outcome_progress,
                    "outcome_comment": impact.outcome_comment,
                },
            }
        )
    waiting = WaitingListEntry.objects.filter(person=user).select_related("run__course")
    return {
        "places": places,
        "waiting_lists": [
            {
                "course": w.run.course.title,
                "run": w.run.reference,
                "status": w.status,
                "joined_at": _iso(w.created_at),
            }
            for w in waiting.order_by("created_at")
        ],
        "bookings_made_for_others": sorted(
            set(
                user.bookings_made.exclude(
                    pk__in=Enrolment.objects.of_people().filter(delegate=user).values("booking")
                ).values_list("reference", flat=True)
            )
        ),
    }


def _with_needs():
    return Enrolment.objects.filter(~Q(access_needs="") | ~Q(dietary_needs=""))


def clear_needs_after_courses(now=None):
    """Access and dietary needs can be health information and are needed only for the course
    day: clear them once a run's last session ended NEEDS_KEPT_DAYS ago (one UPDATE; beat runs
    it daily). Returns how many places were cleared; running it again clears nothing more."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.NEEDS_KEPT_DAYS)
    last_end = (
        Session.objects.filter(run=OuterRef("run"))
        .order_by()
        .values("run")
        .annotate(last=Max("ends_at"))
        .values("last")
    )
    return (
        _with_needs()
        .annotate(last_end=Subquery(last_end))
        .filter(last_end__lt=cutoff)
        .update(access_needs="", dietary_needs="")
    )


def forget_needs(user):
    """A closed account keeps its places (the council's records) but not its needs."""
    return _with_needs().filter(delegate=user).update(access_needs="", dietary_needs="")


def forget_intended_outcomes(user):
    """What the person wanted to change in their practice, and what they said of it later,
    are theirs: a closed account keeps the scale (a number, for the school's figures) but not
    the words."""
    Enrolment.objects.filter(delegate=user).exclude(intended_outcome="").update(intended_outcome="")
    Evaluation.objects.filter(enrolment__delegate=user).exclude(outcome_comment="").update(
        outcome_comment=""
    )
    ImpactFollowUp.objects.filter(enrolment__delegate=user).exclude(outcome_comment="").update(
        outcome_comment=""
    )


def erase(user):
    """Closing an account (registered with `accounts.personal_data`): the places stay, without
    the needs or the intended outcomes, and every calendar subscription address stops at once."""
    forget_needs(user)
    forget_intended_outcomes(user)
    CalendarFeed.objects.filter(user=user).delete()
