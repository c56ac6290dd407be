"""The one place that talks to Stripe, through stripe-python's StripeClient.

It stays one module, long as it is: it is the whole boundary with Stripe, and its parts share
the client, the readers of a Checkout Session and the idempotency keys; split, a reader would
have to hold several files to follow one payment.

- start_checkout(): "Pay online" opens a Checkout Session for what an invoice still owes.
- handle_webhook(): Stripe's signed webhook is the source of truth. It is verified, the object
  is re-fetched from Stripe, and the event is stored by id in the same transaction that applies
  it, so a redelivered event does nothing. A transient failure writes nothing and answers 5xx.
- reconcile_checkouts(): applies paid sessions whose webhook never arrived.
- refund_credit_note(): sends a credit note's returned money back to the card.

Every POST to Stripe carries an idempotency key made from our own ids, so a retried call
repeats nothing at Stripe. Money crosses the boundary as whole pence."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import stripe
from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from core.links import site_url
from core.params import parse_int

from . import services, tasks
from .models import (
    PENNY,
    ZERO,
    Account,
    CheckoutAttempt,
    CreditEntry,
    CreditNote,
    Invoice,
    Payment,
    StripeEvent,
)
from .services import BillingError, total

log = logging.getLogger(__name__)

WEBHOOK_TOLERANCE = 300  # seconds; an older signature may be a replay
RECONCILE_DAYS = 3
# Stripe keeps a Checkout Session open for 24 hours; within this, "Pay online" again reopens it.
REOPEN_WITHIN = timedelta(hours=12)

UNAVAILABLE = (
    "Paying online is not available at the moment. You can pay by BACS using the bank details "
    "on the invoice."
)
UNREACHABLE = (
    "We could not open the online payment page just now. Please try again in a few minutes, "
    "or pay by BACS using the bank details on the invoice."
)

# Checkout's payment method types, as our Payment methods.
METHODS = {
    "card": Payment.Method.CARD,
    "bacs_debit": Payment.Method.BACS_DEBIT,
    "customer_balance": Payment.Method.BANK_TRANSFER,
}
SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
}
# Expanded on every re-fetched session: the PaymentIntent says whether an async payment is
# still processing or has failed; its PaymentMethod says how the school paid; its latest Charge
# says what has been refunded already (a charge.refunded can arrive before the payment).
SESSION_EXPAND = ["payment_intent", "payment_intent.payment_method", "payment_intent.latest_charge"]


class WebhookRefused(Exception):
    """Not a genuine, fresh Stripe event: answer 400 and write nothing."""


class WebhookFailed(Exception):
    """A transient failure: nothing was written; answer 5xx so Stripe sends the event again."""


# --- the client ------------------------------------------------------------------------------


# The API version our calls and webhook handling were written and recorded against
# (tests/billing/stripe_double.py). Pinned, so a stripe-python upgrade (which moves its default
# version) never changes the shapes we read; move it deliberately, with new recordings, and set
# the webhook endpoint in Stripe's dashboard to the same version.
API_VERSION = "2025-09-30.clover"


def configured():
    return bool(settings.STRIPE_SECRET_KEY)


def client():
    """A StripeClient. settings.STRIPE_HTTP_CLIENT (an HTTPClient, a callable returning one, or
    a dotted path to either) replaces the network, e.g. with recorded responses in tests."""
    if not configured():
        raise BillingError(UNAVAILABLE)
    http_client = settings.STRIPE_HTTP_CLIENT or None
    if isinstance(http_client, str):
        http_client = import_string(http_client)
    if http_client is not None and not isinstance(http_client, stripe.HTTPClient):
        http_client = http_client()
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_version=API_VERSION,
        http_client=http_client,
        max_network_retries=2,
    )


def pence(amount):
    """£12.34 → 1234. Our amounts are whole pence already; anything else is a bug."""
    value = Decimal(amount) * 100
    if value != value.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of pence")
    return int(value)


def pounds(amount_in_pence):
    return (Decimal(int(amount_in_pence)) / 100).quantize(PENNY)


def invoice_path(invoice_id):
    """Where a payer comes back to: the invoice's page (the school finance pages)."""
    return reverse("billing:invoice", args=[invoice_id])


# --- paying online ------------------------------------------------------------------------------


def checkout_idempotency_key(invoice, attempt, amount):
    return f"cpd-invoice-{invoice.pk}-checkout-{attempt}-{pence(amount)}p"


def start_checkout(invoice, *, by=None):
    """A Checkout Session for what `invoice` still owes. Returns the CheckoutAttempt, whose
    `url` is where to send the payer. Refuses (BillingError) when there is nothing to pay."""
    stripe_client = client()
    with transaction.atomic():
        # The invoice's row lock numbers attempts one at a time.
        invoice = Invoice.objects.select_for_update().select_related("account").get(pk=invoice.pk)
        owed = _payable(invoice)
        _refuse_if_payment_processing(invoice, stripe_client)
        latest = invoice.checkouts.order_by("-attempt").first()
        if _still_open(latest, owed):
            return latest
        attempt = latest.attempt + 1 if latest else 1
        customer = None
        if settings.STRIPE_BANK_TRANSFER_ENABLED:
            customer = stripe_customer(invoice.account, stripe_client)
        try:
            session = stripe_client.v1.checkout.sessions.create(
                _session_params(invoice, owed, attempt, customer),
                {"idempotency_key": checkout_idempotency_key(invoice, attempt, owed)},
            )
        except stripe.StripeError as error:
            log.warning("Stripe refused a Checkout Session for %s: %s", invoice, error)
            raise BillingError(UNREACHABLE) from error
        return CheckoutAttempt.objects.create(
            invoice=invoice,
            attempt=attempt,
            amount=owed,
            session_id=session.id,
            url=session.url,
            created_by=by,
        )


def _payable(invoice):
    if invoice.status == Invoice.Status.PAID:
        raise BillingError(f"Invoice {invoice.number} is already paid.")
    if invoice.status not in (Invoice.Status.ISSUED, Invoice.Status.PART_PAID):
        raise BillingError(f"Invoice {invoice} is not issued, so it cannot be paid.")
    owed = services.outstanding(invoice)
    if owed <= 0:
        raise BillingError(f"Nothing is owed on invoice {invoice.number}.")
    return owed


def _still_open(attempt, owed):
    """The latest session, if it is recent, for the same amount, and not failed or paid."""
    return (
        attempt is not None
        and attempt.failed_at is None
        and attempt.amount == owed
        and attempt.created_at > timezone.now() - REOPEN_WITHIN
        and not Payment.objects.filter(stripe_checkout_session=attempt.session_id).exists()
    )


def _refuse_if_payment_processing(invoice, stripe_client):
    """A Bacs Direct Debit takes days to clear: don't let the school pay the same bill twice."""
    completed = StripeEvent.objects.filter(type="checkout.session.completed").values("object_id")
    paid = Payment.objects.filter(invoice=invoice).values("stripe_checkout_session")
    waiting = invoice.checkouts.filter(failed_at=None, session_id__in=completed).exclude(
        session_id__in=paid
    )
    for attempt in waiting:
        try:
            session = _fetch_session(stripe_client, attempt.session_id)
        except stripe.StripeError as error:
            raise BillingError(UNREACHABLE) from error
        if _session_state(session) == "processing":
            raise BillingError(
                f"A payment of £{attempt.amount:,.2f} made online on "
                f"{timezone.localtime(attempt.created_at):%d %B %Y} is still being processed. "
                "We will email a receipt when it clears, so there is no need to pay again."
            )


def _session_params(invoice, owed, attempt, customer):
    """Everything here follows from (invoice, attempt, amount, settings), so a retry with the
    same idempotency key sends the same request."""
    back = site_url(invoice_path(invoice.pk))
    metadata = {
        "invoice_id": str(invoice.pk),
        "invoice_number": invoice.number,
        "attempt": str(attempt),
    }
    params = {
        "mode": "payment",
        "client_reference_id": str(invoice.pk),
        "metadata": metadata,
        "payment_intent_data": {"description": f"Invoice {invoice.number}", "metadata": metadata},
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": pence(owed),
                    "product_data": {
                        "name": f"Invoice {invoice.number}",
                        "description": f"Balance due from {invoice.account.name}",
                    },
                },
            }
        ],
        "payment_method_types": ["card", "bacs_debit"],
        "success_url": f"{back}?payment=complete",
        "cancel_url": back,
    }
    if customer:
        params["customer"] = customer
        params["payment_method_types"].append("customer_balance")
        params["payment_method_options"] = {
            "customer_balance": {
                "funding_type": "bank_transfer",
                "bank_transfer": {"type": "gb_bank_transfer"},
            }
        }
    return params


def stripe_customer(account, stripe_client):
    """The account's Stripe Customer (a UK bank transfer is paid into a customer's balance),
    made once and kept on the account."""
    if account.stripe_customer_id:
        return account.stripe_customer_id
    try:
        customer = stripe_client.v1.customers.create(
            {"name": account.name[:250], "metadata": {"account_id": str(account.pk)}},
            {"idempotency_key": f"cpd-account-{account.pk}-customer"},
        )
    except stripe.StripeError as error:
        log.warning("Stripe refused a Customer for %s: %s", account, error)
        raise BillingError(UNREACHABLE) from error
    Account.objects.filter(pk=account.pk, stripe_customer_id="").update(
        stripe_customer_id=customer.id
    )
    account.refresh_from_db(fields=["stripe_customer_id"])
    return account.stripe_customer_id


# --- what a session says -------------------------------------------------------------------------


def _fetch_session(stripe_client, session_id):
    return stripe_client.v1.checkout.sessions.retrieve(session_id, {"expand": SESSION_EXPAND})


def _field(obj, name):
    """A field of a Stripe object; None if it is missing, or `obj` is only an id."""
    if isinstance(obj, stripe.StripeObject) and name in obj:
        return obj[name]
    return None


def _id_of(obj):
    """The id of a Stripe object, expanded or not."""
    return obj if isinstance(obj, str) else _field(obj, "id")


def _session_state(session):
    """What a session says now: paid; processing (a Bacs Direct Debit clearing); failed;
    awaiting (e.g. a bank transfer not yet received); or open (not completed, or expired)."""
    if _field(session, "payment_status") in ("paid", "no_payment_required"):
        return "paid"
    if _field(session, "status") != "complete":
        return "open"
    intent_status = _field(_field(session, "payment_intent"), "status")
    if intent_status in ("requires_payment_method", "canceled"):
        return "failed"
    if intent_status == "processing":
        return "processing"
    return "awaiting"


def _apply_session(session):
    """Bring our records in line with a (re-fetched) Checkout Session. Inside a transaction."""
    invoice_id = parse_int(str(_field(_field(session, "metadata"), "invoice_id") or ""))
    invoice = Invoice.objects.filter(pk=invoice_id).first() if invoice_id else None
    if invoice is None:
        log.info("Checkout Session %s is not for one of our invoices", session.id)
        return "not ours"
    state = _session_state(session)
    if state == "paid":
        return _record_session_payment(session, invoice)
    if state == "failed":
        return _mark_failed(session)
    return state


def _record_session_payment(session, invoice):
    if _field(session, "currency") != "gbp":
        log.error("Checkout Session %s for %s is not in GBP", session.id, invoice)
        return "not applied"
    intent = _field(session, "payment_intent")
    intent_id = _id_of(intent) or ""
    method_type = _field(_field(intent, "payment_method"), "type")
    try:
        services.record_payment(
            invoice,
            pounds(session["amount_total"]),
            method=METHODS.get(method_type, Payment.Method.CARD),
            reference=f"Stripe {intent_id or session.id}",
            stripe_checkout_session=session.id,
            stripe_payment_intent=intent_id,
        )
    except BillingError as refusal:
        # e.g. the invoice was voided after the school paid: finance must sort it out by hand.
        log.error("Stripe payment %s for %s not applied: %s", session.id, invoice, refusal)
        return "not applied"
    _apply_refunds_known_at_payment(session)
    return "paid"


def _refunded_in_stripe(session):
    """The session's charge, if Stripe has refunded any of it already; else None."""
    charge = _field(_field(session, "payment_intent"), "latest_charge")
    return charge if (_field(charge, "amount_refunded") or 0) > 0 else None


def _apply_refunds_known_at_payment(session):
    """A charge.refunded delivered before the payment found nothing to apply to; the charge,
    re-read with the session, brings that refund in now."""
    charge = _refunded_in_stripe(session)
    if charge is not None:
        _apply_refunds(charge)


def _mark_failed(session):
    attempt = CheckoutAttempt.objects.select_for_update().filter(session_id=session.id).first()
    if attempt is None:
        return "failed"
    if attempt.failed_at is None:
        attempt.failed_at = timezone.now()
        attempt.save(update_fields=["failed_at"])
        tasks.send_checkout_failed.delay_on_commit(attempt.pk)
    return "failed"


def _apply_refunds(charge):
    """Keep Payment.refunded at what Stripe says was refunded. It only ever goes up: a stale
    re-fetch must not undo a later refund. The invoice's status is never touched."""
    intent_id = _id_of(_field(charge, "payment_intent"))
    payment = (
        Payment.objects.select_for_update().filter(stripe_payment_intent=intent_id).first()
        if intent_id
        else None
    )
    if payment is None:
        # Not ours, or ours but not recorded yet: recording the payment re-reads the charge.
        log.info("Refunded charge %s is not one of our recorded payments", charge.id)
        return "not ours"
    refunded = min(pounds(_field(charge, "amount_refunded") or 0), payment.amount)
    if refunded > payment.refunded:
        payment.refunded = refunded
        payment.save(update_fields=["refunded"])
    # A refund made in Stripe's dashboard has no credit note: the ledger no longer balances.
    by_credit_notes = total(
        CreditNote.objects.filter(
            invoice=payment.invoice_id, settlement=CreditNote.Settlement.STRIPE_REFUND
        ),
        "returned",
    )
    refunded_in_stripe = total(Payment.objects.filter(invoice=payment.invoice_id), "refunded")
    if refunded_in_stripe > by_credit_notes:
        tasks.send_refund_alert.delay_on_commit(payment.pk, str(refunded_in_stripe))
    return "refund recorded"


# --- the webhook ---------------------------------------------------------------------------------


def handle_webhook(payload, signature):
    """Verify, store and apply one webhook delivery. Returns what was done, for the log."""
    if not configured() or not settings.STRIPE_WEBHOOK_SECRET:
        log.error("A Stripe webhook arrived but Stripe is not configured")
        raise WebhookFailed("Stripe is not configured")
    stripe_client = client()
    try:
        event = stripe_client.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=WEBHOOK_TOLERANCE
        )
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise WebhookRefused(str(error)) from error
    if StripeEvent.objects.filter(event_id=event.id).exists():
        return "duplicate"
    obj = event.data.object
    object_id = _id_of(obj) or ""
    try:
        current = _refetch(stripe_client, event.type, object_id)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    StripeEvent.objects.create(
                        event_id=event.id, type=event.type, object_id=object_id
                    )
            except IntegrityError:
                return "duplicate"  # the same event, delivered twice at once
            return _act(event.type, current)
    except stripe.InvalidRequestError as error:
        if error.http_status != 404:
            log.warning("Stripe event %s not processed: %s", event.id, error)
            raise WebhookFailed(str(error)) from error
        # The object is not in this Stripe account (or mode): nothing will ever apply it.
        log.warning("Stripe event %s is for %s, which Stripe does not know", event.id, object_id)
        StripeEvent.objects.get_or_create(
            event_id=event.id, defaults={"type": event.type, "object_id": object_id}
        )
        return "unknown object"
    except (stripe.StripeError, DatabaseError) as error:
        log.warning("Stripe event %s not processed; Stripe will retry: %s", event.id, error)
        raise WebhookFailed(str(error)) from error


def _refetch(stripe_client, event_type, object_id):
    """The event's object as Stripe holds it now; events can be stale or out of order."""
    if event_type in SESSION_EVENTS:
        return _fetch_session(stripe_client, object_id)
    if event_type == "charge.refunded":
        return stripe_client.v1.charges.retrieve(object_id)
    return None


def _act(event_type, current):
    if event_type in SESSION_EVENTS:
        return _apply_session(current)
    if event_type == "charge.refunded":
        return _apply_refunds(current)
    return "stored"


# --- reconciliation ------------------------------------------------------------------------------


@dataclass
class ReconcileReport:
    checked: int = 0
    paid: int = 0
    failed: int = 0
    refunds: int = 0

    def __str__(self):
        return (
            f"{self.checked} Checkout Session(s) checked: {self.paid} missed payment(s) applied, "
            f"{self.failed} failed payment(s) marked, {self.refunds} missed refund(s) recorded."
        )


def reconcile_checkouts(*, days=RECONCILE_DAYS):
    """Apply any recent completed session whose webhook we missed. Safe to run at any time:
    record_payment pays a session once however often it is told."""
    stripe_client = client()
    since = int((timezone.now() - timedelta(days=days)).timestamp())
    sessions = stripe_client.v1.checkout.sessions.list(
        {
            "created": {"gte": since},
            "status": "complete",
            "limit": 100,
            "expand": [f"data.{field}" for field in SESSION_EXPAND],
        }
    )
    report = ReconcileReport()
    for session in sessions.auto_paging_iter():
        if not _field(_field(session, "metadata"), "invoice_id"):
            continue
        report.checked += 1
        state = _session_state(session)
        payment = Payment.objects.filter(stripe_checkout_session=session.id).first()
        if state == "paid" and payment is not None:
            if _missed_refund(session, payment):
                with transaction.atomic():
                    _apply_refunds(_refunded_in_stripe(session))
                report.refunds += 1
            continue
        if (
            state == "failed"
            and CheckoutAttempt.objects.filter(
                session_id=session.id, failed_at__isnull=False
            ).exists()
        ):
            continue
        with transaction.atomic():
            outcome = _apply_session(session)
        if outcome == "paid":
            report.paid += 1
            report.refunds += _refunded_in_stripe(session) is not None
        elif outcome == "failed":
            report.failed += 1
    return report


def _missed_refund(session, payment):
    charge = _refunded_in_stripe(session)
    return charge is not None and pounds(charge["amount_refunded"]) > payment.refunded


# --- refunds -------------------------------------------------------------------------------------


def refundable_payment(note, *, lock=False):
    """The card payment on the note's invoice that can take the note's returned money back:
    the latest with enough of it not yet refunded."""
    payments = (
        Payment.objects.filter(invoice=note.invoice_id, method=Payment.Method.CARD)
        .exclude(stripe_payment_intent="")
        .order_by("-received_on", "-pk")
    )
    if lock:
        payments = payments.select_for_update()
    return next((p for p in payments if p.amount - p.refunded >= note.returned), None)


def check_refundable(note, *, lock=False):
    """(payment, account) to refund `note` through, or BillingError saying why not. With
    `lock`, inside a transaction, the rows stay locked until it ends."""
    if note.settlement == CreditNote.Settlement.STRIPE_REFUND or note.stripe_refund_id:
        raise BillingError(f"{note.number} has already been refunded to the card.")
    if note.returned <= 0 or note.settlement != CreditNote.Settlement.ACCOUNT_CREDIT:
        raise BillingError(
            f"{note.number} reduced what was owed on {note.invoice.number}; no money was paid "
            "back, so there is nothing to refund."
        )
    # The payment is locked before Stripe is asked, so the charge.refunded webhook waits for us.
    payment = refundable_payment(note, lock=lock)
    if payment is None:
        raise BillingError(
            f"{note.invoice.number} has no card payment made online with "
            f"£{note.returned:,.2f} left to refund, so {note.number} cannot be refunded to a "
            "card. Keep it as account credit or pay it back by BACS."
        )
    accounts = Account.objects.select_for_update() if lock else Account.objects
    account = accounts.get(pk=note.account_id)
    credit = services.spendable(account)
    if credit < note.returned:
        raise BillingError(
            f"{account.name} has only £{max(credit, ZERO):,.2f} of account credit left (some was "
            f"used on later invoices), less than the £{note.returned:,.2f} {note.number} returned."
        )
    return payment, account


def refund_credit_note(note, *, by=None):
    """Refund to the card what a credit note returned (held until now as account credit).
    Idempotent at Stripe by the credit note's id; refuses clearly when it cannot be done."""
    stripe_client = client()
    with transaction.atomic():
        note = CreditNote.objects.select_for_update().select_related("invoice").get(pk=note.pk)
        payment, account = check_refundable(note, lock=True)
        try:
            refund = stripe_client.v1.refunds.create(
                {
                    "payment_intent": payment.stripe_payment_intent,
                    "amount": pence(note.returned),
                    "reason": "requested_by_customer",
                    "metadata": {"credit_note_id": str(note.pk), "credit_note": note.number},
                },
                {"idempotency_key": f"cpd-credit-note-{note.pk}-refund"},
            )
        except stripe.StripeError as error:
            log.warning("Stripe refused a refund for %s: %s", note, error)
            raise BillingError(
                f"Stripe did not accept the refund: {error.user_message or error}"
            ) from error
        if _field(refund, "status") in ("failed", "canceled"):
            raise BillingError(f"Stripe could not refund {note.number} ({refund.status}).")
        note.stripe_refund_id = refund.id
        note.settlement = CreditNote.Settlement.STRIPE_REFUND
        note.save(update_fields=["stripe_refund_id", "settlement"])
        payment.refunded += note.returned
        payment.save(update_fields=["refunded"])
        services.take_credit(
            account,
            note.returned,
            CreditEntry.Kind.REFUNDED,
            # From what this credit note gave back first.
            first=CreditEntry.objects.filter(credit_note=note, kind="return")
            .order_by("pk")
            .values_list("lot", flat=True),
            credit_note=note,
            payment=payment,
            note=f"{note.number} refunded to the card ({refund.id})",
            created_by=by,
        )
    return note
