"""Paying online through Stripe: Checkout Sessions, the signed webhook, reconciliation and
refunds. The real stripe-python client talks to a recorded-response double (stripe_double)."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core import mail
from django.db import OperationalError, connection, connections
from django.test import Client

from accounts import roles
from billing import services, stripe_gateway, tasks
from billing.emails import finance_contacts
from billing.models import (
    CheckoutAttempt,
    CreditEntry,
    CreditNote,
    Invoice,
    Payment,
    StripeEvent,
)
from billing.services import BillingError, credit_balance, outstanding
from tests.factories import accounts, billing, cast

from .stripe_double import RecordedStripe, install, sign

WEBHOOK = "/billing/stripe/webhook/"


@pytest.fixture
def stripe_double(db, settings):
    return install(settings)


@pytest.fixture
def invoice(people):
    """Oakfield's issued statement invoice (two places at £200 on this month's statement),
    nothing paid yet."""
    invoice = billing.issued_statement(people["school_a"], booked_by=people["staff"], places=2)
    assert outstanding(invoice) > 0
    return invoice


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit work (receipt emails, eager Celery here) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def pence(amount):
    return int(amount * 100)


def deliver(client, payload, signature=None):
    return client.post(
        WEBHOOK,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload) if signature is None else signature,
    )


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def receipts():
    return [m for m in mail.outbox if m.subject.startswith("[CPD] Payment received")]


def start(invoice, people):
    return stripe_gateway.start_checkout(invoice, by=people["finance_a"])


def paid_session_event(double, session_id, method="card", type_="checkout.session.completed"):
    double.pay(session_id, method)
    return double.event(type_, double.session(session_id))


# --- starting a payment ------------------------------------------------------------------------


def test_pay_online_opens_a_checkout_session_for_the_balance_with_an_idempotency_key(
    client, people, invoice, stripe_double
):
    owed = outstanding(invoice)
    client.force_login(people["finance_a"])
    response = client.post(f"/billing/invoices/{invoice.pk}/pay/")

    attempt = CheckoutAttempt.objects.get(invoice=invoice)
    assert response.status_code == 303
    assert response["Location"] == attempt.url == stripe_double.sessions[attempt.session_id]["url"]
    (request,) = stripe_double.calls("post", "/v1/checkout/sessions")
    assert request.headers["Idempotency-Key"] == (
        f"cpd-invoice-{invoice.pk}-checkout-1-{pence(owed)}p"
    )
    form = request.form
    assert form["mode"] == "payment"
    assert form["metadata"]["invoice_id"] == str(invoice.pk)
    assert form["client_reference_id"] == str(invoice.pk)
    assert form["payment_method_types"] == ["card", "bacs_debit"]
    assert "customer" not in form and "payment_method_options" not in form
    (line,) = form["line_items"]
    assert line["price_data"]["currency"] == "gbp"
    assert line["price_data"]["unit_amount"] == str(pence(owed))
    assert invoice.number in line["price_data"]["product_data"]["name"]
    assert form["cancel_url"].startswith("http://testserver/")
    assert form["success_url"].startswith("http://testserver/")
    assert (attempt.attempt, attempt.amount, attempt.created_by) == (1, owed, people["finance_a"])


def test_a_retry_after_our_database_failed_reuses_the_key_so_stripe_makes_one_session(
    people, invoice, stripe_double, monkeypatch
):
    real_create = CheckoutAttempt.objects.create
    failures = iter([OperationalError("server closed the connection unexpectedly")])

    def create_once_failing(**fields):
        for error in failures:
            raise error
        return real_create(**fields)

    monkeypatch.setattr(CheckoutAttempt.objects, "create", create_once_failing)
    with pytest.raises(OperationalError):
        start(invoice, people)
    assert not CheckoutAttempt.objects.exists()

    attempt = start(invoice, people)
    first, second = stripe_double.calls("post", "/v1/checkout/sessions")
    assert first.idempotency_key == second.idempotency_key
    assert list(stripe_double.sessions) == [attempt.session_id], "Stripe made one session"


def test_pay_online_again_reopens_the_open_session_until_the_balance_changes(
    people, invoice, stripe_double
):
    first = start(invoice, people)
    assert start(invoice, people).pk == first.pk
    assert len(stripe_double.calls("post", "/v1/checkout/sessions")) == 1

    services.record_payment(
        invoice, Decimal("100.00"), method=Payment.Method.BACS, reference="Remittance 881"
    )
    second = start(invoice, people)
    assert (second.attempt, second.amount) == (2, first.amount - Decimal("100.00"))
    assert stripe_double.calls("post", "/v1/checkout/sessions")[-1].idempotency_key == (
        f"cpd-invoice-{invoice.pk}-checkout-2-{pence(second.amount)}p"
    )


def test_uk_bank_transfer_is_offered_through_a_customer_balance_when_enabled(
    settings, people, invoice, stripe_double
):
    settings.STRIPE_BANK_TRANSFER_ENABLED = True
    start(invoice, people)

    account = invoice.account
    account.refresh_from_db()
    (made,) = stripe_double.calls("post", "/v1/customers")
    assert made.idempotency_key == f"cpd-account-{account.pk}-customer"
    assert account.stripe_customer_id in stripe_double.customers
    form = stripe_double.calls("post", "/v1/checkout/sessions")[-1].form
    assert form["customer"] == account.stripe_customer_id
    assert form["payment_method_types"] == ["card", "bacs_debit", "customer_balance"]
    assert form["payment_method_options"] == {
        "customer_balance": {
            "funding_type": "bank_transfer",
            "bank_transfer": {"type": "gb_bank_transfer"},
        }
    }

    # The next attempt (a new balance) uses the same customer.
    services.record_payment(invoice, Decimal("10.00"), method=Payment.Method.BACS)
    start(invoice, people)
    assert len(stripe_double.calls("post", "/v1/customers")) == 1
    form = stripe_double.calls("post", "/v1/checkout/sessions")[-1].form
    assert form["customer"] == account.stripe_customer_id


@pytest.mark.parametrize(
    "case, message",
    [
        ("paid", "already paid"),
        ("stripe not configured", "Paying online is not available"),
        ("stripe down", "could not open the online payment page"),
    ],
)
def test_pay_online_refusals_go_back_with_a_message_and_write_nothing(
    client, people, invoice, stripe_double, settings, case, message
):
    if case == "paid":
        services.record_payment(invoice, outstanding(invoice), method=Payment.Method.BACS)
    elif case == "stripe not configured":
        settings.STRIPE_SECRET_KEY = ""
    else:
        stripe_double.fail_next("post", "/v1/checkout/sessions", status=500)
    client.force_login(people["finance_a"])
    response = client.post(f"/billing/invoices/{invoice.pk}/pay/")

    assert response.status_code == 302
    assert response["Location"] == stripe_gateway.invoice_path(invoice.pk)
    assert any(message in m for m in messages_of(response)), messages_of(response)
    assert not CheckoutAttempt.objects.exists()
    if case != "stripe down":
        assert not stripe_double.requests


def test_pay_online_is_a_post(client, people, invoice, stripe_double):
    client.force_login(people["finance_a"])
    assert client.get(f"/billing/invoices/{invoice.pk}/pay/").status_code == 405
    assert not stripe_double.requests


def test_draft_and_void_invoices_cannot_be_paid(people, invoice, stripe_double):
    draft = Invoice.objects.create(account=invoice.account)
    with pytest.raises(BillingError, match="not issued"):
        stripe_gateway.start_checkout(draft)
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.VOID)
    with pytest.raises(BillingError, match="not issued"):
        stripe_gateway.start_checkout(invoice)
    assert not stripe_double.requests


def test_a_direct_debit_still_clearing_stops_a_second_payment_until_it_fails(
    client, people, invoice, stripe_double, on_commit
):
    attempt = start(invoice, people)
    with on_commit():
        deliver(client, paid_session_event(stripe_double, attempt.session_id, "bacs_debit"))
    with pytest.raises(BillingError, match="still being processed"):
        start(invoice, people)

    stripe_double.fail(attempt.session_id)
    with on_commit():
        deliver(
            client,
            stripe_double.event(
                "checkout.session.async_payment_failed", stripe_double.session(attempt.session_id)
            ),
        )
    assert start(invoice, people).attempt == 2


# --- the webhook -------------------------------------------------------------------------------


def test_a_signed_completed_event_marks_the_invoice_paid_and_sends_one_receipt(
    client, people, invoice, stripe_double, on_commit
):
    owed = outstanding(invoice)
    attempt = start(invoice, people)
    payload = paid_session_event(stripe_double, attempt.session_id)
    with on_commit():
        response = deliver(client, payload)

    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert outstanding(invoice) == 0
    payment = Payment.objects.get(stripe_checkout_session=attempt.session_id)
    intent_id = stripe_double.sessions[attempt.session_id]["payment_intent"]
    assert (payment.amount, payment.applied, payment.method, payment.stripe_payment_intent) == (
        owed,
        owed,
        Payment.Method.CARD,
        intent_id,
    )
    assert StripeEvent.objects.filter(event_id=json.loads(payload)["id"]).exists()
    # The session was re-fetched from Stripe before acting.
    assert stripe_double.calls("get", f"/v1/checkout/sessions/{attempt.session_id}")
    (receipt,) = receipts()
    assert receipt.to == ["finance@oakfield.sch.uk"]
    assert invoice.number in receipt.body


def test_the_same_event_delivered_twice_pays_once_and_sends_one_receipt(
    client, people, invoice, stripe_double, on_commit
):
    attempt = start(invoice, people)
    payload = paid_session_event(stripe_double, attempt.session_id)
    with on_commit():
        first = deliver(client, payload)
    fetches = len(stripe_double.requests)
    with on_commit():
        second = deliver(client, payload)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == b"duplicate"
    assert len(stripe_double.requests) == fetches, "a stored event is not even re-fetched"
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert StripeEvent.objects.count() == 1
    assert len(receipts()) == 1


def test_a_bacs_direct_debit_is_paid_when_it_clears_not_at_checkout(
    client, people, invoice, stripe_double, on_commit
):
    attempt = start(invoice, people)
    with on_commit():
        response = deliver(
            client, paid_session_event(stripe_double, attempt.session_id, "bacs_debit")
        )
    assert response.content == b"processing"
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    assert not Payment.objects.filter(invoice=invoice).exists()

    stripe_double.settle(attempt.session_id)
    with on_commit():
        deliver(
            client,
            stripe_double.event(
                "checkout.session.async_payment_succeeded",
                stripe_double.session(attempt.session_id),
            ),
        )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert Payment.objects.get(invoice=invoice).method == Payment.Method.BACS_DEBIT
    assert len(receipts()) == 1


def test_a_failed_direct_debit_marks_the_attempt_failed_and_emails_finance_once(
    client, people, invoice, stripe_double, on_commit
):
    attempt = start(invoice, people)
    with on_commit():
        deliver(client, paid_session_event(stripe_double, attempt.session_id, "bacs_debit"))
    stripe_double.fail(attempt.session_id)
    failed = stripe_double.event(
        "checkout.session.async_payment_failed", stripe_double.session(attempt.session_id)
    )
    resent = stripe_double.event(  # a second event about the same failure
        "checkout.session.async_payment_failed", stripe_double.session(attempt.session_id)
    )
    with on_commit():
        assert deliver(client, failed).content == b"failed"
        deliver(client, failed)
        deliver(client, resent)

    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert attempt.failed_at is not None
    assert invoice.status == Invoice.Status.ISSUED
    assert not Payment.objects.filter(invoice=invoice).exists()
    (email,) = [m for m in mail.outbox if "Payment not received" in m.subject]
    assert email.to == ["finance@oakfield.sch.uk"]
    assert invoice.number in email.body
    assert email.alternatives, "text and HTML parts"


def test_events_out_of_order_settle_to_what_stripe_says_now(
    client, people, invoice, stripe_double, on_commit
):
    attempt = start(invoice, people)
    stripe_double.pay(attempt.session_id, "bacs_debit")
    completed = stripe_double.event(
        "checkout.session.completed", stripe_double.session(attempt.session_id)
    )
    stripe_double.settle(attempt.session_id)
    succeeded = stripe_double.event(
        "checkout.session.async_payment_succeeded", stripe_double.session(attempt.session_id)
    )
    with on_commit():
        assert deliver(client, succeeded).content == b"paid"
        # The older event arrives last; it says "unpaid", Stripe now says paid.
        assert deliver(client, completed).status_code == 200

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert len(receipts()) == 1


def test_the_event_body_is_not_trusted_only_the_object_re_fetched_from_stripe(
    client, people, invoice, stripe_double
):
    attempt = start(invoice, people)
    stripe_double.pay(attempt.session_id, "bacs_debit")  # still clearing at Stripe
    snapshot = stripe_double.session(attempt.session_id)
    snapshot["payment_status"] = "paid"
    response = deliver(client, stripe_double.event("checkout.session.completed", snapshot))

    assert response.content == b"processing"
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    assert not Payment.objects.filter(invoice=invoice).exists()


def test_a_stale_failure_after_the_payment_cleared_never_unpays_the_invoice(
    client, people, invoice, stripe_double, on_commit
):
    attempt = start(invoice, people)
    stripe_double.pay(attempt.session_id, "bacs_debit")
    stale_failure = stripe_double.event(
        "checkout.session.async_payment_failed", stripe_double.session(attempt.session_id)
    )
    stripe_double.settle(attempt.session_id)
    with on_commit():
        deliver(
            client,
            stripe_double.event(
                "checkout.session.async_payment_succeeded",
                stripe_double.session(attempt.session_id),
            ),
        )
        deliver(client, stale_failure)

    invoice.refresh_from_db()
    attempt.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert attempt.failed_at is None
    assert not [m for m in mail.outbox if "Payment not received" in m.subject]


@pytest.mark.parametrize(
    "tampering",
    ["wrong signature", "another secret", "stale timestamp", "tampered body", "no signature"],
)
def test_a_forged_stale_or_tampered_delivery_gets_400_and_writes_nothing(
    client, people, invoice, stripe_double, tampering
):
    attempt = start(invoice, people)
    payload = paid_session_event(stripe_double, attempt.session_id)
    signature = sign(payload)
    if tampering == "wrong signature":
        signature = signature.split(",v1=")[0] + ",v1=" + "0" * 64
    elif tampering == "another secret":
        signature = sign(payload, secret="whsec_someone_elses_endpoint")
    elif tampering == "stale timestamp":
        signature = sign(payload, timestamp=time.time() - 301)
    elif tampering == "tampered body":
        body = json.loads(payload)
        # Pointed at another invoice (one whose id is not this invoice's, whatever that is).
        body["data"]["object"]["metadata"]["invoice_id"] = str(invoice.pk + 1)
        payload = json.dumps(body)
    else:
        signature = ""
    calls_before = len(stripe_double.requests)
    response = deliver(client, payload, signature)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert not Payment.objects.filter(stripe_checkout_session__isnull=False).exists()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    assert len(stripe_double.requests) == calls_before, "nothing is fetched for a forgery"


def test_a_delivery_inside_the_five_minute_tolerance_is_accepted(
    client, people, invoice, stripe_double
):
    """The control for the stale-timestamp refusal: a signature 290 s old is fine."""
    attempt = start(invoice, people)
    payload = paid_session_event(stripe_double, attempt.session_id)
    response = deliver(client, payload, sign(payload, timestamp=time.time() - 290))
    assert response.status_code == 200


def test_a_body_that_is_not_json_gets_400(client, stripe_double):
    payload = "this is not an event"
    assert deliver(client, payload).status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_database_error_while_applying_answers_5xx_and_the_retry_pays(
    client, people, invoice, stripe_double, monkeypatch, on_commit
):
    attempt = start(invoice, people)
    payload = paid_session_event(stripe_double, attempt.session_id)

    def database_gone(invoice):
        raise OperationalError("could not serialize access due to concurrent update")

    with monkeypatch.context() as patch:
        # Fails after the event row and the payment row are written: both must roll back.
        patch.setattr("billing.services.payments._refresh_status", database_gone)
        with on_commit():
            response = deliver(client, payload)
    assert response.status_code == 503
    assert not StripeEvent.objects.exists()
    assert not Payment.objects.filter(invoice=invoice).exists()
    assert not receipts()

    with on_commit():
        retry = deliver(client, payload)
    assert retry.status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert len(receipts()) == 1


def test_stripe_unreachable_on_the_re_fetch_answers_5xx_and_the_retry_pays(
    client, people, invoice, stripe_double
):
    attempt = start(invoice, people)
    payload = paid_session_event(stripe_double, attempt.session_id)
    stripe_double.fail_next("get", f"/v1/checkout/sessions/{attempt.session_id}", status=503)

    assert deliver(client, payload).status_code == 503
    assert not StripeEvent.objects.exists()
    assert not Payment.objects.filter(invoice=invoice).exists()

    assert deliver(client, payload).status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_without_a_webhook_secret_events_are_refused_for_a_retry_later(
    client, settings, stripe_double
):
    payload = stripe_double.event("customer.created", {"id": "cus_1", "object": "customer"})
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert deliver(client, payload).status_code == 503
    assert not StripeEvent.objects.exists()


def test_other_event_types_are_stored_and_acknowledged(client, stripe_double):
    payload = stripe_double.event(
        "payment_intent.created", {"id": "pi_elsewhere", "object": "payment_intent"}
    )
    response = deliver(client, payload)
    assert (response.status_code, response.content) == (200, b"stored")
    stored = StripeEvent.objects.get()
    assert (stored.type, stored.object_id) == ("payment_intent.created", "pi_elsewhere")
    assert not stripe_double.requests


def test_an_event_about_a_session_stripe_does_not_know_is_stored_and_ignored(client, stripe_double):
    snapshot = {"id": "cs_test_from_another_account", "object": "checkout.session"}
    response = deliver(client, stripe_double.event("checkout.session.completed", snapshot))
    assert response.status_code == 200
    assert StripeEvent.objects.filter(object_id="cs_test_from_another_account").exists()
    assert not Payment.objects.filter(stripe_checkout_session__isnull=False).exists()


@pytest.mark.parametrize("metadata", [{}, {"invoice_id": "INV-7"}, {"invoice_id": "999999"}])
def test_a_paid_session_that_is_not_for_one_of_our_invoices_is_stored_and_ignored(
    client, stripe_double, metadata
):
    session = stripe_gateway.client().v1.checkout.sessions.create(
        {
            "mode": "payment",
            "metadata": metadata,
            "line_items": [{"quantity": 1, "price_data": {"currency": "gbp", "unit_amount": 900}}],
        }
    )
    response = deliver(client, paid_session_event(stripe_double, session.id))
    assert (response.status_code, response.content) == (200, b"not ours")
    assert StripeEvent.objects.filter(object_id=session.id).exists()
    assert not Payment.objects.filter(stripe_checkout_session=session.id).exists()


def test_a_refund_made_in_stripe_is_recorded_once_never_unpays_and_alerts_finance_once(
    client, people, invoice, stripe_double, on_commit
):
    attempt = start(invoice, people)
    with on_commit():
        deliver(client, paid_session_event(stripe_double, attempt.session_id))
    stripe_double.refund_in_dashboard(attempt.session_id, 5000)
    refunded = stripe_double.event("charge.refunded", stripe_double.charge_for(attempt.session_id))
    with on_commit():
        assert deliver(client, refunded).content == b"refund recorded"
        deliver(client, refunded)
        # A later event carries the same total: nothing changes, no second alert.
        deliver(
            client,
            stripe_double.event("charge.refunded", stripe_double.charge_for(attempt.session_id)),
        )

    payment = Payment.objects.get(stripe_checkout_session=attempt.session_id)
    invoice.refresh_from_db()
    assert payment.refunded == Decimal("50.00")
    assert invoice.status == Invoice.Status.PAID
    (alert,) = [m for m in mail.outbox if "without a credit note" in m.subject]
    assert alert.to == ["cpd-finance@example.gov.uk"]
    assert invoice.number in alert.body


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_concurrently_pays_once_and_sends_one_receipt(settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent deliveries need PostgreSQL (set DATABASE_URL=postgres://…)")
    accounts.staff_groups()  # the flush that ends a transactional test took them
    people = cast.people()
    double = install(settings)
    invoice = billing.issued_statement(people["school_a"], booked_by=people["staff"])
    attempt = stripe_gateway.start_checkout(invoice, by=people["finance_a"])
    payload = paid_session_event(double, attempt.session_id)
    signature = sign(payload)
    deliveries = 8
    gate = threading.Barrier(deliveries)

    def deliver_once(_):
        try:
            gate.wait(timeout=30)
            return deliver(Client(), payload, signature).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=deliveries) as pool:
        codes = list(pool.map(deliver_once, range(deliveries)))

    assert codes == [200] * deliveries
    assert Payment.objects.filter(stripe_checkout_session=attempt.session_id).count() == 1
    assert StripeEvent.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert len(receipts()) == 1


# --- reconciliation ----------------------------------------------------------------------------


def test_reconciliation_applies_a_paid_session_whose_webhook_was_missed(
    client, people, invoice, stripe_double, on_commit
):
    attempt = start(invoice, people)
    late_event = paid_session_event(stripe_double, attempt.session_id)  # never delivered
    with on_commit():
        report = stripe_gateway.reconcile_checkouts()

    assert (report.checked, report.paid) == (1, 1)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    (listing,) = stripe_double.calls("get", "/v1/checkout/sessions")
    assert listing.form["status"] == "complete"
    three_days_ago = time.time() - 3 * 24 * 3600
    assert abs(int(listing.form["created"]["gte"]) - three_days_ago) < 60

    with on_commit():
        assert stripe_gateway.reconcile_checkouts().paid == 0
        assert deliver(client, late_event).status_code == 200  # the webhook, finally
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert len(receipts()) == 1


def test_an_hour_long_webhook_outage_is_caught_up_by_reconciliation_and_paid_once(
    client, people, stripe_double, on_commit
):
    """The fault drill: for an hour Stripe cannot reach us, and every payer in that hour
    completes Checkout. The 15-minute reconciliation applies each payment; Stripe's retried
    deliveries, once we are back, change nothing."""
    # Five schools' statements, two of them with nobody to send a receipt to.
    schools = [people["school_a"], *(accounts.school() for _ in range(4))]
    for school in schools[1:]:
        billing.account(school, invoicing=billing.MONTHLY)
    for school in schools[1:3]:
        billing.finance_contact(school)
    invoices = [billing.issued_statement(s, booked_by=people["staff"]) for s in schools]
    attempts = [start(invoice, people) for invoice in invoices]
    card, clearing = attempts[:-1], attempts[-1]
    missed = [paid_session_event(stripe_double, a.session_id) for a in card]
    stripe_double.pay(clearing.session_id, "bacs_debit")  # a Direct Debit still clearing

    with on_commit():
        report = stripe_gateway.reconcile_checkouts()
    assert (report.checked, report.paid) == (len(attempts), len(card))
    for invoice in invoices:
        invoice.refresh_from_db()
    assert [i.status for i in invoices] == [Invoice.Status.PAID] * len(card) + [
        Invoice.Status.ISSUED
    ]

    with on_commit():
        for event in missed:  # Stripe retries every delivery it could not make
            assert deliver(client, event).status_code == 200
        assert stripe_gateway.reconcile_checkouts().paid == 0
    for attempt in card:
        assert Payment.objects.filter(stripe_checkout_session=attempt.session_id).count() == 1
    # One receipt per payment, to every account that has a finance contact to send it to.
    subjects = [m.subject for m in receipts()]
    assert len(subjects) == len(set(subjects))
    with_contacts = [a for a in card if finance_contacts(a.invoice.account)]
    assert with_contacts and len(subjects) == len(with_contacts)


def test_reconciliation_skips_sessions_that_are_not_ours_or_not_paid(
    people, invoice, stripe_double
):
    stripe_gateway.client().v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [{"quantity": 1, "price_data": {"currency": "gbp", "unit_amount": 500}}],
        }
    )
    foreign = list(stripe_double.sessions)[0]
    stripe_double.pay(foreign)
    clearing = start(invoice, people)
    stripe_double.pay(clearing.session_id, "bacs_debit")

    report = stripe_gateway.reconcile_checkouts()
    assert (report.checked, report.paid, report.failed) == (1, 0, 0)
    assert not Payment.objects.filter(stripe_checkout_session__isnull=False).exists()


def test_the_reconciliation_task_runs_every_fifteen_minutes(stripe_double, settings):
    entry = django_settings.CELERY_BEAT_SCHEDULE["reconcile-stripe-checkouts"]
    assert (entry["task"], entry["schedule"]) == ("billing.tasks.reconcile_checkouts", 900.0)
    assert "0 missed payment(s) applied" in tasks.reconcile_checkouts()
    settings.STRIPE_SECRET_KEY = ""
    assert tasks.reconcile_checkouts() == "Stripe is not configured."


# --- refunds to the card -----------------------------------------------------------------------


@pytest.fixture
def paid_by_card(client, people, invoice, stripe_double, on_commit):
    attempt = start(invoice, people)
    with on_commit():
        deliver(client, paid_session_event(stripe_double, attempt.session_id))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    return invoice, Payment.objects.get(stripe_checkout_session=attempt.session_id)


def credit_a_line(invoice, net=Decimal("40.00")):
    line = invoice.lines.filter(net__gte=net).first()
    return services.issue_credit_note(invoice, [(line, net)], reason="Place cancelled in time")


def test_a_credit_note_on_a_card_paid_invoice_is_refunded_to_the_card_once(
    client, people, paid_by_card, stripe_double, on_commit
):
    invoice, payment = paid_by_card
    note = credit_a_line(invoice)
    account = invoice.account
    assert note.settlement == CreditNote.Settlement.ACCOUNT_CREDIT
    assert credit_balance(account) == note.returned > 0

    stripe_gateway.refund_credit_note(note, by=people["staff"])

    note.refresh_from_db()
    payment.refresh_from_db()
    invoice.refresh_from_db()
    (request,) = stripe_double.calls("post", "/v1/refunds")
    assert request.idempotency_key == f"cpd-credit-note-{note.pk}-refund"
    assert request.form["payment_intent"] == payment.stripe_payment_intent
    assert request.form["amount"] == str(pence(note.returned))
    assert note.settlement == CreditNote.Settlement.STRIPE_REFUND
    assert note.stripe_refund_id in stripe_double.refunds
    assert payment.refunded == note.returned
    assert credit_balance(account) == 0
    entry = CreditEntry.objects.get(kind=CreditEntry.Kind.REFUNDED, credit_note=note)
    assert (entry.amount, entry.payment, entry.created_by) == (
        -note.returned,
        payment,
        people["staff"],
    )
    assert invoice.status == Invoice.Status.PAID

    with pytest.raises(BillingError, match="already been refunded"):
        stripe_gateway.refund_credit_note(note)
    assert len(stripe_double.calls("post", "/v1/refunds")) == 1

    # Stripe's charge.refunded for our own refund balances: no alert, nothing changes.
    charge = stripe_double.charge_for(payment.stripe_checkout_session)
    assert charge["amount_refunded"] == pence(note.returned)
    with on_commit():
        deliver(client, stripe_double.event("charge.refunded", charge))
    payment.refresh_from_db()
    assert payment.refunded == note.returned
    assert not [m for m in mail.outbox if "without a credit note" in m.subject]


def test_credit_returned_then_refunded_to_the_card_leaves_deferred_income_as_it_was(
    paid_by_card, stripe_double
):
    """The credit journal puts a credit note's return into deferred income (Dr debtors, Cr
    deferred income) and takes a refund of it to the card out again (Dr deferred income, Cr
    debtors): the £40.00 + £8.00 VAT credited nets to nothing there."""
    from django.utils import timezone

    from billing import reports

    invoice, _ = paid_by_card
    note = credit_a_line(invoice)  # £40.00 of a standard line: + £8.00 VAT = £48.00 back
    stripe_gateway.refund_credit_note(note)
    today = timezone.localdate()
    code = note.lines.get().invoice_line.nominal_code  # the credited place's strand's
    journal = [r[5:] for r in reports.redemption_rows(today, today) if r[1] == note.number]
    assert journal == [
        ["Returned by credit note", "1100-DEB", "2410-DEF", code, Decimal("48.00")],
        ["Refunded to the card", "2410-DEF", "1100-DEB", code, Decimal("48.00")],
    ]


def test_a_refund_retried_after_our_database_failed_is_made_once_at_stripe(
    paid_by_card, stripe_double, monkeypatch
):
    invoice, payment = paid_by_card
    note = credit_a_line(invoice)
    real_create = CreditEntry.objects.create
    failures = iter([OperationalError("connection reset")])

    def create_once_failing(**fields):
        if fields.get("kind") == CreditEntry.Kind.REFUNDED:
            for error in failures:
                raise error
        return real_create(**fields)

    monkeypatch.setattr(CreditEntry.objects, "create", create_once_failing)
    with pytest.raises(OperationalError):
        stripe_gateway.refund_credit_note(note)
    note.refresh_from_db()
    assert (note.settlement, note.stripe_refund_id) == (CreditNote.Settlement.ACCOUNT_CREDIT, "")
    assert credit_balance(invoice.account) == note.returned

    stripe_gateway.refund_credit_note(note)
    first, second = stripe_double.calls("post", "/v1/refunds")
    assert first.idempotency_key == second.idempotency_key
    assert len(stripe_double.refunds) == 1
    charge = stripe_double.charge_for(payment.stripe_checkout_session)
    assert charge["amount_refunded"] == pence(note.returned), "refunded once, not twice"


def test_a_credit_note_that_only_reduced_the_balance_has_nothing_to_refund(
    people, invoice, stripe_double
):
    note = credit_a_line(invoice)  # nothing was paid yet
    assert note.returned == 0
    with pytest.raises(BillingError, match="nothing to refund"):
        stripe_gateway.refund_credit_note(note)
    assert not stripe_double.requests


def test_an_invoice_paid_by_bacs_cannot_be_refunded_to_a_card(people, invoice, stripe_double):
    services.record_payment(invoice, outstanding(invoice), method=Payment.Method.BACS)
    note = credit_a_line(invoice)
    with pytest.raises(BillingError, match="no card payment made online"):
        stripe_gateway.refund_credit_note(note)
    assert not stripe_double.calls("post", "/v1/refunds")


def test_credit_already_spent_cannot_be_refunded(paid_by_card, stripe_double):
    invoice, _ = paid_by_card
    note = credit_a_line(invoice)
    services.adjust_credit(
        invoice.account, -(note.returned - Decimal("1.00")), reason="Used elsewhere", by=None
    )
    with pytest.raises(BillingError, match="only £1.00 of account credit left"):
        stripe_gateway.refund_credit_note(note)
    assert not stripe_double.calls("post", "/v1/refunds")


def test_a_refund_stripe_declines_changes_nothing(paid_by_card, stripe_double):
    invoice, payment = paid_by_card
    note = credit_a_line(invoice)
    stripe_double.fail_next(
        "post",
        "/v1/refunds",
        status=402,
        body={"error": {"type": "card_error", "message": "The card was closed."}},
    )
    with pytest.raises(BillingError, match="Stripe did not accept the refund"):
        stripe_gateway.refund_credit_note(note)
    note.refresh_from_db()
    payment.refresh_from_db()
    assert (note.settlement, payment.refunded) == (CreditNote.Settlement.ACCOUNT_CREDIT, 0)
    assert credit_balance(invoice.account) == note.returned


# --- the finance officers' admin page ----------------------------------------------------------


def test_a_finance_officer_refunds_a_credit_note_to_the_card_from_the_admin(
    client, paid_by_card, stripe_double
):
    invoice, payment = paid_by_card
    note = credit_a_line(invoice)
    client.force_login(cast.officer(roles.FINANCE))

    listing = client.get("/admin/billing/card-refunds/")
    assert listing.status_code == 200
    assert note.number in listing.content.decode()
    confirm = client.get(f"/admin/billing/card-refunds/{note.pk}/")
    assert confirm.status_code == 200
    assert f"Refund £{note.returned:,.2f} to the card" in confirm.content.decode()

    response = client.post(f"/admin/billing/card-refunds/{note.pk}/")
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.settlement == CreditNote.Settlement.STRIPE_REFUND
    assert (
        "No credit notes are waiting" in client.get("/admin/billing/card-refunds/").content.decode()
    )
    again = client.post(f"/admin/billing/card-refunds/{note.pk}/")
    assert "already been refunded" in again.content.decode()
    assert len(stripe_double.calls("post", "/v1/refunds")) == 1


def test_card_refunds_need_the_credit_note_permission(client, paid_by_card, stripe_double):
    invoice, _ = paid_by_card
    note = credit_a_line(invoice)
    client.force_login(cast.officer(roles.BOOKINGS))
    assert client.get("/admin/billing/card-refunds/").status_code in (302, 403)
    assert client.post(f"/admin/billing/card-refunds/{note.pk}/").status_code in (302, 403)
    note.refresh_from_db()
    assert note.settlement == CreditNote.Settlement.ACCOUNT_CREDIT
    assert not stripe_double.calls("post", "/v1/refunds")


def test_the_double_is_a_real_stripe_http_client():
    """Guards the premise of this file: requests go through stripe-python's own client."""
    import stripe

    assert isinstance(RecordedStripe(), stripe.HTTPClient)


def test_a_dotted_path_setting_gives_every_client_the_same_double(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_dotted"
    settings.STRIPE_HTTP_CLIENT = "tests.billing.stripe_double.shared"
    first = stripe_gateway.client()
    first.v1.customers.create({"name": "Oakfield Primary School"})
    stripe_gateway.client().v1.customers.create({"name": "Riverside Academy"})
    from .stripe_double import shared

    assert [c["name"] for c in shared().customers.values()][-2:] == [
        "Oakfield Primary School",
        "Riverside Academy",
    ]
