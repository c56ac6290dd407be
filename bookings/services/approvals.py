"""Approval of a teacher's own booking, in up to two stages: the CPD lead approves the
learning, then, when the place costs more than the school's spend threshold, its finance
contact approves the money. Each stage holds the place for a set time; who must wait, each
decision, and the requests that waited too long are decided here."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import permissions

from ..access import finance_schools
from ..models import DECLINED_NOTE, Booking, Enrolment
from .locking import _lock_run, _set_status, record
from .refusals import BookingRefused

Stage = Enrolment.ApprovalStage

# EnrolmentEvent.note holds the reason after this prefix; the note is 200 characters.
REASON_MAX_LENGTH = 160


def needs_approval(school, booked_by, source=Booking.Source.WEB):
    """A teacher's own online booking, or their acceptance of a waiting-list offer, waits for a
    CPD lead when the school asks for that."""
    return (
        school.bookings_need_approval
        and source in (Booking.Source.WEB, Booking.Source.WAITING_LIST)
        and not permissions.has_role(booked_by, school, *permissions.MANAGERS)
    )


def needs_finance_approval(enrolment):
    """Above the school's spend threshold, compared with the place's snapshotted net price,
    the lead's approval passes the place on to the school's finance contact."""
    threshold = enrolment.booking.school.approval_spend_threshold
    return threshold is not None and enrolment.price > threshold


def _holds_the_stage(user, enrolment):
    """The school's CPD leads and head (or the CPD team's bookings officers) decide on the
    learning; its finance contacts, and only they, on the money."""
    school = enrolment.booking.school
    if enrolment.approval_stage == Stage.FINANCE:
        return finance_schools(user).filter(pk=school.pk).exists()
    return permissions.has_role(
        user, school, *permissions.MANAGERS
    ) or permissions.can_manage_bookings(user)


def _own_request(user, enrolment):
    return user.pk in (enrolment.delegate_id, enrolment.booking.booked_by_id)


def may_decide(user, enrolment):
    """Whoever holds the stage the place waits at, unless it is their own request: nobody
    decides a request they made or a place they would hold."""
    return _holds_the_stage(user, enrolment) and not _own_request(user, enrolment)


def waiting_for_finance(user):
    """The places waiting for `user` as a finance contact to approve the money."""
    return (
        Enrolment.objects.filter(
            status=Enrolment.Status.PENDING_APPROVAL,
            approval_stage=Stage.FINANCE,
            booking__school__in=finance_schools(user),
        )
        .exclude(delegate=user)
        .exclude(booking__booked_by=user)
        .select_related("delegate", "booking__school", "run__course")
        .order_by("approval_expires_at")
    )


def decide_enrolment(enrolment_id, *, by, approve, reason=""):
    """The CPD lead, or at the second stage the finance contact, approves or declines a
    teacher's own booking. Declining needs a reason, which the teacher is sent."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

    reason = " ".join((reason or "").split())
    if not approve and not reason:
        raise BookingRefused("Give a reason for declining: the teacher will see it.", "reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise BookingRefused(
            f"Keep the reason to {REASON_MAX_LENGTH} characters or fewer.", "reason"
        )
    with transaction.atomic():
        found = Enrolment.objects.select_related("booking__school").filter(pk=enrolment_id).first()
        if found is None:
            raise BookingRefused("That request was not found.", "not_found")
        run = _lock_run(found.run_id)
        enrolment = (
            Enrolment.objects.select_for_update()
            .select_related("booking__school", "delegate", "run__course")
            .get(pk=enrolment_id)
        )
        if enrolment.status != Enrolment.Status.PENDING_APPROVAL:
            raise BookingRefused("That request has already been decided.", "state")
        if not _holds_the_stage(by, enrolment):
            school = enrolment.booking.school
            if enrolment.approval_stage == Stage.FINANCE and (
                permissions.has_role(by, school, *permissions.MANAGERS)
                or permissions.can_manage_bookings(by)
            ):
                raise BookingRefused(
                    f"That request waits for {enrolment.booking.school.name}'s finance contact.",
                    "stage",
                )
            raise BookingRefused("That request was not found.", "not_found")
        if _own_request(by, enrolment):
            raise BookingRefused("You cannot decide your own request.", "own_request")
        who = "finance" if enrolment.approval_stage == Stage.FINANCE else "CPD lead"
        if not approve:
            _set_status(
                enrolment,
                Enrolment.Status.CANCELLED,
                by,
                f"{DECLINED_NOTE}{who}: {reason}",
                cancelled_at=timezone.now(),
                approval_expires_at=None,
            )
            tasks.offer_places.delay_on_commit(run.pk)
            tasks.send_approval_decision.delay_on_commit(enrolment.pk)
        elif enrolment.approval_stage == Stage.LEAD and needs_finance_approval(enrolment):
            # The second stage holds the place afresh: the finance contact gets the full time.
            enrolment.approval_stage = Stage.FINANCE
            enrolment.approval_expires_at = timezone.now() + timedelta(
                hours=settings.FINANCE_APPROVAL_HOURS
            )
            enrolment.save(update_fields=["approval_stage", "approval_expires_at", "updated_at"])
            record(
                enrolment,
                enrolment.status,
                by,
                "Approved by CPD lead; waiting for finance approval",
                from_status=enrolment.status,
            )
            tasks.send_finance_approval_request.delay_on_commit(enrolment.pk)
            tasks.send_approval_passed_to_finance.delay_on_commit(enrolment.pk)
        else:
            _set_status(
                enrolment,
                Enrolment.Status.CONFIRMED,
                by,
                f"Approved by {who}",
                approval_expires_at=None,
            )
            tasks.send_booking_confirmation.delay_on_commit(enrolment.booking_id)
            tasks.send_approval_decision.delay_on_commit(enrolment.pk)
    return enrolment


def expire_approvals(now=None):
    """Release places whose approval request waited too long at either stage, and offer
    them to the waiting list. Safe to run twice."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

    now = now or timezone.now()
    expired = 0
    for enrolment_id, run_id in Enrolment.objects.filter(
        status=Enrolment.Status.PENDING_APPROVAL, approval_expires_at__lte=now
    ).values_list("pk", "run_id"):
        with transaction.atomic():
            _lock_run(run_id)
            enrolment = Enrolment.objects.select_for_update().get(pk=enrolment_id)
            if (
                enrolment.status != Enrolment.Status.PENDING_APPROVAL
                or enrolment.approval_expires_at > now  # moved on to finance meanwhile
            ):
                continue
            stage = enrolment.get_approval_stage_display()
            _set_status(
                enrolment,
                Enrolment.Status.CANCELLED,
                None,
                f"Approval request expired (waiting for {stage})",
                cancelled_at=now,
                approval_expires_at=None,
            )
            tasks.send_approval_decision.delay_on_commit(enrolment.pk)
            tasks.offer_places.delay_on_commit(run_id)
            expired += 1
    return expired
