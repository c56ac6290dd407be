"""Invoice, credit-note and statement PDFs: what they carry, and that a document is rendered
once and served byte for byte ever after."""

import io

import pytest
from pypdf import PdfReader

from billing import pdf, services
from billing.models import BillingSettings, Invoice, Payment
from billing.services import BillingError

from .helpers import D, credit, issue


def text_of(content):
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def stored_bytes(field_file):
    return pdf.pdf_bytes(field_file)


def test_invoice_pdf_carries_what_a_school_needs_to_pay_it(invoice_a, media):
    config = BillingSettings.load()
    text = text_of(stored_bytes(pdf.invoice_pdf(invoice_a)))
    for needed in [
        invoice_a.number,
        "PO-OAK-7731",
        f"VAT number: {config.vat_number}",
        config.payee,
        config.sort_code,
        config.account_number,
        "Oakfield Road Eastbrook Haverleigh HV3 1AA",  # the school's address
        "For the attention of School Business Manager",
        "5 October 2026",  # issued
        "4 November 2026",  # due: 30 days later
        "Phonics that sticks",
        "Inspection briefing",
        "Data for governors",
    ]:
        assert needed in text, needed
    # The remittance reference is the invoice number.
    assert f"Reference {invoice_a.number}" in text


def test_invoice_pdf_lines_show_net_rate_vat_and_gross_and_exempt_by_name(invoice_a, media):
    text = text_of(stored_bytes(pdf.invoice_pdf(invoice_a)))
    assert "£110.00 20% £22.00 £132.00" in text
    assert "£95.00 Exempt £0.00 £95.00" in text
    assert "£40.00 0% £0.00 £40.00" in text
    assert "Total net £245.00" in text
    assert "Total VAT £22.00" in text
    assert "Total £267.00" in text
    assert (invoice_a.net, invoice_a.vat, invoice_a.gross) == (D("245.00"), D("22.00"), D("267.00"))


def test_second_download_is_the_stored_file_and_nothing_is_rendered_again(
    invoice_a, media, monkeypatch
):
    first = stored_bytes(pdf.invoice_pdf(invoice_a))
    name = Invoice.objects.get(pk=invoice_a.pk).pdf.name
    assert name.startswith("invoices/") and invoice_a.number in name

    def must_not_render(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(pdf, "render_invoice", must_not_render)
    again = Invoice.objects.get(pk=invoice_a.pk)
    assert stored_bytes(pdf.invoice_pdf(again)) == first


def test_a_pdf_lost_from_storage_is_made_again(invoice_a, media, caplog):
    stored = pdf.invoice_pdf(invoice_a)
    stored.storage.delete(stored.name)
    again = pdf.invoice_pdf(Invoice.objects.get(pk=invoice_a.pk))
    assert invoice_a.number in text_of(stored_bytes(again))
    assert "is missing; rendering it again" in caplog.text


def test_the_stored_pdf_survives_later_payments(invoice_a, media):
    """An invoice is a fixed document: paying it later does not change its PDF."""
    first = stored_bytes(pdf.invoice_pdf(invoice_a))
    services.record_payment(invoice_a, D("100.00"), method=Payment.Method.BACS)
    assert stored_bytes(pdf.invoice_pdf(Invoice.objects.get(pk=invoice_a.pk))) == first


def test_rendering_twice_gives_the_same_totals(invoice_a, media):
    one, two = text_of(pdf.render_invoice(invoice_a)), text_of(pdf.render_invoice(invoice_a))
    for figure in ("Total net £245.00", "Total VAT £22.00", "Total £267.00"):
        assert figure in one and figure in two


def test_a_draft_has_no_pdf(account_a, media):
    draft = Invoice.objects.create(account=account_a)
    with pytest.raises(BillingError):
        pdf.invoice_pdf(draft)
    assert not Invoice.objects.get(pk=draft.pk).pdf


def test_prepaid_credit_applied_at_issue_is_printed_with_the_balance_to_pay(account_a, media):
    services.adjust_credit(account_a, D("50.00"), reason="Goodwill", by=None)
    invoice = issue(account_a, [("Place: a course", "100.00", "standard")])
    text = text_of(pdf.render_invoice(invoice))
    assert "Total £120.00" in text
    assert "Paid from your prepaid or account credit −£50.00" in text
    assert "Balance to pay £70.00" in text
    assert "Please pay £70.00" in text


def test_credit_note_pdf_names_its_invoice_reason_and_lines(invoice_a, media):
    exempt_line = invoice_a.lines.get(vat_treatment="exempt")
    note = credit(invoice_a, [(exempt_line, D("95.00"))], reason="Place cancelled")
    text = text_of(stored_bytes(pdf.credit_note_pdf(note)))
    for needed in [
        note.number,
        invoice_a.number,
        "PO-OAK-7731",
        "Place cancelled",
        "Inspection briefing",
        "£95.00 Exempt £0.00 £95.00",
        "Total credited £95.00",
    ]:
        assert needed in text, needed
    first = stored_bytes(note.pdf)
    assert stored_bytes(pdf.credit_note_pdf(note)) == first


def test_statement_pdf_lists_invoices_and_the_balance(invoice_a, account_a, media):
    services.record_payment(invoice_a, D("67.00"), method=Payment.Method.BACS, reference="REM-1")
    text = text_of(pdf.render_statement(services.statement(account_a)))
    assert "Statement of account" in text
    assert invoice_a.number in text
    assert "REM-1" in text
    # Its row: issued, due, PO, status, total, outstanding.
    assert f"{invoice_a.number} 5 Oct 2026 4 Nov 2026 PO-OAK-7731 Part paid £267.00 £200.00" in text
    owed = services.statement(account_a).owed
    assert f"Outstanding £{owed:,.2f}" in text
