"""Approval of a place, in up to three stages: the CPD lead approves a teacher's own booking
(the learning); when the place costs more than the school's spend threshold, its finance
contact approves the money; and when a consortium's shared budget would pay and its leads
ask to approve that, one of them does. Each stage holds the place for a set time; who must
wait, each decision, and the requests that waited too long are decided here.

A consortium lead's "no" is about the budget, not the place: the place is confirmed and the
school pays (its CPD leads are told), as a teacher's place should not vanish because the
partnership would not fund it. A consortium stage left undecided ends the same way."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import permissions
from billing.services import consortium_to_ask

from ..access import finance_schools, led_consortia
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


def consortium_to_approve(enrolment):
    """The consortium whose leads must approve its budget paying for this place, or None."""
    return consortium_to_ask(enrolment.booking.school, enrolment.price, enrolment.vat_rate)


def _holds_the_stage(user, enrolment):
    """The school's CPD leads and head (or the CPD team's bookings officers) decide on the
    learning; its finance contacts, and only they, on the money; the consortium's leads, and
    only they, on its budget."""
    school = enrolment.booking.school
    if enrolment.approval_stage == Stage.FINANCE:
        return finance_schools(user).filter(pk=school.pk).exists()
    if enrolment.approval_stage == Stage.CONSORTIUM:
        return led_consortia(user).filter(pk=enrolment.approval_consortium_id).exists()
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


def waiting_for_consortium(user):
    """The places waiting for `user`, as a lead of the consortium, to approve its budget."""
    return (
        Enrolment.objects.filter(
            status=Enrolment.Status.PENDING_APPROVAL,
            approval_stage=Stage.CONSORTIUM,
            approval_consortium__in=led_consortia(user),
        )
        .exclude(delegate=user)
        .exclude(booking__booked_by=user)
        .select_related("delegate", "booking__school", "run__course", "approval_consortium")
        .order_by("approval_expires_at")
    )


def pass_to_next_stage(enrolment, stage, by, note, *, consortium=None):
    """Hold the place at `stage` afresh (FINANCE_APPROVAL_HOURS), and ask whoever holds it.
    The finance and consortium stages share this path, their emails and their expiry."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

    enrolment.approval_stage = stage
    enrolment.approval_expires_at = timezone.now() + timedelta(
        hours=settings.FINANCE_APPROVAL_HOURS
    )
    fields = ["approval_stage", "approval_expires_at", "updated_at"]
    if consortium is not None:
        enrolment.approval_consortium = consortium
        fields.append("approval_consortium")
    enrolment.save(update_fields=fields)
    record(enrolment, enrolment.status, by, note, from_status=enrolment.status)
    tasks.send_finance_approval_request.delay_on_commit(enrolment.pk)
    tasks.send_approval_passed_to_finance.delay_on_commit(enrolment.pk)


def _budget_declined(enrolment, by, note):
    """The consortium will not pay: the place stands, paid by the school, and the teacher,
    the booker and the school's CPD leads are told (with the reason)."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

    _set_status(enrolment, Enrolment.Status.CONFIRMED, by, note, approval_expires_at=None)
    tasks.send_booking_confirmation.delay_on_commit(enrolment.booking_id)
    tasks.send_approval_decision.delay_on_commit(enrolment.pk)


def decide_enrolment(enrolment_id, *, by, approve, reason=""):
    """The CPD lead, at the second stage the finance contact, or at the last a consortium
    lead, approves or declines. Declining needs a reason, which the teacher is sent."""
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
            if enrolment.approval_stage != Stage.LEAD and (
                permissions.has_role(by, school, *permissions.MANAGERS)
                or permissions.can_manage_bookings(by)
            ):
                waits_for = (
                    f"{enrolment.approval_consortium.name}'s leads"
                    if enrolment.approval_stage == Stage.CONSORTIUM
                    else f"{school.name}'s finance contact"
                )
                raise BookingRefused(f"That request waits for {waits_for}.", "stage")
            raise BookingRefused("That request was not found.", "not_found")
        if _own_request(by, enrolment):
            raise BookingRefused("You cannot decide your own request.", "own_request")
        who = {Stage.FINANCE: "finance", Stage.CONSORTIUM: "consortium lead"}.get(
            enrolment.approval_stage, "CPD lead"
        )
        if enrolment.approval_stage == Stage.CONSORTIUM:
            if approve:
                # The draw (settlement's receiver) reads this and takes the budget, once.
                enrolment.budget_approved = True
                _set_status(
                    enrolment,
                    Enrolment.Status.CONFIRMED,
                    by,
                    "Budget approved by consortium lead",
                    approval_expires_at=None,
                )
                tasks.send_booking_confirmation.delay_on_commit(enrolment.booking_id)
                tasks.send_approval_decision.delay_on_commit(enrolment.pk)
            else:
                _budget_declined(enrolment, by, f"Budget declined by consortium lead: {reason}")
            return enrolment
        consortium = None
        if approve and not (
            enrolment.approval_stage == Stage.LEAD and needs_finance_approval(enrolment)
        ):
            consortium = consortium_to_approve(enrolment)
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
            pass_to_next_stage(
                enrolment, Stage.FINANCE, by, "Approved by CPD lead; waiting for finance approval"
            )
        elif consortium is not None:
            pass_to_next_stage(
                enrolment,
                Stage.CONSORTIUM,
                by,
                f"Approved by {who}; waiting for {consortium.name}'s budget approval",
                consortium=consortium,
            )
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
            if enrolment.approval_stage == Stage.CONSORTIUM:
                # Only the budget was in question: the school pays, as after a decline.
                _budget_declined(enrolment, None, f"Budget approval expired (waiting for {stage})")
                expired += 1
                continue
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
