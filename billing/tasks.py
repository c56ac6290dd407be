"""Celery wrappers: each task takes ids, re-reads state, and is safe to run twice."""

from celery import shared_task
from django.utils import timezone

from . import emails, runs, services


@shared_task(name="billing.tasks.run_monthly_invoicing", acks_late=True)
def run_monthly_invoicing():
    """On the 1st: invoice last month for accounts on monthly statements."""
    first = timezone.localdate().replace(day=1)
    last_month = (first - timezone.timedelta(days=1)).strftime("%Y-%m")
    return str(runs.run_invoicing(last_month))


@shared_task(name="billing.tasks.expire_credit", acks_late=True)
def expire_credit():
    """Just after midnight: credit left in lots whose use-by date was yesterday or before."""
    lots, amount = services.expire_credit()
    return f"{lots} lots, £{amount:,.2f} expired"


@shared_task(name="billing.tasks.send_invoice", acks_late=True)
def send_invoice(invoice_id):
    return emails.invoice_issued(invoice_id)


@shared_task(name="billing.tasks.send_credit_note", acks_late=True)
def send_credit_note(credit_note_id):
    return emails.credit_note_issued(credit_note_id)


@shared_task(name="billing.tasks.send_receipt", acks_late=True)
def send_receipt(payment_id):
    return emails.receipt(payment_id)


@shared_task(name="billing.tasks.reconcile_checkouts", acks_late=True)
def reconcile_checkouts():
    """Every 15 minutes: apply paid Checkout Sessions whose webhook never arrived."""
    from . import stripe_gateway  # deferred: stripe_gateway imports this module

    if not stripe_gateway.configured():
        return "Stripe is not configured."
    return str(stripe_gateway.reconcile_checkouts())


@shared_task(name="billing.tasks.send_checkout_failed", acks_late=True)
def send_checkout_failed(checkout_attempt_id):
    return emails.stripe_payment_failed(checkout_attempt_id)


@shared_task(name="billing.tasks.send_refund_alert", acks_late=True)
def send_refund_alert(payment_id, refunded_on_invoice):
    return emails.stripe_refund_unmatched(payment_id, refunded_on_invoice)


@shared_task(name="billing.tasks.send_overdue_reminders", acks_late=True)
def send_overdue_reminders():
    """Daily: queue each reminder that has fallen due (at the due date, +14 and +30 days)."""
    due = emails.reminders_due()
    for invoice_id, days in due:
        send_reminder.delay(invoice_id, days)
    return len(due)


@shared_task(name="billing.tasks.send_reminder", acks_late=True)
def send_reminder(invoice_id, days):
    return emails.overdue_reminder(invoice_id, days)


@shared_task(name="billing.tasks.run_invoicing_job", acks_late=True)
def run_invoicing_job(job_id, period):
    """The admin's "Run invoicing": progress goes to the cache for the page to poll."""
    from . import jobs  # deferred: jobs imports this module, to queue this task

    return jobs.run_invoicing_job(job_id, period)
