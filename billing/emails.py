"""Billing emails to an account's finance contacts, each sent at most once (SentEmail keys).

Invoices and credit notes carry their stored PDF; every email links to the invoice's page,
where the school can pay online. Overdue reminders go at the due date, then 14 and 30 days
after it, once each, unless finance has paused reminders for the account."""

from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, TrustMembership
from core.emails import build_email, send_once
from core.links import site_url
from core.models import SentEmail

from . import pdf, services, stripe_gateway
from .models import Account, BillingSettings, CheckoutAttempt, CreditNote, Invoice, Payment
from .reports import with_outstanding

# Days after the due date at which an unpaid invoice is chased.
REMINDER_DAYS = (0, 14, 30)
CHASED = (Invoice.Status.ISSUED, Invoice.Status.PART_PAID)


def finance_contacts(account):
    """Who receives an account's invoices: its finance contacts (a school's, or a trust's)."""
    if account.kind == Account.Kind.SCHOOL:
        people = Membership.objects.filter(school=account.school_id, is_finance=True)
    elif account.kind == Account.Kind.TRUST:
        people = TrustMembership.objects.filter(trust=account.trust_id, is_finance=True)
    else:
        people = Membership.objects.filter(school__consortia=account.consortium_id, is_finance=True)
    return sorted(
        {
            m.user.email
            for m in people.select_related("user")
            if m.user.is_active and not m.user.closed_at
        }
    )


def invoice_url(invoice):
    return site_url(reverse("billing:invoice", args=[invoice.pk]))


def _message(template, subject, to, context, attachments=()):
    config = BillingSettings.load()
    return build_email(
        f"billing/email/{template}",
        subject,
        to,
        {
            **context,
            "config": config,
            "contact_email": config.finance_email,
            "pay_online": stripe_gateway.configured(),
        },
        attachments=attachments,
        reply_to=[config.finance_email],
    )


def _invoice_attachment(invoice):
    return (f"{invoice.number}.pdf", pdf.pdf_bytes(pdf.invoice_pdf(invoice)), "application/pdf")


def invoice_issued(invoice_id):
    invoice = Invoice.objects.select_related("account").get(pk=invoice_id)
    to = finance_contacts(invoice.account)
    if not to:
        return False
    return send_once(
        f"invoice-issued:{invoice.pk}",
        lambda: _message(
            "invoice_issued",
            f"Invoice {invoice.number}",
            to,
            {
                "invoice": invoice,
                "owed": services.outstanding(invoice),
                "invoice_url": invoice_url(invoice),
            },
            attachments=[_invoice_attachment(invoice)],
        ),
    )


def credit_note_issued(credit_note_id):
    note = CreditNote.objects.select_related("account", "invoice").get(pk=credit_note_id)
    to = finance_contacts(note.account)
    if not to:
        return False
    return send_once(
        f"credit-note-issued:{note.pk}",
        lambda: _message(
            "credit_note_issued",
            f"Credit note {note.number}",
            to,
            {"note": note, "invoice_url": invoice_url(note.invoice)},
            attachments=[
                (f"{note.number}.pdf", pdf.pdf_bytes(pdf.credit_note_pdf(note)), "application/pdf")
            ],
        ),
    )


def receipt(payment_id):
    payment = Payment.objects.select_related("account", "invoice").get(pk=payment_id)
    if payment.method == Payment.Method.CREDIT:
        return False
    to = finance_contacts(payment.account)
    if not to:
        return False
    return send_once(
        f"payment-receipt:{payment.pk}",
        lambda: _message(
            "receipt",
            f"Payment received for {payment.invoice.number}",
            to,
            {"payment": payment, "invoice_url": invoice_url(payment.invoice)},
        ),
    )


# --- overdue reminders ---------------------------------------------------------------------


def reminder_key(invoice_id, days):
    return f"invoice-reminder:{invoice_id}:{days}"


def reminder_stage(due_on, today):
    """The latest reminder an invoice due on `due_on` has reached by `today`, or None."""
    late = (today - due_on).days
    reached = [days for days in REMINDER_DAYS if late >= days]
    return reached[-1] if reached else None


def reminders_due(today=None):
    """(invoice id, stage) for each unpaid invoice whose latest reminder has not gone yet.
    Only the latest stage is sent: a run missed for a fortnight does not send two at once."""
    today = today or timezone.localdate()
    invoices = (
        with_outstanding(
            Invoice.objects.filter(
                status__in=CHASED, due_on__lte=today, account__reminders_paused=False
            )
        )
        .filter(owed__gt=0)
        .values_list("pk", "due_on")
    )
    due = [(pk, reminder_stage(due_on, today)) for pk, due_on in invoices]
    sent = set(
        SentEmail.objects.filter(key__in=[reminder_key(pk, days) for pk, days in due]).values_list(
            "key", flat=True
        )
    )
    return [(pk, days) for pk, days in due if reminder_key(pk, days) not in sent]


def overdue_reminder(invoice_id, days, today=None):
    """Chase one unpaid invoice, once per stage. Re-checks everything: the invoice may have
    been paid, or reminders paused, since the task was queued."""
    today = today or timezone.localdate()
    invoice = Invoice.objects.select_related("account").get(pk=invoice_id)
    if (
        days not in REMINDER_DAYS
        or invoice.account.reminders_paused
        or invoice.status not in CHASED
        or (today - invoice.due_on).days < days
    ):
        return False
    owed = services.outstanding(invoice)
    if owed <= 0:
        return False
    to = finance_contacts(invoice.account)
    if not to:
        return False
    subject = (
        f"Invoice {invoice.number} is due today"
        if days == 0
        else f"Reminder: invoice {invoice.number} is {days} days overdue"
    )
    return send_once(
        reminder_key(invoice.pk, days),
        lambda: _message(
            "reminder",
            subject,
            to,
            {
                "invoice": invoice,
                "owed": owed,
                "days": days,
                "invoice_url": invoice_url(invoice),
            },
            attachments=[_invoice_attachment(invoice)],
        ),
    )


def stripe_payment_failed(checkout_attempt_id):
    """An online payment that failed after checkout (a Bacs Direct Debit that bounced)."""
    attempt = CheckoutAttempt.objects.select_related("invoice__account").get(pk=checkout_attempt_id)
    to = finance_contacts(attempt.invoice.account)
    if not to or attempt.failed_at is None:
        return False
    # deferred: stripe_gateway imports tasks, which imports this module
    from .stripe_gateway import invoice_path

    return send_once(
        f"stripe-payment-failed:{attempt.pk}",
        lambda: _message(
            "stripe_payment_failed",
            f"Payment not received for {attempt.invoice.number}",
            to,
            {
                "attempt": attempt,
                "invoice": attempt.invoice,
                "invoice_full_url": site_url(invoice_path(attempt.invoice_id)),
            },
        ),
    )


def stripe_refund_unmatched(payment_id, refunded_on_invoice):
    """Tell the finance office about a refund made in Stripe that no credit note accounts for."""
    payment = Payment.objects.select_related("account", "invoice").get(pk=payment_id)
    office = BillingSettings.load().finance_email
    return send_once(
        f"stripe-refund-unmatched:{payment.invoice_id}:{refunded_on_invoice}",
        lambda: _message(
            "stripe_refund_unmatched",
            f"Refund in Stripe without a credit note: {payment.invoice.number}",
            [office],
            {"payment": payment, "invoice": payment.invoice, "refunded": refunded_on_invoice},
        ),
    )
