"""Payments: money received against an invoice (by card through Stripe, or keyed in from a BACS
remittance or a cheque), a remittance shared across several invoices, and the checks a keyed-in
payment passes first."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ..models import ZERO, CreditEntry, Invoice, Payment, Remittance
from .accounts import _lock
from .credit import open_lot
from .errors import BillingError, long_date
from .invoicing import _refresh_status, outstanding
from .money import _decimal, money

# A date keyed from a remittance or a cheque must be one finance could have banked: not in the
# future, not more than a year ago, and not long before the invoice it pays was issued (a school
# may pay from the booking confirmation a few days before the invoice reaches it).
KEYED_PAYMENT_MAX_AGE = timedelta(days=365)


PAID_BEFORE_ISSUE = timedelta(days=14)


def check_received_on(received_on, invoices=(), *, today=None):
    """Refuse a keyed-in received date outside the window, with the reason."""
    today = today or timezone.localdate()
    if received_on > today:
        raise BillingError(
            f"A payment cannot be received in the future: {long_date(received_on)} is after "
            f"today, {long_date(today)}."
        )
    if received_on < today - KEYED_PAYMENT_MAX_AGE:
        raise BillingError(
            f"{long_date(received_on)} is more than a year ago: check the date on the "
            "remittance or cheque."
        )
    for invoice in invoices:
        if received_on < invoice.issued_on - PAID_BEFORE_ISSUE:
            raise BillingError(
                f"{long_date(received_on)} is before {invoice.number} was issued "
                f"({long_date(invoice.issued_on)}): check the date on the remittance or cheque."
            )


def _pounds_and_pence(amount):
    amount = _decimal(amount)  # a float is refused, even one that looks like pence
    if amount != money(amount) or amount <= 0:
        raise BillingError("Enter an amount in pounds and pence, more than £0.00.")
    return amount


def _check_payable(invoice, amount):
    """A keyed-in payment pays what is owed on an open invoice, no more (a larger remittance is
    allocated, and its remainder held as credit, with record_remittance)."""
    if invoice.status == Invoice.Status.PAID:
        raise BillingError(f"{invoice.number} is paid in full: it takes no more payments.")
    owed = outstanding(invoice)
    if amount > owed:
        raise BillingError(
            f"£{amount:,.2f} is more than the £{owed:,.2f} still owed on {invoice.number}. "
            "If the remittance was for more, allocate it across the account's invoices "
            "(Allocate a remittance): what is left over is held as account credit."
        )


def record_payment(
    invoice,
    amount,
    *,
    method,
    received_on=None,
    reference="",
    by=None,
    stripe_checkout_session=None,
    stripe_payment_intent="",
):
    """Apply money received to an invoice. Part payments are fine; an overpayment is held as
    account credit. A Stripe Checkout Session pays once however often it is reported."""
    # deferred: billing.tasks imports this package (through emails and pdf), a cycle at import
    from .. import tasks

    amount = _pounds_and_pence(amount)
    received_on = received_on or timezone.localdate()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
            raise BillingError("Payments can only be recorded against an issued invoice.")
        if stripe_checkout_session:
            existing = Payment.objects.filter(
                stripe_checkout_session=stripe_checkout_session
            ).first()
            if existing:
                return existing
        if method in Payment.KEYED_METHODS:
            # Stripe's money has already arrived and an excess is held as credit; a keyed-in
            # payment is checked, since a slip of the keyboard is more likely than a gift.
            check_received_on(received_on, [invoice])
            _check_payable(invoice, amount)
        applied = min(amount, max(outstanding(invoice), ZERO))
        payment = Payment.objects.create(
            account=invoice.account,
            invoice=invoice,
            method=method,
            amount=amount,
            applied=applied,
            reference=reference[:120],
            received_on=received_on,
            recorded_by=by,
            stripe_checkout_session=stripe_checkout_session,
            stripe_payment_intent=stripe_payment_intent or "",
        )
        if amount > applied:
            open_lot(
                invoice.account,
                CreditEntry.Kind.OVERPAYMENT,
                amount - applied,
                payment=payment,
                invoice=invoice,
                note=f"Overpayment of {invoice.number}",
                created_by=by,
            )
        _refresh_status(invoice)
        tasks.send_receipt.delay_on_commit(payment.pk)
    return payment


def payable_invoices(account):
    """The account's invoices still to pay, oldest first, each with `owed`."""
    invoices = list(
        Invoice.objects.filter(
            account=account, status__in=[Invoice.Status.ISSUED, Invoice.Status.PART_PAID]
        ).order_by("issued_on", "number")
    )
    for invoice in invoices:
        invoice.owed = outstanding(invoice)
    return [i for i in invoices if i.owed > 0]


def oldest_first(amount, invoices):
    """How `amount` would pay `invoices` (each with `owed`), oldest first: {invoice pk: share}."""
    left = money(amount)
    shares = {}
    for invoice in invoices:
        share = max(min(left, invoice.owed), ZERO)
        shares[invoice.pk] = share
        left -= share
    return shares


def record_remittance(account, amount, allocations, *, method, received_on, reference="", by=None):
    """One receipt that pays several invoices of `account`: `allocations` are (invoice, share)
    pairs, each share a Payment linked to the Remittance; what is not allocated is held as
    account credit, as an overpayment is. Any bad figure refuses the lot and writes nothing."""
    # deferred: billing.tasks imports this package (through emails and pdf), a cycle at import
    from .. import tasks

    amount = _pounds_and_pence(amount)
    if method not in Payment.KEYED_METHODS:
        raise BillingError("A remittance is money received by BACS or cheque.")
    reference = reference.strip()[:120]
    shares = []
    for invoice, share in allocations:
        share = _decimal(share or ZERO)
        if share < 0 or share != money(share):
            raise BillingError(
                f"Allocate pounds and pence, £0.00 or more, to {invoice.number or 'an invoice'}."
            )
        if share > 0:
            shares.append((invoice.pk, share))
    if len({pk for pk, _ in shares}) != len(shares):
        raise BillingError("Allocate to each invoice once.")
    allocated = sum((share for _, share in shares), ZERO)
    if allocated > amount:
        raise BillingError(f"£{allocated:,.2f} is allocated but only £{amount:,.2f} was received.")
    with transaction.atomic():
        (account,) = _lock([account.pk])  # account, then its invoices: as settlement locks
        invoices = Invoice.objects.select_for_update().in_bulk([pk for pk, _ in shares])
        for pk, share in shares:
            invoice = invoices.get(pk)
            if invoice is None or invoice.account_id != account.pk:
                raise BillingError(
                    f"{invoice.number if invoice else 'That invoice'} is not one of "
                    f"{account.name}'s invoices."
                )
            if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
                raise BillingError(f"{invoice} is {invoice.get_status_display().lower()}.")
            _check_payable(invoice, share)
        check_received_on(received_on, invoices.values())
        if (
            reference
            and Remittance.objects.filter(
                account=account, reference=reference, amount=amount
            ).exists()
        ):
            raise BillingError(
                f"£{amount:,.2f} with reference '{reference}' is already recorded for "
                f"{account.name}."
            )
        remittance = Remittance.objects.create(
            account=account,
            method=method,
            amount=amount,
            allocated=allocated,
            held_as_credit=amount - allocated,
            reference=reference,
            received_on=received_on,
            recorded_by=by,
        )
        for pk, share in shares:
            invoice = invoices[pk]
            payment = Payment.objects.create(
                account=account,
                invoice=invoice,
                remittance=remittance,
                method=method,
                amount=share,
                applied=share,
                reference=reference,
                received_on=received_on,
                recorded_by=by,
            )
            _refresh_status(invoice)
            tasks.send_receipt.delay_on_commit(payment.pk)
        if remittance.held_as_credit > 0:
            open_lot(
                account,
                CreditEntry.Kind.OVERPAYMENT,
                remittance.held_as_credit,
                remittance=remittance,
                note=f"Unallocated from remittance {reference or remittance.pk}",
                created_by=by,
            )
    return remittance
