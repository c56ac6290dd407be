"""The ledger export: a date range's invoice lines, credit note lines, payments, redemptions of
prepaid credit and credit movements, with nominal codes, as CSV rows; and its summary."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, F, Sum, When
from django.db.models.functions import TruncDate

from core.exports import spreadsheet_safe

from ..models import (
    ZERO,
    BillingSettings,
    CreditEntry,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    Remittance,
)
from ..services import money
from .common import _ACCOUNT, customer_ref

INVOICE_HEADINGS = [
    "Invoice number",
    "Issue date",
    "Due date",
    "Status",
    "Customer ref",
    "Customer",
    "PO number",
    "Line",
    "Nominal code",
    "VAT treatment",
    "VAT rate (%)",
    "Net",
    "VAT",
    "Gross",
]


CREDIT_NOTE_HEADINGS = [
    "Credit note number",
    "Issue date",
    "Invoice number",
    "Customer ref",
    "Customer",
    "Reason",
    "Line",
    "Nominal code",
    "VAT treatment",
    "VAT rate (%)",
    "Net",
    "VAT",
    "Gross",
    "Settlement",
]


PAYMENT_HEADINGS = [
    "Received",
    "Invoice number",
    "Customer ref",
    "Customer",
    "Method",
    "Reference",
    "Amount",
    "Applied to invoice",
    "Held as credit",
    "Refunded",
    "Stripe payment",
]


def invoice_lines(start, end):
    """Lines of the invoices issued from `start` to `end` inclusive, in number order."""
    return (
        InvoiceLine.objects.filter(invoice__issued_on__range=(start, end))
        .exclude(invoice__status=Invoice.Status.DRAFT)
        .select_related(*(f"invoice__account__{p}" for p in _ACCOUNT))
        .order_by("invoice__number", "pk")
    )


def credit_note_lines(start, end):
    return (
        CreditNoteLine.objects.filter(credit_note__issued_on__range=(start, end))
        .select_related(
            "credit_note__invoice",
            "invoice_line",
            *(f"credit_note__account__{p}" for p in _ACCOUNT),
        )
        .order_by("credit_note__number", "pk")
    )


def payments(start, end):
    return (
        Payment.objects.filter(received_on__range=(start, end))
        .select_related("invoice", *(f"account__{p}" for p in _ACCOUNT))
        .order_by("received_on", "pk")
    )


def unallocated_remittances(start, end):
    """What remittances received in the range left unallocated (held as credit): money received
    that no Payment row carries."""
    return (
        Remittance.objects.filter(received_on__range=(start, end), held_as_credit__gt=0)
        .select_related(*(f"account__{p}" for p in _ACCOUNT))
        .order_by("received_on", "pk")
    )


def _rate(line):
    """The VAT rate as a percentage number, e.g. 20.00 or 0.00, as ledgers import it."""
    return (line.vat_rate * 100).quantize(Decimal("0.01"))


def invoice_rows(start, end):
    yield INVOICE_HEADINGS
    for line in invoice_lines(start, end):
        invoice = line.invoice
        yield [
            invoice.number,
            invoice.issued_on,
            invoice.due_on,
            invoice.get_status_display(),
            customer_ref(invoice.account),
            spreadsheet_safe(invoice.account.name),
            spreadsheet_safe(invoice.po_number),
            spreadsheet_safe(line.description),
            line.nominal_code,
            line.vat_treatment,
            _rate(line),
            line.net,
            line.vat,
            line.gross,
        ]


def credit_note_rows(start, end):
    yield CREDIT_NOTE_HEADINGS
    for line in credit_note_lines(start, end):
        note = line.credit_note
        yield [
            note.number,
            note.issued_on,
            note.invoice.number,
            customer_ref(note.account),
            spreadsheet_safe(note.account.name),
            spreadsheet_safe(note.reason),
            spreadsheet_safe(line.description),
            line.invoice_line.nominal_code,
            line.invoice_line.vat_treatment,
            _rate(line.invoice_line),
            line.net,
            line.vat,
            line.gross,
            note.get_settlement_display(),
        ]


def payment_rows(start, end):
    yield PAYMENT_HEADINGS
    for payment in payments(start, end):
        yield [
            payment.received_on,
            payment.invoice.number,
            customer_ref(payment.account),
            spreadsheet_safe(payment.account.name),
            payment.get_method_display(),
            spreadsheet_safe(payment.reference),
            payment.amount,
            payment.applied,
            payment.amount - payment.applied,
            payment.refunded,
            payment.stripe_payment_intent,
        ]
    for remittance in unallocated_remittances(start, end):
        yield [
            remittance.received_on,
            "",
            customer_ref(remittance.account),
            spreadsheet_safe(remittance.account.name),
            Payment.Method(remittance.method).label,
            spreadsheet_safe(remittance.reference),
            remittance.held_as_credit,
            ZERO,
            remittance.held_as_credit,
            ZERO,
            "",
        ]


REDEMPTION_HEADINGS = [
    "Date",
    "Document number",
    "Customer ref",
    "Customer",
    "Place",
    "Paid from",
    "Debit nominal code",
    "Credit nominal code",
    "Place's income nominal code",
    "Amount",
]


def redemptions(start, end):
    """Credit that paid invoices issued from `start` to `end`: per place (what its draw at
    booking paid, net of what went back) and any other account credit applied."""
    return (
        CreditEntry.objects.filter(
            invoice__issued_on__range=(start, end), kind__in=["draw", "release", "applied"]
        )
        .values("invoice", "enrolment", "single_purpose")
        .annotate(amount=Sum("amount"))
        .filter(amount__lt=0)
        .order_by("invoice__number", "enrolment")
    )


def redemption_rows(start, end):
    """The journal for prepaid credit. Credit redeemed: deferred income (a liability) is
    debited and the debtors account credited, clearing the place's invoice, whose line is
    already on the course's income code with its VAT. So income is recognised once, when the
    place is charged, and the credit sale itself never reaches income (docs/vat.md). Then
    credit returned, held, refunded, expired or reinstated (`_credit_movement_rows`)."""
    config = BillingSettings.load()
    rows = list(redemptions(start, end))
    invoices = {
        i.pk: i
        for i in Invoice.objects.filter(pk__in={r["invoice"] for r in rows}).select_related(
            *(f"account__{p}" for p in _ACCOUNT)
        )
    }
    lines = {
        (line.invoice_id, line.enrolment_id): line
        for line in InvoiceLine.objects.filter(invoice__in=list(invoices), enrolment__isnull=False)
    }
    yield REDEMPTION_HEADINGS
    for row in rows:
        invoice = invoices[row["invoice"]]
        line = lines.get((row["invoice"], row["enrolment"]))
        if row["single_purpose"]:
            source = "Single-purpose voucher"
        elif row["enrolment"]:
            source = "Prepaid credit"
        else:
            source = "Account credit"
        yield [
            invoice.issued_on,
            invoice.number,
            customer_ref(invoice.account),
            spreadsheet_safe(invoice.account.name),
            spreadsheet_safe(line.description if line else "Whole invoice"),
            source,
            config.deferred_income_nominal_code,
            config.debtors_nominal_code,
            line.nominal_code if line else "",
            money(-row["amount"]),
        ]
    yield from _credit_movement_rows(start, end, config)


# Credit that moves between debtors and deferred income other than by paying for a place.
# Credit a credit note gives back, or an overpayment held, is prepaid credit again, so a
# liability: Dr debtors, Cr deferred income. Without it the debtors account would stop
# agreeing with what is owed, and deferred income with the credit held, the moment the
# credit is drawn again. Returned credit refunded to the card leaves it the other way.
# An adjustment by hand is not here: its other side is for finance to choose.
CREDIT_INTO_DEFERRED = {"return": "Returned by credit note", "overpayment": "Overpayment held"}


CREDIT_OUT_OF_DEFERRED = {"refunded": "Refunded to the card"}


# Package credit left after its use-by date leaves deferred income for the expired-credit
# income code (no VAT: an unused multi-purpose voucher was never a supply, and a single-
# purpose one bore its VAT when sold); an extension that brings it back reverses that.
CREDIT_EXPIRY = {"expired": "Expired unused", "reinstated": "Reinstated: use-by date extended"}


def credit_movements(start, end):
    """Those movements dated from `start` to `end`: a return on its credit note's date, an
    overpayment on the day the money was received, a refund on the day it was made."""
    return (
        CreditEntry.objects.annotate(
            day=Case(
                When(kind="return", then=F("credit_note__issued_on")),
                When(remittance__isnull=False, then=F("remittance__received_on")),
                When(kind="overpayment", payment__isnull=False, then=F("payment__received_on")),
                default=TruncDate("created_at"),
            )
        )
        .filter(
            kind__in=[*CREDIT_INTO_DEFERRED, *CREDIT_OUT_OF_DEFERRED, *CREDIT_EXPIRY],
            day__range=(start, end),
        )
        .select_related(
            "lot",
            "credit_note",
            "payment__invoice",
            *(f"account__{p}" for p in _ACCOUNT),
        )
        .order_by("day", "pk")
    )


def _credit_movement_rows(start, end, config):
    movements = list(credit_movements(start, end))
    credited = {}  # a credit note's lines, for the place it gave back credit for
    for line in CreditNoteLine.objects.filter(
        credit_note__in=[m.credit_note_id for m in movements if m.credit_note_id]
    ).select_related("invoice_line"):
        credited.setdefault(line.credit_note_id, []).append(line)
    for entry in movements:
        lines = credited.get(entry.credit_note_id, [])
        codes = {line.invoice_line.nominal_code for line in lines}
        if entry.kind in CREDIT_EXPIRY:
            document, what = "", entry.lot.note
        elif entry.credit_note_id:
            document = entry.credit_note.number
            what = lines[0].description if len(lines) == 1 else "Whole credit note"
        else:
            document = entry.payment.invoice.number if entry.payment_id else ""
            what = entry.note
        if entry.kind in CREDIT_INTO_DEFERRED:
            source = CREDIT_INTO_DEFERRED[entry.kind]
            if entry.single_purpose:
                source += " to the single-purpose voucher"
            debit, credit = config.debtors_nominal_code, config.deferred_income_nominal_code
        elif entry.kind == "expired":
            source = CREDIT_EXPIRY[entry.kind]
            debit, credit = config.deferred_income_nominal_code, config.expired_credit_nominal_code
        elif entry.kind == "reinstated":
            source = CREDIT_EXPIRY[entry.kind]
            debit, credit = config.expired_credit_nominal_code, config.deferred_income_nominal_code
        else:
            source = CREDIT_OUT_OF_DEFERRED[entry.kind]
            debit, credit = config.deferred_income_nominal_code, config.debtors_nominal_code
        yield [
            entry.day,
            document,
            customer_ref(entry.account),
            spreadsheet_safe(entry.account.name),
            spreadsheet_safe(what),
            source,
            debit,
            credit,
            codes.pop() if len(codes) == 1 else "",
            money(abs(entry.amount)),
        ]


EXPORTS = {
    # name: (label, rows, filename stem)
    "invoices": ("Invoices (one row per line)", invoice_rows, "invoices"),
    "credit-notes": ("Credit notes (one row per line)", credit_note_rows, "credit-notes"),
    "payments": ("Payments", payment_rows, "payments"),
    "redemptions": (
        "Credit journal (credit redeemed, returned, refunded and expired; deferred income)",
        redemption_rows,
        "credit-journal",
    ),
}


@dataclass
class LedgerSummary:
    invoices: int
    invoice_net: Decimal
    invoice_vat: Decimal
    invoice_gross: Decimal
    credit_notes: int
    credit_gross: Decimal
    payments: int
    payments_received: Decimal


def ledger_summary(start, end):
    """The export's totals, so finance can check the CSV against the page."""
    lines = invoice_lines(start, end)
    invoice_totals = lines.aggregate(net=Sum("net"), vat=Sum("vat"), gross=Sum("gross"))
    credits = credit_note_lines(start, end)
    received = payments(start, end)
    unallocated = unallocated_remittances(start, end)
    return LedgerSummary(
        invoices=lines.values("invoice").distinct().count(),
        invoice_net=invoice_totals["net"] or ZERO,
        invoice_vat=invoice_totals["vat"] or ZERO,
        invoice_gross=invoice_totals["gross"] or ZERO,
        credit_notes=credits.values("credit_note").distinct().count(),
        credit_gross=credits.aggregate(t=Sum("gross"))["t"] or ZERO,
        payments=received.count(),
        payments_received=(received.aggregate(t=Sum("amount"))["t"] or ZERO)
        + (unallocated.aggregate(t=Sum("held_as_credit"))["t"] or ZERO),
    )
