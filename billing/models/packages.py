"""Packages (a discount, or prepaid credit sold as a voucher) and the packages accounts hold."""

from django.db import models
from django.db.models import F, Q

from .accounts import Account
from .fields import ZERO, money_field


class Package(models.Model):
    """An annual package a school or consortium buys: a discount, or prepaid credit.

    Prepaid credit is a voucher in VAT law (VAT Act 1994 Schedule 10B; docs/vat.md): a
    multi-purpose voucher carries no VAT when sold and each place it pays for carries its
    course's VAT; a single-purpose voucher (standard-rated courses only) carries VAT when sold
    and none when it pays for a place. A discount is not a voucher."""

    class Kind(models.TextChoices):
        DISCOUNT = "discount", "Discount on every place"
        CREDITS = "credits", "Prepaid credit"

    class VoucherType(models.TextChoices):
        MULTI = "multi", "Multi-purpose voucher: VAT on each place it pays for"
        SINGLE = "single", "Single-purpose voucher: VAT when sold, standard-rated courses only"

    name = models.CharField(max_length=60, unique=True, help_text="e.g. Bronze, Silver, Gold")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    price = money_field(help_text="What the package costs, before VAT.")
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    credit_amount = money_field(help_text="Prepaid credit, in pounds, that places draw on.")
    nominal_code = models.CharField(
        max_length=20,
        default="4190-PKG",
        help_text="The ledger code the package's sale is posted to, as a strand's code is for "
        "its courses.",
    )
    voucher_type = models.CharField(
        "VAT treatment of the credit",
        max_length=6,
        choices=VoucherType.choices,
        default=VoucherType.MULTI,
        blank=True,
        help_text="Prepaid credit only. Multi-purpose (the default) if the credit may buy any "
        "course; single-purpose only if it can buy standard-rated courses alone.",
    )

    class Meta:
        ordering = ["price"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="credits", voucher_type__in=["multi", "single"])
                | Q(kind="discount", voucher_type=""),
                name="only_credit_is_a_voucher",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="discount", discount_percent__gt=0, discount_percent__lte=100)
                    | Q(kind="credits", credit_amount__gt=0)
                ),
                name="package_gives_something",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="package_price_not_negative"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # A discount is not a voucher: it never keeps the field's default.
        if self.kind == Package.Kind.DISCOUNT:
            self.voucher_type = ""
        elif not self.voucher_type:
            self.voucher_type = Package.VoucherType.MULTI
        super().save(*args, **kwargs)

    @property
    def is_single_purpose(self):
        return self.kind == Package.Kind.CREDITS and self.voucher_type == "single"

    @property
    def vat_explained(self):
        """The package's VAT treatment in plain words, for finance officers."""
        if self.kind == Package.Kind.DISCOUNT:
            return (
                "A discount, not a voucher: the package is charged VAT at the standard rate "
                "when sold and counts as income then; places booked under it carry their "
                "course's VAT on the discounted price."
            )
        if self.is_single_purpose:
            return (
                "Single-purpose voucher (VAT Act 1994 Sch 10B para 4): VAT at 20% is charged "
                "when the package is sold. The credit pays only for standard-rated places, "
                "at their price before VAT; those places carry no further VAT. Other places "
                "are invoiced as usual. The money is deferred income until a place is charged."
            )
        return (
            "Multi-purpose voucher (VAT Act 1994 Sch 10B para 7): no VAT when the package is "
            "sold (outside the scope of VAT). Each place it pays for is invoiced with its "
            "course's VAT (standard, zero or exempt) and the credit pays the place's total. "
            "The money is deferred income until a place is charged."
        )

    vat_explained.fget.short_description = "VAT treatment, in plain words"


class AccountPackage(models.Model):
    """One account's package for a period (usually an academic year)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="packages")
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="package_period_ordered"
            )
        ]

    def __str__(self):
        return f"{self.package} for {self.account} from {self.starts_on}"
