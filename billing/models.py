"""Who pays what. Money is Decimal pounds to the penny; VAT is worked out per line, half-up.

Issued invoices and credit notes are never edited: a correction is a new credit note. The
services in billing/services.py are the only writers."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from core.private_storage import private_storage

from .addresses import PostalAddress

ZERO = Decimal("0.00")

# "gross = net + VAT" is checked with ROUND(…, 2): exact on PostgreSQL's numeric, and on
# SQLite, which keeps decimals as binary floats, it still compares like for like.
PENNY = Decimal("0.01")


def money_field(**kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(max_digits=10, decimal_places=2, **kwargs)


class PriceBand(models.Model):
    """Who pays which price: partner-area maintained schools, partner academies, out of area,
    independent and others. A band prices a course at a percentage of its list price unless the
    course or the run names a fixed price for the band."""

    class Code(models.TextChoices):
        PARTNER_MAINTAINED = "partner_maintained", "Partner-area LA-maintained schools"
        PARTNER_ACADEMY = "partner_academy", "Partner-area academies"
        OUT_OF_AREA = "out_of_area", "Out-of-area schools"
        INDEPENDENT = "independent", "Independent schools and others"

    # The starting percentages; finance can change them in the admin.
    DEFAULT_PERCENT = {
        Code.PARTNER_MAINTAINED: Decimal("100.00"),
        Code.PARTNER_ACADEMY: Decimal("110.00"),
        Code.OUT_OF_AREA: Decimal("125.00"),
        Code.INDEPENDENT: Decimal("150.00"),
    }

    code = models.CharField(max_length=20, choices=Code.choices, unique=True)
    name = models.CharField(max_length=80)
    percent_of_list_price = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("100.00"),
        help_text="A course's price for this band, as a percentage of its list price.",
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_of_list_price__gte=0), name="band_percent_not_negative"
            )
        ]

    def __str__(self):
        return self.name


class CourseBandPrice(models.Model):
    """A course's fixed price for one band, instead of the band's percentage."""

    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="band_prices"
    )
    band = models.ForeignKey(PriceBand, on_delete=models.PROTECT, related_name="+")
    price = money_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "band"], name="one_course_price_per_band"),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="course_band_price_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.course} — {self.band}: £{self.price}"


class RunBandPrice(models.Model):
    """One run's price for one band, overriding the course's."""

    run = models.ForeignKey(
        "courses.CourseRun", on_delete=models.CASCADE, related_name="band_prices"
    )
    band = models.ForeignKey(PriceBand, on_delete=models.PROTECT, related_name="+")
    price = money_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "band"], name="one_run_price_per_band"),
            models.CheckConstraint(condition=Q(price__gte=0), name="run_band_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.run.reference} — {self.band}: £{self.price}"


class Account(models.Model):
    """Whoever receives invoices and holds credit: a school, a trust billed centrally for its
    academies, or a consortium with a shared budget."""

    class Kind(models.TextChoices):
        SCHOOL = "school", "School"
        TRUST = "trust", "Trust"
        CONSORTIUM = "consortium", "Consortium"

    class Invoicing(models.TextChoices):
        PER_BOOKING = "per_booking", "An invoice for each booking"
        MONTHLY = "monthly", "A monthly statement invoice"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    school = models.OneToOneField(
        "accounts.School", null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    trust = models.OneToOneField(
        "accounts.Trust", null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    consortium = models.OneToOneField(
        "accounts.Consortium",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
    )
    invoicing = models.CharField(
        max_length=12, choices=Invoicing.choices, default=Invoicing.PER_BOOKING
    )
    price_band = models.ForeignKey(
        PriceBand,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Leave blank to work the band out from the school's area and type.",
    )
    reminders_paused = models.BooleanField(
        "payment reminders paused", default=False, help_text="Finance can pause overdue reminders."
    )
    stripe_customer_id = models.CharField(max_length=40, blank=True)

    # Where invoices and credit notes go. A school's account left blank uses the school's
    # address from GIAS; a trust or consortium has no register address and needs its own.
    contact_name = models.CharField("billing contact", max_length=120, blank=True)
    contact_email = models.EmailField("billing contact email", blank=True)
    address_line_1 = models.CharField(max_length=100, blank=True)
    address_line_2 = models.CharField(max_length=100, blank=True)
    address_line_3 = models.CharField(max_length=100, blank=True)
    town = models.CharField(max_length=100, blank=True)
    county = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)

    ADDRESS_FIELDS = (
        "address_line_1",
        "address_line_2",
        "address_line_3",
        "town",
        "county",
        "postcode",
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="school", school__isnull=False, trust__isnull=True)
                    & Q(consortium__isnull=True)
                )
                | (
                    Q(kind="trust", trust__isnull=False, school__isnull=True)
                    & Q(consortium__isnull=True)
                )
                | (
                    Q(kind="consortium", consortium__isnull=False, school__isnull=True)
                    & Q(trust__isnull=True)
                ),
                name="account_is_one_party",
            )
        ]

    def __str__(self):
        return str(self.party.name)

    @property
    def party(self):
        return self.school or self.trust or self.consortium

    @property
    def name(self):
        return self.party.name

    @property
    def has_own_address(self):
        return any(getattr(self, f).strip() for f in self.ADDRESS_FIELDS)

    @property
    def address_is_the_schools(self):
        """Whether documents go to the school's GIAS address, the account having none."""
        return self.school_id is not None and not self.has_own_address

    @property
    def billing_address(self):
        if self.address_is_the_schools:
            s = self.school
            return PostalAddress.of(
                (s.street, s.locality, s.address3), s.town, s.county, s.postcode
            )
        return PostalAddress.of(
            (self.address_line_1, self.address_line_2, self.address_line_3),
            self.town,
            self.county,
            self.postcode,
        )

    def address_block(self):
        """The addressee block as printed: the account's name, then its address."""
        return "\n".join([self.name, *self.billing_address.printed()])


class BilledTo(models.Model):
    """Who an issued document was addressed to, copied at issue: a later change to the
    account's address never alters a document already sent (or its re-rendered PDF)."""

    billed_to = models.TextField(blank=True, help_text="Name and postal address, one per line.")
    billed_contact_name = models.CharField(max_length=120, blank=True)
    billed_contact_email = models.EmailField(blank=True)

    class Meta:
        abstract = True

    def address_to(self, account):
        self.billed_to = account.address_block()
        self.billed_contact_name = account.contact_name.strip()
        self.billed_contact_email = account.contact_email.strip()

    @property
    def billed_to_lines(self):
        return [line for line in self.billed_to.splitlines() if line.strip()]


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


class NumberSeries(models.Model):
    """The next number in a gapless series, e.g. CPD-2026. Taken under a row lock, in the same
    transaction as the document it numbers, so a rollback gives the number back."""

    prefix = models.CharField(max_length=20, unique=True)
    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "number series"

    def __str__(self):
        return f"{self.prefix} (next {self.next_number})"


class IssuedInvoiceChanged(Exception):
    """An issued invoice (or its lines) was about to be edited: corrections are credit notes."""


class Invoice(BilledTo):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"
        PART_PAID = "part_paid", "Part paid"
        PAID = "paid", "Paid"
        VOID = "void", "Void"

    number = models.CharField(max_length=24, unique=True, null=True, blank=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="invoices")
    booking = models.ForeignKey(
        "bookings.Booking", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    period = models.CharField(
        max_length=7, blank=True, help_text="YYYY-MM for a monthly statement invoice."
    )
    po_number = models.CharField("PO number", max_length=80, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    issued_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    net = money_field()
    vat = money_field()
    gross = money_field()
    pdf = models.FileField(upload_to="invoices/", blank=True, storage=private_storage)
    # A manual invoice: who raised it and why (settlement and package sales leave these blank).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField("Why raised by hand", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Once issued, only the status (paid, void…) and the stored PDF may change.
    FROZEN_ONCE_ISSUED = (
        "number",
        "account_id",
        "booking_id",
        "period",
        "po_number",
        "issued_on",
        "due_on",
        "net",
        "vat",
        "gross",
        "billed_to",
        "billed_contact_name",
        "billed_contact_email",
        "created_by_id",
        "reason",
    )

    class Meta:
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(number__isnull=False, issued_on__isnull=False, due_on__isnull=False),
                name="issued_invoice_is_numbered_and_dated",
            ),
            models.CheckConstraint(
                condition=Q(gross=Round(F("net") + F("vat"), 2)),
                name="invoice_gross_is_net_plus_vat",
            ),
            models.CheckConstraint(condition=Q(gross__gte=0), name="invoice_not_negative"),
        ]

    def __str__(self):
        return self.number or f"Draft invoice {self.pk}"

    def save(self, *args, update_fields=None, **kwargs):
        fields = (
            self.FROZEN_ONCE_ISSUED
            if update_fields is None
            else [self._meta.get_field(f).attname for f in update_fields]
        )
        self._check_not_edited(fields)
        super().save(*args, update_fields=update_fields, **kwargs)
        self._as_read = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}

    def delete(self, *args, **kwargs):
        if self._issued_as_read() or self.status != Invoice.Status.DRAFT:
            raise IssuedInvoiceChanged(
                f"{self} is issued and cannot be deleted; correct it with a credit note."
            )
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        invoice = super().from_db(db, field_names, values)
        # What was read, to refuse edits to an issued invoice without another query.
        invoice._as_read = dict(zip(field_names, values, strict=True))
        return invoice

    def _issued_as_read(self):
        return getattr(self, "_as_read", {}).get("status", Invoice.Status.DRAFT) != "draft"

    def _check_not_edited(self, fields):
        if not self._issued_as_read():
            return
        changed = [
            f
            for f in fields
            if f in self.FROZEN_ONCE_ISSUED and getattr(self, f) != self._as_read.get(f)
        ]
        if changed or self.status == Invoice.Status.DRAFT:
            raise IssuedInvoiceChanged(
                f"{self._as_read.get('number')} is issued and cannot be changed "
                f"({', '.join(changed) or 'back to draft'}); correct it with a credit note."
            )


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    enrolment = models.ForeignKey(
        "bookings.Enrolment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    package = models.ForeignKey(
        AccountPackage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=300)
    # standard, zero, exempt; outside_scope (a multi-purpose voucher sold); voucher_paid (a
    # place paid from a single-purpose voucher, whose VAT was accounted for when it was sold).
    vat_treatment = models.CharField(max_length=20)
    vat_rate = models.DecimalField(max_digits=4, decimal_places=3)
    net = money_field()
    vat = money_field()
    gross = money_field()
    nominal_code = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross=Round(F("net") + F("vat"), 2)), name="line_gross_is_net_plus_vat"
            ),
            models.CheckConstraint(condition=Q(net__gte=0, vat__gte=0), name="line_not_negative"),
        ]

    def __str__(self):
        return self.description

    def save(self, *args, **kwargs):
        self._refuse_unless_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_unless_draft()
        return super().delete(*args, **kwargs)

    def _refuse_unless_draft(self):
        if Invoice.objects.filter(pk=self.invoice_id).exclude(status=Invoice.Status.DRAFT).exists():
            raise IssuedInvoiceChanged(
                "The lines of an issued invoice cannot be changed; correct it with a credit note."
            )


class CreditNote(BilledTo):
    """A correction to an issued invoice: cancelled places, waived charges, a cancelled run."""

    class Settlement(models.TextChoices):
        REDUCES_BALANCE = "reduces_balance", "Reduces what is owed"
        ACCOUNT_CREDIT = "account_credit", "Kept as account credit"
        STRIPE_REFUND = "stripe_refund", "Refunded to the card"

    number = models.CharField(max_length=24, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credit_notes")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    issued_on = models.DateField()
    reason = models.CharField(max_length=200)
    net = money_field()
    vat = money_field()
    gross = money_field()
    settlement = models.CharField(
        max_length=16, choices=Settlement.choices, default=Settlement.REDUCES_BALANCE
    )
    # What was handed back because the invoice had already been paid: held as account credit,
    # or refunded to the card.
    returned = money_field()
    stripe_refund_id = models.CharField(max_length=40, blank=True)
    pdf = models.FileField(upload_to="credit-notes/", blank=True, storage=private_storage)
    # A credit note or void made by hand: who made it (settlement's are the service's own).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross=Round(F("net") + F("vat"), 2)),
                name="credit_gross_is_net_plus_vat",
            ),
            models.CheckConstraint(condition=Q(gross__gt=0), name="credit_note_positive"),
            models.CheckConstraint(
                condition=Q(returned__gte=0, returned__lte=F("gross")),
                name="credit_note_returns_at_most_its_value",
            ),
        ]

    def __str__(self):
        return self.number


class CreditNoteLine(models.Model):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(
        InvoiceLine, on_delete=models.PROTECT, related_name="credit_lines"
    )
    enrolment = models.ForeignKey(
        "bookings.Enrolment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=300)
    net = money_field()
    vat = money_field()
    gross = money_field()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross=Round(F("net") + F("vat"), 2)),
                name="credit_line_gross_is_net_plus_vat",
            ),
            models.CheckConstraint(condition=Q(net__gt=0, vat__gte=0), name="credit_line_positive"),
        ]

    def __str__(self):
        return self.description


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


@register_setting(icon="doc-full")
class BillingSettings(BaseGenericSetting):
    """What every invoice carries: the service's VAT number, bank details and terms."""

    payee = models.CharField(
        max_length=120, default="Haverleigh Council — School Improvement Service"
    )
    address = models.TextField(default="Civic Centre\nHaverleigh\nHV1 1AA")
    vat_number = models.CharField("VAT number", max_length=20, default="GB 123 4567 89")
    bank_name = models.CharField(max_length=80, default="Example Bank plc")
    sort_code = models.CharField(max_length=8, default="00-00-00")
    account_number = models.CharField(max_length=8, default="12345678")
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    invoice_prefix = models.CharField(max_length=8, default="CPD")
    credit_note_prefix = models.CharField(max_length=8, default="CN")
    finance_email = models.EmailField(default="cpd-finance@example.gov.uk")
    deferred_income_nominal_code = models.CharField(
        max_length=20,
        default="2410-DEF",
        help_text="Ledger code (a liability) for money received for prepaid credit, until the "
        "credit pays for a place.",
    )
    debtors_nominal_code = models.CharField(
        max_length=20, default="1100-DEB", help_text="Ledger code of the debtors control account."
    )
    expired_credit_nominal_code = models.CharField(
        max_length=20,
        default="4199-EXP",
        help_text="Ledger code (income) for prepaid credit that expired unspent: it leaves "
        "deferred income for this code when it expires.",
    )

    class Meta:
        verbose_name = "billing settings"

    def __str__(self):
        return "Billing settings"
