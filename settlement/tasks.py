"""Celery wrappers for settlement. Their names stay "billing.tasks.…": outbox rows, the beat
schedule and the queue routes (billing.tasks.* on the payments queue) hold those names."""

from celery import shared_task

from . import services


@shared_task(name="billing.tasks.settle_booking", acks_late=True)
def settle_booking(booking_id):
    services.settle_booking(booking_id)


@shared_task(name="billing.tasks.settle_run", acks_late=True)
def settle_run(run_id):
    """After the provider cancels a run: re-settle every booking on it, including those with
    no place left for the cancellation to touch (e.g. only a late cancellation)."""
    services.settle_run(run_id)
