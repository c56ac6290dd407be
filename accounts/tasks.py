from celery import shared_task

from . import emails


@shared_task(name="accounts.tasks.notify_leads_of_join_request", acks_late=True)
def notify_leads_of_join_request(join_request_id):
    emails.send_join_request_to_leads(join_request_id)


@shared_task(name="accounts.tasks.notify_requester_of_decision", acks_late=True)
def notify_requester_of_decision(join_request_id):
    emails.send_join_decision(join_request_id)


@shared_task(name="accounts.tasks.send_invitation", acks_late=True)
def send_invitation(user_id, school_id, invited_by_id):
    emails.send_invitation(user_id, school_id, invited_by_id)


@shared_task(name="accounts.tasks.send_group_welcome", acks_late=True)
def send_group_welcome(kind, membership_id, added_by_id):
    emails.send_group_welcome(kind, membership_id, added_by_id)
