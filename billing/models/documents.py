"""Invoices and credit notes, their lines, and the gapless series that number them. Issued
documents are never edited: a correction is a new credit note."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round

from core.private_storage import private_storage

from .accounts import Account, BilledTo
from .fields import money_field
from .packages import AccountPackage


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
