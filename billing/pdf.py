"""Invoice, credit-note and statement PDFs, made by WeasyPrint from HTML templates.

An invoice or credit note is rendered once, when first asked for, and stored on its FileField
under its number; every later download (and email) is that stored file, byte for byte. An issued
document never changes, so neither does its PDF. A statement is as of today and is rendered fresh.
"""

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.links import site_url

from . import stripe_gateway
from .models import BillingSettings, CreditNote, Invoice, Payment
from .services import BillingError, total

log = logging.getLogger(__name__)

# WeasyPrint logs each layout step at INFO; one line per page per PDF drowns the worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def billed_to(document):
    """Who an invoice or credit note is addressed to, as copied when it was issued. Documents
    issued before addresses were copied fall back to the account's address today."""
    return document.billed_to_lines or billing_address(document.account)


def billing_address(account):
    """The account's name, then its billing address as it is now (for statements)."""
    return account.address_block().splitlines()


def _html(template, context):
    return render_to_string(
        f"billing/pdf/{template}.html",
        {**context, "config": BillingSettings.load(), "site_url": site_url()},
    )


def _render(template, context):
    from weasyprint import HTML  # deferred: heavy (Pango, fonts); only PDF renders need it

    return HTML(string=_html(template, context), base_url=site_url("/")).write_pdf()


def render_invoice(invoice):
    return _render("invoice", _invoice_context(invoice))


def invoice_html(invoice):
    """The HTML the invoice PDF is made from (the money tests read its totals)."""
    return _html("invoice", _invoice_context(invoice))


def _invoice_context(invoice):
    # Credit is applied only when an invoice is issued, so this is fixed from then on; later
    # payments are not printed (an invoice never changes), the finance page shows them.
    credit = total(invoice.payments.filter(method=Payment.Method.CREDIT), "applied")
    return {
        "invoice": invoice,
        "credit_applied": credit,
        "to_pay": invoice.gross - credit,
        "lines": list(invoice.lines.all()),
        "billed_to": billed_to(invoice),
        "invoice_url": site_url(reverse("billing:invoice", args=[invoice.pk])),
        "pay_online": stripe_gateway.configured(),
    }


def render_credit_note(note):
    return _render(
        "credit_note",
        {
            "note": note,
            "invoice": note.invoice,
            "lines": list(note.lines.all()),
            "billed_to": billed_to(note),
        },
    )


def render_statement(statement):
    return _render(
        "statement",
        {
            "statement": statement,
            "billed_to": billing_address(statement.account),
            "today": timezone.localdate(),
        },
    )


def _stored(model, obj, render, name):
    """The document's stored PDF, rendering and storing it first if this is the first ask.
    The row lock makes two first downloads at once render it only once."""
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        if locked.pdf and not locked.pdf.storage.exists(locked.pdf.name):
            # Lost from storage (a restore without media): make it again rather than fail.
            log.error("Stored PDF %s of %s is missing; rendering it again.", locked.pdf.name, obj)
            locked.pdf = None
        if not locked.pdf:
            locked.pdf.save(name, ContentFile(render(locked)), save=False)
            # Only the file field: an issued document's figures are never saved again.
            model.objects.filter(pk=locked.pk).update(pdf=locked.pdf.name)
    obj.pdf = locked.pdf
    return locked.pdf


def invoice_pdf(invoice):
    if invoice.status == Invoice.Status.DRAFT or not invoice.number:
        raise BillingError("A draft invoice has no PDF: issue it first.")
    return _stored(Invoice, invoice, render_invoice, f"{invoice.number}.pdf")


def credit_note_pdf(note):
    return _stored(CreditNote, note, render_credit_note, f"{note.number}.pdf")


def pdf_bytes(field_file):
    with field_file.open("rb") as stream:
        return stream.read()
