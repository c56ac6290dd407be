"""Celery wrappers: each task takes ids, re-reads state, and is safe to run twice."""

from celery import shared_task

from . import emails, services


@shared_task(acks_late=True)
def send_booking_confirmation(booking_id):
    return emails.booking_confirmations(booking_id)


@shared_task(acks_late=True)
def send_approval_request(booking_id):
    return emails.approval_request(booking_id)


@shared_task(acks_late=True)
def send_approval_decision(enrolment_id):
    return emails.approval_decision(enrolment_id)


@shared_task(acks_late=True)
def send_cancellation(enrolment_id):
    return emails.cancellation(enrolment_id)


@shared_task(acks_late=True)
def send_run_cancelled(run_id, reason):
    return emails.run_cancelled(run_id, reason)


@shared_task(acks_late=True)
def send_waiting_list_offer(entry_id):
    return emails.waiting_list_offer(entry_id)


@shared_task(acks_late=True)
def send_offer_expired(entry_id):
    return emails.offer_expired(entry_id)


@shared_task(acks_late=True)
def offer_places(run_id):
    return len(services.offer_next_place(run_id))


@shared_task
def expire_offers():
    return services.expire_offers()


@shared_task
def expire_approvals():
    return services.expire_approvals()


@shared_task
def send_reminders():
    return emails.reminders(7) + emails.reminders(1)
