"""Booking emails, each sent at most once. The SentEmail row is inserted in the same
transaction as the send, so a task that runs twice finds the key and sends nothing."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership

from .calendar import ics_for_enrolment
from .models import Booking, Enrolment, SentEmail, WaitingListEntry


def _url(path):
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def send_once(key, build):
    """Send the message `build()` returns, unless `key` was sent before. True if sent."""
    try:
        with transaction.atomic():
            SentEmail.objects.create(key=key)
            message = build()
            if message is None:
                transaction.set_rollback(True)
                return False
            message.send()
    except IntegrityError:
        return False
    return True


def _message(template, subject, to, context, attachments=()):
    context = {
        **context,
        "site_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
        "my_bookings_url": _url(reverse("bookings:mine")),
    }
    message = EmailMultiAlternatives(
        subject=f"[CPD] {subject}",
        body=render_to_string(f"bookings/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    message.attach_alternative(
        render_to_string(f"bookings/email/{template}.html", context), "text/html"
    )
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    return message


def _enrolments(**filters):
    return (
        Enrolment.objects.select_related(
            "delegate", "booking__school", "booking__booked_by", "run__course", "run__venue"
        )
        .prefetch_related("run__sessions")
        .filter(**filters)
    )


def booking_confirmations(booking_id):
    """Each confirmed delegate gets their place, with the dates as a calendar file."""
    sent = 0
    for enrolment in _enrolments(booking_id=booking_id, status=Enrolment.Status.CONFIRMED):

        def build(enrolment=enrolment):
            return _message(
                "confirmation",
                f"Booked: {enrolment.run.course.title}",
                [enrolment.delegate.email],
                {"enrolment": enrolment, "run": enrolment.run},
                attachments=[
                    (
                        f"{enrolment.run.reference}.ics",
                        ics_for_enrolment(enrolment),
                        "text/calendar; charset=utf-8",
                    )
                ],
            )

        sent += send_once(f"confirmation:{enrolment.pk}:{enrolment.delegate_id}", build)
    return sent


def approval_request(booking_id):
    booking = Booking.objects.select_related("school", "run__course").get(pk=booking_id)
    pending = list(_enrolments(booking=booking, status=Enrolment.Status.PENDING_APPROVAL))
    if not pending:
        return False
    leads = Membership.objects.filter(school=booking.school, is_cpd_lead=True).select_related(
        "user"
    )

    def build():
        to = [m.user.email for m in leads if m.user.is_active]
        if not to:
            return None
        return _message(
            "approval_request",
            f"Please approve: {booking.run.course.title}",
            to,
            {
                "booking": booking,
                "enrolments": pending,
                "dashboard_url": _url(reverse("bookings:school", args=[booking.school_id])),
            },
        )

    return send_once(f"approval-request:{booking.pk}", build)


def approval_decision(enrolment_id):
    enrolment = _enrolments(pk=enrolment_id).first()
    if enrolment is None or enrolment.status == Enrolment.Status.PENDING_APPROVAL:
        return False
    approved = enrolment.status == Enrolment.Status.CONFIRMED

    def build():
        return _message(
            "approval_decision",
            f"{'Approved' if approved else 'Not approved'}: {enrolment.run.course.title}",
            [enrolment.delegate.email],
            {"enrolment": enrolment, "approved": approved},
        )

    return send_once(f"approval-decision:{enrolment.pk}", build)


def cancellation(enrolment_id):
    enrolment = _enrolments(pk=enrolment_id, status=Enrolment.Status.CANCELLED).first()
    if enrolment is None:
        return False

    def build():
        to = {enrolment.delegate.email, enrolment.booking.booked_by.email}
        return _message(
            "cancellation",
            f"Cancelled: {enrolment.run.course.title}",
            sorted(to),
            {"enrolment": enrolment},
            attachments=[
                (
                    f"{enrolment.run.reference}.ics",
                    ics_for_enrolment(enrolment),
                    "text/calendar; charset=utf-8",
                )
            ],
        )

    return send_once(f"cancellation:{enrolment.pk}", build)


def run_cancelled(run_id, reason):
    sent = 0
    for enrolment in _enrolments(run_id=run_id, status=Enrolment.Status.CANCELLED):
        leads = Membership.objects.filter(
            school=enrolment.booking.school, is_cpd_lead=True
        ).values_list("user__email", flat=True)

        def build(enrolment=enrolment, leads=leads):
            return _message(
                "run_cancelled",
                f"Course cancelled: {enrolment.run.course.title}",
                sorted({enrolment.delegate.email, *leads}),
                {"enrolment": enrolment, "reason": reason},
            )

        sent += send_once(f"run-cancelled:{enrolment.pk}", build)
    return sent


def waiting_list_offer(entry_id):
    from .links import offer_acceptance_url

    entry = WaitingListEntry.objects.select_related("person", "run__course").get(pk=entry_id)
    if entry.status != WaitingListEntry.Status.OFFERED:
        return False

    def build():
        return _message(
            "offer",
            f"A place for you: {entry.run.course.title}",
            [entry.person.email],
            {"entry": entry, "accept_url": _url(offer_acceptance_url(entry))},
        )

    return send_once(f"offer:{entry.pk}:{entry.offered_at.isoformat()}", build)


def offer_expired(entry_id):
    entry = WaitingListEntry.objects.select_related("person", "run__course").get(pk=entry_id)
    if entry.status != WaitingListEntry.Status.EXPIRED:
        return False

    def build():
        return _message(
            "offer_expired",
            f"Offer lapsed: {entry.run.course.title}",
            [entry.person.email],
            {"entry": entry},
        )

    return send_once(f"offer-expired:{entry.pk}", build)


def reminders(days_before, now=None):
    """Joining reminders for sessions starting in `days_before` days, to confirmed delegates."""
    now = timezone.localtime(now or timezone.now())
    day = (now + timezone.timedelta(days=days_before)).date()
    sent = 0
    for enrolment in _enrolments(
        status=Enrolment.Status.CONFIRMED, run__sessions__starts_at__date=day
    ).distinct():

        def build(enrolment=enrolment):
            return _message(
                "reminder",
                f"{'Tomorrow' if days_before == 1 else 'Next week'}: {enrolment.run.course.title}",
                [enrolment.delegate.email],
                {"enrolment": enrolment, "run": enrolment.run, "days_before": days_before},
            )

        sent += send_once(f"reminder-{days_before}:{enrolment.pk}:{day.isoformat()}", build)
    return sent
