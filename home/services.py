from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from core.wording import clock

from .models import EnquirySubmission


def _when(moment):
    moment = timezone.localtime(moment)
    return f"{moment.day} {moment:%b %Y}, {clock(moment)}"


def notify_staff_of_submission(submission_id):
    """Email the form's recipients about one submission, exactly once.

    The row lock stops two workers sending the same notification; `notified_at`
    stops a re-delivered task sending it again."""
    with transaction.atomic():
        submission = (
            EnquirySubmission.objects.select_for_update()
            .select_related("page")
            .filter(pk=submission_id)
            .first()
        )
        if submission is None or submission.notified_at is not None:
            return False
        page = submission.page.specific
        recipients = [a.strip() for a in page.to_address.split(",") if a.strip()]
        if not recipients:
            return False
        lines = [f"New submission to “{page.title}”", ""]
        for field in page.get_form_fields():
            value = submission.get_data().get(field.clean_name, "")
            if isinstance(value, list):
                value = ", ".join(value)
            lines.append(f"{field.label}: {value}")
        lines += ["", f"Submitted at {_when(submission.submit_time)}"]
        reply_to = [
            value
            for key, value in submission.get_data().items()
            if "email" in key and isinstance(value, str) and "@" in value
        ][:1]
        EmailMessage(
            subject=page.subject or f"Enquiry: {page.title}",
            body="\n".join(lines),
            from_email=page.from_address or settings.DEFAULT_FROM_EMAIL,
            to=recipients,
            reply_to=reply_to,
        ).send()
        submission.notified_at = timezone.now()
        submission.save(update_fields=["notified_at"])
    return True
