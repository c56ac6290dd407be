"""Settlement listens to bookings: every change to a place may change what is owed."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from billing.services import draw_credit_for_place
from bookings.models import Enrolment
from bookings.signals import run_cancelled

from . import tasks


@receiver(post_save, sender=Enrolment, dispatch_uid="billing-enrolment-changed")
def enrolment_changed(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    if instance.status == Enrolment.Status.CONFIRMED:
        # Same transaction as the booking: the credit is taken with the place, or not at all.
        # A consortium budget that asks for approval pays only what its lead approved.
        approved = instance.approval_consortium_id if instance.budget_approved else None
        draw_credit_for_place(instance, new=created, approved_consortium=approved)
    tasks.settle_booking.delay_on_commit(instance.booking_id)


@receiver(run_cancelled, dispatch_uid="billing-run-cancelled")
def run_was_cancelled(sender, run, **kwargs):
    # Every booking on it, including those with no place left for cancel_run to save (only a
    # late cancellation), whose charge the provider's cancellation now takes back.
    tasks.settle_run.delay_on_commit(run.pk)
