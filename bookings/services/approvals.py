"""A CPD lead's approval of a teacher's own booking: who must wait for it, the decision, and
the requests that waited too long."""

from django.db import transaction
from django.utils import timezone

from accounts import permissions

from ..models import Booking, Enrolment
from .locking import _lock_run, _locked_enrolment, _set_status
from .refusals import BookingRefused


def needs_approval(school, booked_by, source=Booking.Source.WEB):
    """A teacher's own online booking, or their acceptance of a waiting-list offer, waits for a
    CPD lead when the school asks for that."""
    return (
        school.bookings_need_approval
        and source in (Booking.Source.WEB, Booking.Source.WAITING_LIST)
        and not permissions.has_role(booked_by, school, *permissions.MANAGERS)
    )


def decide_enrolment(enrolment_id, *, by, approve):
    """A CPD lead approves or declines a teacher's own booking."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_related("booking__school").filter(pk=enrolment_id).first()
        )
        if enrolment is None or not (
            permissions.has_role(by, enrolment.booking.school, *permissions.MANAGERS)
            or permissions.can_manage_bookings(by)
        ):
            raise BookingRefused("That request was not found.", "not_found")
        run, enrolment = _locked_enrolment(enrolment_id, by)
        if enrolment.status != Enrolment.Status.PENDING_APPROVAL:
            raise BookingRefused("That request has already been decided.", "state")
        if approve:
            _set_status(
                enrolment,
                Enrolment.Status.CONFIRMED,
                by,
                "Approved by CPD lead",
                approval_expires_at=None,
            )
            tasks.send_booking_confirmation.delay_on_commit(enrolment.booking_id)
        else:
            _set_status(
                enrolment,
                Enrolment.Status.CANCELLED,
                by,
                "Declined by CPD lead",
                cancelled_at=timezone.now(),
                approval_expires_at=None,
            )
            tasks.offer_places.delay_on_commit(run.pk)
        tasks.send_approval_decision.delay_on_commit(enrolment.pk)
    return enrolment


def expire_approvals(now=None):
    """Release places whose approval request waited too long. Safe to run twice."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

    now = now or timezone.now()
    expired = 0
    for enrolment_id, run_id in Enrolment.objects.filter(
        status=Enrolment.Status.PENDING_APPROVAL, approval_expires_at__lte=now
    ).values_list("pk", "run_id"):
        with transaction.atomic():
            _lock_run(run_id)
            enrolment = Enrolment.objects.select_for_update().get(pk=enrolment_id)
            if enrolment.status != Enrolment.Status.PENDING_APPROVAL:
                continue
            _set_status(
                enrolment,
                Enrolment.Status.CANCELLED,
                None,
                "Approval request expired",
                cancelled_at=now,
                approval_expires_at=None,
            )
            tasks.send_approval_decision.delay_on_commit(enrolment.pk)
            tasks.offer_places.delay_on_commit(run_id)
            expired += 1
    return expired
