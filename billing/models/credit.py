"""The account credit ledger: every movement of credit, in lots, and each extension of a lot's
use-by date."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .accounts import Account
from .documents import CreditNote, Invoice
from .fields import ZERO, money_field
from .packages import AccountPackage
from .payments import Payment, Remittance


class CreditEntry(models.Model):
    """The credit ledger: every top-up, draw and return of an account's credit. The balance is
    the sum, and never goes below zero (checked under the account's row lock).

    Credit is kept in lots. A top-up (a package, an overpayment, a return, an adjustment up)
    opens a lot and names itself as its `lot`; every later movement names the lot it takes
    from or gives back to. A package's lot has a `use_by` date: credit is spent soonest-to-
    expire first, and what is left in a lot after its date, not reserved for a place, expires.
    A draw not yet on an invoice is a reservation; on an invoice it is spent."""

    class Kind(models.TextChoices):
        PACKAGE = "package", "Package credit"
        DRAW = "draw", "Drawn for a place"
        RELEASE = "release", "Returned: place not charged"
        RETURN = "return", "Returned by credit note"
        OVERPAYMENT = "overpayment", "Overpayment held as credit"
        APPLIED = "applied", "Applied to an invoice"
        REFUNDED = "refunded", "Refunded to the card"
        ADJUSTMENT = "adjustment", "Adjustment by finance"
        EXPIRED = "expired", "Expired unused"
        REINSTATED = "reinstated", "Reinstated: use-by date extended"

    # Kinds that open a lot of their own.
    OPENS_A_LOT = (Kind.PACKAGE, Kind.OVERPAYMENT, Kind.RETURN, Kind.ADJUSTMENT)

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credit_entries")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = money_field()
    enrolment = models.ForeignKey(
        "bookings.Enrolment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when a draw for a place is applied to that place's invoice.
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_entries"
    )
    credit_note = models.ForeignKey(
        CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    remittance = models.ForeignKey(
        Remittance, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    use_by = models.DateField(
        "Use by", null=True, blank=True, help_text="The last day this lot's credit can be spent."
    )
    account_package = models.ForeignKey(
        AccountPackage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    # Credit from a single-purpose voucher, and its draws and returns: VAT was paid on it when
    # sold, so it pays standard-rated places' net price only, and is kept apart from the rest.
    single_purpose = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "credit entries"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="credit_entry_not_zero"),
            models.CheckConstraint(
                condition=Q(kind__in=["draw", "applied", "refunded", "expired"], amount__lt=0)
                | Q(
                    kind__in=["package", "release", "return", "overpayment", "reinstated"],
                    amount__gt=0,
                )
                | Q(kind="adjustment"),
                name="credit_entry_sign_matches_kind",
            ),
            # Only a package's lot expires, and its date is on the lot itself.
            models.CheckConstraint(
                condition=Q(use_by__isnull=True) | Q(kind="package"),
                name="only_package_credit_has_a_use_by_date",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: £{self.amount}"


class CreditExtension(models.Model):
    """Finance moved a lot's use-by date later: who, when, why, and from what to what."""

    lot = models.ForeignKey(CreditEntry, on_delete=models.PROTECT, related_name="extensions")
    was = models.DateField()
    now = models.DateField()
    reinstated = money_field(default=ZERO, help_text="Credit that had expired and came back.")
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(now__gt=F("was")), name="extension_is_later"),
            models.CheckConstraint(condition=~Q(reason=""), name="extension_has_a_reason"),
        ]

    def __str__(self):
        return f"{self.lot}: use by {self.was} → {self.now}"
