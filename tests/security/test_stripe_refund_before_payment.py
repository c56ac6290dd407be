"""Item 13: a charge.refunded delivered before checkout.session.completed must not be lost.
Both arrive as Stripe sends them (the real stripe-python client, real webhook signatures);
the project's rule for a refund made in Stripe is that the payment records it, the invoice's
status is left alone and finance are alerted to issue the credit note."""

from decimal import Decimal

import pytest
from django.core import mail

from billing import stripe_gateway
from billing.models import Invoice, Payment
from billing.services import outstanding
from tests.billing.stripe_double import install, sign
from tests.factories import billing

WEBHOOK = "/billing/stripe/webhook/"


@pytest.fixture
def stripe_double(db, settings):
    return install(settings)


@pytest.fixture
def checkout(people, stripe_double):
    """Oakfield's finance officer presses *Pay online* on its issued monthly statement."""
    invoice = billing.issued_statement(people["school_a"], booked_by=people["staff"])
    owed = outstanding(invoice)
    assert owed > 0
    return invoice, owed, stripe_gateway.start_checkout(invoice, by=people["finance_a"])


def deliver(client, payload):
    return client.post(
        WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload)
    )


def refunded_before_paid(double, session_id, pence):
    """The payer pays, the payment is refunded in Stripe's dashboard at once, and Stripe's two
    events are made in that order: the payment's first, then the refund's."""
    double.pay(session_id)
    paid = double.event("checkout.session.completed", double.session(session_id))
    double.refund_in_dashboard(session_id, pence)
    refunded = double.event("charge.refunded", double.charge_for(session_id))
    return paid, refunded


def refund_alerts():
    return [m for m in mail.outbox if "without a credit note" in m.subject]


def test_a_refund_delivered_before_the_payment_is_recorded_with_the_payment(
    client, checkout, stripe_double, django_capture_on_commit_callbacks
):
    invoice, owed, attempt = checkout
    whole = int(owed * 100)
    paid, refunded = refunded_before_paid(stripe_double, attempt.session_id, whole)

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, refunded).status_code == 200  # arrives first
        assert deliver(client, paid).status_code == 200

    payment = Payment.objects.get(stripe_checkout_session=attempt.session_id)
    assert payment.amount == owed
    assert payment.refunded == owed, "the whole payment was refunded in Stripe"
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID  # the project's rule: status left alone...
    (alert,) = refund_alerts()  # ...and finance are told to settle it with a credit note
    assert invoice.number in alert.body


def test_reconciliation_catches_a_refund_whose_event_came_before_the_payment(
    client, checkout, stripe_double, django_capture_on_commit_callbacks
):
    invoice, owed, attempt = checkout
    paid, refunded = refunded_before_paid(stripe_double, attempt.session_id, 4000)

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, refunded).status_code == 200
        report = stripe_gateway.reconcile_checkouts()  # the payment's own event never came

    assert (report.paid, report.refunds) == (1, 1)
    assert "1 missed refund(s) recorded" in str(report)
    payment = Payment.objects.get(stripe_checkout_session=attempt.session_id)
    assert payment.refunded == Decimal("40.00")
    assert len(refund_alerts()) == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, paid).status_code == 200  # late: changes nothing more
        assert stripe_gateway.reconcile_checkouts().refunds == 0
    payment.refresh_from_db()
    assert payment.refunded == Decimal("40.00")
    assert len(refund_alerts()) == 1


def test_reconciliation_records_a_refund_missed_on_a_payment_already_recorded(
    client, checkout, stripe_double, django_capture_on_commit_callbacks
):
    """A payment recorded before this fix (or whose refund event was lost) is put right by
    the next reconciliation."""
    invoice, owed, attempt = checkout
    stripe_double.pay(attempt.session_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            client,
            stripe_double.event(
                "checkout.session.completed", stripe_double.session(attempt.session_id)
            ),
        )
    stripe_double.refund_in_dashboard(attempt.session_id, 2500)  # its event never arrives

    with django_capture_on_commit_callbacks(execute=True):
        report = stripe_gateway.reconcile_checkouts()
    assert (report.paid, report.refunds) == (0, 1)
    payment = Payment.objects.get(stripe_checkout_session=attempt.session_id)
    assert payment.refunded == Decimal("25.00")
    assert len(refund_alerts()) == 1
