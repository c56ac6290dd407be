"""Credit notes: crediting lines of an issued invoice (numbered in their own gapless series), and
what a note gives back when the invoice was already paid: to the credit lots that paid it, the
rest as a new lot of account credit."""

from django.db.models import F
from django.utils import timezone

from ..models import ZERO, BillingSettings, CreditEntry, CreditNote, CreditNoteLine, Invoice
from .accounts import address_for_documents
from .credit import open_lot
from .errors import BillingError
from .invoicing import _refresh_status, next_number, outstanding
from .money import _sums_by, money, total, vat_on


def issue_credit_note(invoice, lines, *, reason, on=None, by=None):
    """Credit (invoice_line, net) pairs of an issued invoice. If the invoice was already paid
    beyond what it now asks for, the excess is held as account credit."""
    # deferred: billing.tasks imports this package (through emails and pdf), a cycle at import
    from .. import tasks

    on = on or timezone.localdate()
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        raise BillingError("Only an issued invoice can be credited.")
    lines = [(line, money(net)) for line, net in lines if net > 0]
    if not lines:
        raise BillingError("Nothing to credit.")
    for line, net in lines:
        if line.invoice_id != invoice.pk:
            raise BillingError("A credit note credits lines of one invoice.")
        already = total(line.credit_lines, "net")
        if net > line.net - already:
            raise BillingError(
                f"'{line.description}' has only £{line.net - already} left to credit."
            )
    account = address_for_documents(invoice.account)  # before a number is taken
    net_total = sum((net for _, net in lines), ZERO)
    vat_total = sum((vat_on(net, line.vat_rate) for line, net in lines), ZERO)
    gross = net_total + vat_total
    # Whatever this note credits beyond what is still owed was already paid: it goes back.
    returned = max(gross - max(outstanding(invoice), ZERO), ZERO)
    config = BillingSettings.load()
    note = CreditNote(
        number=next_number(f"{config.credit_note_prefix}-{on.year}"),
        account=invoice.account,
        invoice=invoice,
        issued_on=on,
        reason=reason[:200],
        net=net_total,
        vat=vat_total,
        gross=gross,
        returned=returned,
        settlement=(
            CreditNote.Settlement.ACCOUNT_CREDIT
            if returned
            else CreditNote.Settlement.REDUCES_BALANCE
        ),
        created_by=by,
    )
    note.address_to(account)
    note.save()
    for line, net in lines:
        vat = vat_on(net, line.vat_rate)
        CreditNoteLine.objects.create(
            credit_note=note,
            invoice_line=line,
            enrolment=line.enrolment,
            description=line.description,
            net=net,
            vat=vat,
            gross=net + vat,
        )
    if note.returned > 0:
        _return_credit(
            note,
            # Taken back from places a single-purpose voucher paid: back to that voucher.
            single_purpose=all(line.vat_treatment == "voucher_paid" for line, _ in lines),
        )
    _refresh_status(invoice)
    tasks.send_credit_note.delay_on_commit(note.pk)
    return note


def _return_credit(note, *, single_purpose):
    """What a credit note gives back goes to the lots that paid its invoice (latest to expire
    first), up to what they paid and earlier notes have not returned; the rest, which the
    school paid in money, opens a lot of its own that never expires."""
    invoice, left = note.invoice, note.returned
    pool = CreditEntry.objects.filter(
        account=note.account, single_purpose=single_purpose, lot__isnull=False
    )
    paid = _sums_by(
        pool.filter(invoice=invoice, kind__in=["draw", "release", "applied"]), "lot", "amount"
    )
    back = _sums_by(pool.filter(credit_note__invoice=invoice, kind="return"), "lot", "amount")
    lots = CreditEntry.objects.filter(pk__in=[pk for pk, t in paid.items() if t < 0])
    what = {"credit_note": note, "single_purpose": single_purpose}
    what["note"] = f"{note.number} on paid invoice {invoice.number}"
    for lot in lots.order_by(F("use_by").desc(nulls_first=True), "-pk"):
        give = min(-paid[lot.pk] - back.get(lot.pk, ZERO), left)
        if give > 0:
            CreditEntry.objects.create(
                account=note.account, kind="return", amount=give, lot=lot, **what
            )
            left -= give
    if left > 0:
        open_lot(note.account, CreditEntry.Kind.RETURN, left, **what)
