from celery import shared_task
from django.core.management import call_command

from . import services


@shared_task(name="home.tasks.send_form_notification", acks_late=True)
def send_form_notification(submission_id):
    services.notify_staff_of_submission(submission_id)


@shared_task(name="home.tasks.publish_scheduled_pages")
def publish_scheduled_pages():
    """Wagtail's scheduled publishing, run by beat instead of cron."""
    call_command("publish_scheduled", verbosity=0)
