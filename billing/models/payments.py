"""Money received: remittances, payments (BACS, cheque, card, credit), and Stripe's Checkout
attempts and the webhook events already applied."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round

from .accounts import Account
from .documents import Invoice
from .fields import money_field


class Remittance(models.Model):
    """One receipt (a BACS remittance, a cheque) that pays several invoices of one account.
    Each invoice's share is a Payment linked here; what is left unallocated is held as
    account credit, so allocated + held_as_credit is always the amount received."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="remittances")
    method = models.CharField(max_length=14)
    amount = money_field(help_text="What was received.")
    allocated = money_field(help_text="What was allocated to invoices.")
    held_as_credit = money_field(help_text="What was left over, held as account credit.")
    reference = models.CharField(max_length=120, blank=True)
    received_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="remittance_positive"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0, held_as_credit__gte=0)
                & Q(allocated__lte=F("amount"))
                & Q(amount=Round(F("allocated") + F("held_as_credit"), 2)),
                name="remittance_allocations_within_amount",
            ),
        ]

    def __str__(self):
        return f"£{self.amount} remittance {self.reference or self.pk}"


class Payment(models.Model):
    """Money received against an invoice. `applied` is what settled the invoice; any excess
    (an overpayment) is held as account credit."""

    class Method(models.TextChoices):
        CARD = "card", "Card (Stripe)"
        BACS_DEBIT = "bacs_debit", "Bacs Direct Debit (Stripe)"
        BANK_TRANSFER = "bank_transfer", "Bank transfer (Stripe)"
        BACS = "bacs", "BACS remittance"
        CHEQUE = "cheque", "Cheque"
        CREDIT = "credit", "Prepaid or account credit"

    STRIPE_METHODS = (Method.CARD, Method.BACS_DEBIT, Method.BANK_TRANSFER)
    # Keyed in by finance from a remittance or a cheque: dates and amounts are checked.
    KEYED_METHODS = (Method.BACS, Method.CHEQUE)

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payments")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=14, choices=Method.choices)
    amount = money_field(help_text="What was received.")
    applied = money_field(help_text="What settled the invoice; the rest is account credit.")
    refunded = money_field()
    reference = models.CharField(max_length=120, blank=True)
    received_on = models.DateField()
    stripe_checkout_session = models.CharField(max_length=80, unique=True, null=True, blank=True)
    stripe_payment_intent = models.CharField(max_length=80, blank=True)
    # Set when this payment is one invoice's share of a remittance.
    remittance = models.ForeignKey(
        Remittance, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=Q(applied__gte=0, applied__lte=F("amount")),
                name="payment_applied_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(refunded__gte=0, refunded__lte=F("amount")),
                name="payment_refund_within_amount",
            ),
            # A remittance's share of an invoice is all applied: any excess is the
            # remittance's, held as credit there.
            models.CheckConstraint(
                condition=Q(remittance__isnull=True) | Q(applied=F("amount")),
                name="remittance_share_applied_in_full",
            ),
        ]

    def __str__(self):
        return f"£{self.amount} by {self.get_method_display()}"


class CheckoutAttempt(models.Model):
    """One "Pay online" click: a Stripe Checkout Session for the balance at that moment."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="checkouts")
    attempt = models.PositiveIntegerField()
    amount = money_field()
    session_id = models.CharField(max_length=80, unique=True)
    url = models.URLField(max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "attempt"], name="one_checkout_per_attempt")
        ]

    def __str__(self):
        return f"{self.invoice} attempt {self.attempt}"


class StripeEvent(models.Model):
    """Each webhook event, stored by Stripe's id in the same transaction that acts on it, so a
    redelivered event finds itself here and does nothing."""

    event_id = models.CharField(max_length=80, unique=True)
    type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=80, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"
