"""Corrections by hand, as finance officers make them in the admin, each with a reason kept for
the audit trail: adjusting account credit, crediting or voiding an invoice, and raising a
manual invoice for work that is not a course place."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from ..models import CreditEntry, Invoice
from .accounts import _lock
from .credit import open_lot, spendable, take_credit
from .credit_notes import issue_credit_note
from .errors import BillingError, _reason
from .invoicing import _add_line, issue_invoice
from .money import _decimal, money, total


def adjust_credit(account, amount, *, reason, by):
    """Add to (positive: a lot that never expires) or take from (negative: soonest to expire
    first) an account's spendable credit by hand, and return the amount. Never below zero:
    checked under the account's row lock, as draws are. Adjustments are general credit, never
    single-purpose voucher credit (VAT was charged on that when sold)."""
    reason = _reason(reason)
    amount = money(amount)
    if amount == 0:
        raise BillingError("An adjustment of £0.00 changes nothing: enter an amount.")
    with transaction.atomic():
        (account,) = _lock([account.pk])
        if amount > 0:
            open_lot(account, CreditEntry.Kind.ADJUSTMENT, amount, note=reason, created_by=by)
            return amount
        held = spendable(account)
        if held + amount < 0:
            raise BillingError(
                f"Taking £{-amount:,.2f} would take {account.name}'s credit below zero: "
                f"it holds £{held:,.2f} that can be adjusted."
            )
        take_credit(account, -amount, CreditEntry.Kind.ADJUSTMENT, note=reason, created_by=by)
        return amount


def left_to_credit(invoice):
    """Each line of the invoice with the net it has left to credit."""
    return [
        (line, line.net - total(line.credit_lines, "net")) for line in invoice.lines.order_by("pk")
    ]


def credit_by_hand(invoice, amounts, *, reason, by):
    """A credit note finance makes against an issued invoice: (line, net) pairs, each no more
    than the line has left (issue_credit_note checks, and numbers it in the CN series)."""
    reason = _reason(reason)
    with transaction.atomic():
        return issue_credit_note(invoice, amounts, reason=reason, by=by)


def void_invoice(invoice, *, reason, by):
    """Void = a credit note for everything every line has left, then the invoice is VOID. The
    invoice itself is never edited or deleted; what was paid on it is held as account credit."""
    reason = _reason(reason)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status == Invoice.Status.VOID:
            raise BillingError(f"{invoice} is already void.")
        if not any(left > 0 for _, left in left_to_credit(invoice)):
            raise BillingError(f"{invoice} is already credited in full: nothing is left to void.")
        note = issue_credit_note(
            invoice, left_to_credit(invoice), reason=f"Void: {reason}"[:200], by=by
        )
        invoice.refresh_from_db()
        invoice.status = Invoice.Status.VOID
        invoice.save(update_fields=["status"])
    return note


MANUAL_VAT_TREATMENTS = ("standard", "zero", "exempt")


@dataclass
class ManualLine:
    """A free line of a manual invoice: what, how many, at what unit price before VAT."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_treatment: str
    nominal_code: str = ""

    @property
    def net(self):
        return money(_decimal(self.quantity) * _decimal(self.unit_price))  # rounded once

    @property
    def printed(self):
        quantity = f"{self.quantity.normalize():f}"
        return f"{self.description}: {quantity} × £{self.unit_price:,.2f}"


def issue_manual_invoice(account, lines, *, po_number="", reason, by, on=None):
    """An invoice finance raises by hand, for work that is not a course place. Issued through
    issue_invoice (address checked, gapless number); a refusal leaves no draft behind."""
    reason = _reason(reason)
    if not lines:
        raise BillingError("A manual invoice needs at least one line.")
    for line in lines:
        if line.vat_treatment not in MANUAL_VAT_TREATMENTS:
            raise BillingError(f"'{line.vat_treatment}' is not a VAT treatment for a line.")
        if line.quantity <= 0 or line.unit_price < 0 or line.net <= 0:
            raise BillingError(f"'{line.description}' needs a quantity and price above zero.")
    with transaction.atomic():
        invoice = Invoice.objects.create(
            account=account, po_number=po_number.strip(), reason=reason, created_by=by
        )
        for line in lines:
            _add_line(
                invoice,
                description=line.printed,
                net=line.net,
                vat_treatment=line.vat_treatment,
                nominal_code=line.nominal_code.strip(),
            )
        return issue_invoice(invoice, on=on)
