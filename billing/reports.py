"""What finance reads off the books: statement rows, the ledger export (invoices, credit notes
and payments for a date range, with each strand's nominal code), and the aged-debt report.

Reads only. Amounts are Decimal, written to CSV as plain pounds and pence ("1234.50")."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from core.exports import spreadsheet_safe

from .models import (
    ZERO,
    Account,
    BillingSettings,
    CreditEntry,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    Remittance,
)
from .services import money

MONEY = DecimalField(max_digits=12, decimal_places=2)


def customer_ref(account):
    """The ledger's key for a customer: a school's URN, a trust's GIAS UID, or the consortium."""
    if account.school_id:
        return f"URN {account.school.urn}"
    if account.trust_id:
        return f"TRUST {account.trust.uid}"
    return f"CONSORTIUM {account.consortium_id}"


# --- outstanding, in one query -------------------------------------------------------------


def _sum_per_invoice(queryset, expression):
    return Coalesce(
        Subquery(
            queryset.filter(invoice=OuterRef("pk"))
            .values("invoice")
            .annotate(t=Sum(expression, output_field=MONEY))
            .values("t"),
            output_field=MONEY,
        ),
        Value(ZERO),
        output_field=MONEY,
    )


def with_outstanding(invoices):
    """Annotate `owed`: services.outstanding() for each invoice, worked out by the database."""
    from .models import CreditNote

    credited = _sum_per_invoice(CreditNote.objects.all(), F("gross") - F("returned"))
    paid = _sum_per_invoice(Payment.objects.all(), F("applied"))
    return invoices.annotate(
        owed=ExpressionWrapper(F("gross") - credited - paid, output_field=MONEY)
    )


# --- a statement as CSV --------------------------------------------------------------------

STATEMENT_HEADINGS = [
    "Date",
    "Type",
    "Number",
    "Invoice",
    "Details",
    "Amount",
    "Outstanding",
    "Due",
]


def statement_rows(statement):
    """Heading, then invoices, credit notes and payments by date, then the balance."""
    rows = []
    for invoice in statement.invoices:
        rows.append(
            (
                invoice.issued_on,
                "Invoice",
                invoice.number,
                invoice.number,
                f"PO {invoice.po_number}" if invoice.po_number else "",
                invoice.gross,
                invoice.owed,
                invoice.due_on,
            )
        )
    for note in statement.credit_notes:
        rows.append(
            (note.issued_on, "Credit note", note.number, note.invoice.number, note.reason,
             -note.gross, "", "")
        )  # fmt: skip
    for payment in statement.payments:
        details = payment.get_method_display()
        if payment.reference:
            details += f": {payment.reference}"
        rows.append(
            (payment.received_on, "Payment", "", payment.invoice.number, details,
             -payment.amount, "", "")
        )  # fmt: skip
    # Date, then documents before the payments of that day, then number.
    rows.sort(key=lambda row: (row[0], row[1] == "Payment", row[2]))
    yield STATEMENT_HEADINGS
    for row in rows:
        yield [spreadsheet_safe(v) if isinstance(v, str) else v for v in row]
    yield []
    yield ["", "Outstanding", "", "", "", "", statement.owed, ""]
    yield ["", "Of which overdue", "", "", "", "", statement.overdue, ""]
    yield ["", "Credit held", "", "", "", "", statement.credit, ""]
    yield ["", "Balance (negative: in credit)", "", "", "", "", statement.balance, ""]


# --- the ledger export ---------------------------------------------------------------------

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
_ACCOUNT = ("school", "trust", "consortium")


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


# --- aged debt -----------------------------------------------------------------------------

BUCKETS = [
    ("current", "Not yet due"),
    ("1-30", "1–30 days overdue"),
    ("31-60", "31–60 days overdue"),
    ("61-90", "61–90 days overdue"),
    ("over-90", "Over 90 days overdue"),
]


def bucket_for(days_overdue):
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "1-30"
    if days_overdue <= 60:
        return "31-60"
    if days_overdue <= 90:
        return "61-90"
    return "over-90"


def _empty():
    return {key: ZERO for key, _ in BUCKETS}


@dataclass
class AgedAccount:
    account: Account
    buckets: dict = field(default_factory=_empty)
    invoices: int = 0

    @property
    def total(self):
        return sum(self.buckets.values(), ZERO)

    @property
    def amounts(self):
        return [self.buckets[key] for key, _ in BUCKETS]


@dataclass
class AgedDebt:
    on: object
    accounts: list
    totals: dict

    @property
    def total(self):
        return sum(self.totals.values(), ZERO)

    @property
    def bars(self):
        """(label, amount, share of the largest bucket in percent) for the chart."""
        largest = max(self.totals.values(), default=ZERO) or Decimal(1)
        return [
            (label, self.totals[key], int(self.totals[key] * 100 / largest))
            for key, label in BUCKETS
        ]


def aged_debt(on=None):
    """What each account owes, by how long past its due date, as of `on` (default today)."""
    on = on or timezone.localdate()
    invoices = (
        with_outstanding(
            Invoice.objects.exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID]).filter(
                issued_on__lte=on
            )
        )
        .filter(owed__gt=0)
        .select_related(*(f"account__{p}" for p in _ACCOUNT))
        .order_by("account_id", "due_on")
    )
    by_account = {}
    totals = _empty()
    for invoice in invoices:
        row = by_account.setdefault(invoice.account_id, AgedAccount(invoice.account))
        key = bucket_for((on - invoice.due_on).days)
        owed = money(invoice.owed)
        row.buckets[key] += owed
        row.invoices += 1
        totals[key] += owed
    rows = sorted(by_account.values(), key=lambda r: (-r.total, r.account.name))
    return AgedDebt(on=on, accounts=rows, totals=totals)


AGED_DEBT_HEADINGS = ["Customer ref", "Customer", "Invoices", *[label for _, label in BUCKETS]]


def aged_debt_rows(report):
    yield [*AGED_DEBT_HEADINGS, "Total"]
    for row in report.accounts:
        yield [
            customer_ref(row.account),
            spreadsheet_safe(row.account.name),
            row.invoices,
            *row.amounts,
            row.total,
        ]
    yield ["", "Total", sum(r.invoices for r in report.accounts),
           *[report.totals[k] for k, _ in BUCKETS], report.total]  # fmt: skip
