"""Invoicing: gapless numbers, invoice lines (VAT per line), issuing a draft (numbered, dated,
totalled, then paid from credit as far as it goes), what is still owed and the status that
follows; what a place has been invoiced so far; and the monthly run's period and report."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from core.wording import month_name

from ..models import (
    ZERO,
    BillingSettings,
    CreditEntry,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    NumberSeries,
    Payment,
)
from .accounts import _lock, address_for_documents
from .credit import _release_draws, _unapplied_draws, spendable, take_credit
from .errors import BillingError
from .money import VAT_RATES, _sums_by_enrolment, total, vat_on


def next_number(prefix):
    """Take the next number of a gapless series. Call inside the transaction that uses it."""
    series, _ = NumberSeries.objects.get_or_create(prefix=prefix)
    series = NumberSeries.objects.select_for_update().get(pk=series.pk)
    number = series.next_number
    series.next_number = number + 1
    series.save(update_fields=["next_number"])
    return f"{prefix}-{number:06d}"


def _line(invoice, *, description, net, vat_treatment, vat_rate=None, **links):
    """An unsaved invoice line, its VAT worked out per line."""
    rate = VAT_RATES[vat_treatment] if vat_rate is None else vat_rate
    vat = vat_on(net, rate)
    return InvoiceLine(
        invoice=invoice,
        description=description[:300],
        vat_treatment=vat_treatment,
        vat_rate=rate,
        net=net,
        vat=vat,
        gross=net + vat,
        **links,
    )


def _add_line(invoice, **fields):
    line = _line(invoice, **fields)
    line.save()
    return line


def issue_invoice(invoice, *, on=None):
    """Number, date and total a draft invoice; from here on it never changes."""
    # deferred: billing.tasks imports this package (through emails and pdf), a cycle at import
    from .. import tasks

    on = on or timezone.localdate()
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != Invoice.Status.DRAFT:
        raise BillingError(f"{invoice} is already issued.")
    if not invoice.lines.exists():
        raise BillingError("An invoice needs at least one line.")
    # Checked before a number is taken: a refusal leaves the series and the draft as they were.
    invoice.address_to(address_for_documents(invoice.account))
    config = BillingSettings.load()
    invoice.number = next_number(f"{config.invoice_prefix}-{on.year}")
    invoice.issued_on = on
    invoice.due_on = on + timedelta(days=config.payment_terms_days)
    invoice.net = total(invoice.lines, "net")
    invoice.vat = total(invoice.lines, "vat")
    invoice.gross = invoice.net + invoice.vat
    invoice.status = Invoice.Status.ISSUED
    invoice.save()
    _apply_credit(invoice)
    tasks.send_invoice.delay_on_commit(invoice.pk)
    return invoice


def outstanding(invoice):
    """What is still owed on an issued invoice."""
    credited = total(invoice.credit_notes, "gross") - total(invoice.credit_notes, "returned")
    return invoice.gross - credited - total(invoice.payments, "applied")


def _refresh_status(invoice):
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        return invoice
    owed = outstanding(invoice)
    paid = total(invoice.payments, "applied")
    if invoice.status == Invoice.Status.PAID:
        status = Invoice.Status.PAID  # a paid invoice never goes back to unpaid
    elif owed <= 0:
        status = Invoice.Status.PAID
    elif paid > 0:
        status = Invoice.Status.PART_PAID
    else:
        status = Invoice.Status.ISSUED
    if status != invoice.status:
        invoice.status = status
        invoice.save(update_fields=["status"])
    return invoice


def _apply_credit(invoice):
    """Settle what can be settled from credit: first each place's own draw at booking (any
    part of a draw beyond the place's charge goes back), then other credit the account holds."""
    today = timezone.localdate()
    drawn = ZERO
    holding = {
        pk: -amount
        for pk, amount in _sums_by_enrolment(
            CreditEntry.objects.filter(
                enrolment__invoice_lines__invoice=invoice,
                invoice__isnull=True,
                kind__in=["draw", "release"],
            ),
            "amount",
        ).items()
        if amount < 0
    }
    for line in invoice.lines.filter(enrolment__in=list(holding)).select_related("enrolment__run"):
        held = holding[line.enrolment_id]
        if held > line.gross:
            _release_draws(line.enrolment, held - line.gross)
            held = line.gross
        if held > 0:
            _unapplied_draws(line.enrolment).update(invoice=invoice)
            drawn += held
    if drawn > 0:
        Payment.objects.create(
            account=invoice.account,
            invoice=invoice,
            method=Payment.Method.CREDIT,
            amount=drawn,
            applied=drawn,
            received_on=today,
            reference="Prepaid credit drawn at booking",
        )
    (account,) = _lock([invoice.account_id])
    # Single-purpose voucher credit pays standard-rated places only, drawn at booking.
    spare = min(spendable(account, on=today), outstanding(invoice))
    if spare > 0:
        payment = Payment.objects.create(
            account=account,
            invoice=invoice,
            method=Payment.Method.CREDIT,
            amount=spare,
            applied=spare,
            received_on=today,
            reference="Account credit",
        )
        take_credit(
            account,
            spare,
            CreditEntry.Kind.APPLIED,
            on=today,
            invoice=invoice,
            payment=payment,
            note=f"Applied to {invoice.number}",
        )
    _refresh_status(invoice)


def _live_lines(enrolment):
    # A void invoice still counts: its full credit note (void_invoice) is what cancels it.
    return InvoiceLine.objects.filter(enrolment=enrolment).exclude(
        invoice__status=Invoice.Status.DRAFT
    )


def invoiced_net(enrolment):
    """Invoiced for the place so far, less what credit notes have taken back."""
    return total(_live_lines(enrolment), "net") - total(
        CreditNoteLine.objects.filter(enrolment=enrolment), "net"
    )


def period_bounds(period):
    """'2026-11' → (1 Nov 2026, 1 Dec 2026); anything else is refused."""
    try:
        year, month = (int(part) for part in period.split("-"))
        start = date(year, month, 1)
    except (ValueError, AttributeError):
        raise BillingError(f"'{period}' is not a month: use YYYY-MM, e.g. 2026-11.") from None
    if len(period) != 7:
        raise BillingError(f"'{period}' is not a month: use YYYY-MM, e.g. 2026-11.")
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return start, end


def period_label(period):
    """'2026-12' → 'December 2026', as a period is shown to people; '' stays ''."""
    if not period:
        return ""
    start, _ = period_bounds(period)
    return month_name(start)


@dataclass
class InvoicingReport:
    period: str
    accounts: int = 0
    invoices: int = 0
    credit_notes: int = 0
    gross: Decimal = ZERO
    # (account name, why): accounts with something to issue but no complete billing address.
    skipped: list = field(default_factory=list)

    def __str__(self):
        said = (
            f"{period_label(self.period)}: {self.accounts} account(s) checked, "
            f"{self.invoices} invoice(s) issued for £{self.gross}, "
            f"{self.credit_notes} credit note(s)."
        )
        if self.skipped:
            said += (
                f" {len(self.skipped)} account(s) skipped, nothing issued to them: "
                + "; ".join(f"{name}: {why}" for name, why in self.skipped)
            )
        return said
