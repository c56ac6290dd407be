"""Helpers for the finance tests: issue invoices and credit notes as the services do."""

from decimal import Decimal

from django.db import transaction

from billing import services
from billing.models import Invoice, InvoiceLine

D = Decimal


def issue(account, lines, *, po_number="", on=None):
    """Issue an invoice of (description, net, vat treatment[, nominal code]) lines, as the
    services do: numbered, dated and totalled by issue_invoice()."""
    with transaction.atomic():
        invoice = Invoice.objects.create(account=account, po_number=po_number)
        for description, net, treatment, *code in lines:
            rate = services.VAT_RATES[treatment]
            vat = services.vat_on(D(net), rate)
            InvoiceLine.objects.create(
                invoice=invoice,
                description=description,
                vat_treatment=treatment,
                vat_rate=rate,
                net=D(net),
                vat=vat,
                gross=D(net) + vat,
                nominal_code=code[0] if code else "",
            )
        return services.issue_invoice(invoice, on=on)


def credit(invoice, amounts, reason="Correction"):
    """A credit note for (line, net) pairs, in its own transaction as the services run it."""
    with transaction.atomic():
        return services.issue_credit_note(invoice, amounts, reason=reason)
