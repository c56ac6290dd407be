"""School finance pages: a school's (or trust's, or consortium's) invoices, credit notes,
payments and statements, and their PDFs. Read-only: money moves through billing.services
(paying online is billing:pay). Who may see what is billing.access; others get a 404."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from . import access, pdf, reports, services, stripe_gateway
from .models import BillingSettings, Invoice

PAYABLE = (Invoice.Status.ISSUED, Invoice.Status.PART_PAID)


def _pdf_response(field_file, filename):
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def index(request):
    accounts = list(access.accounts_for(request.user))
    if len(accounts) == 1:
        return redirect("billing:account", accounts[0].pk)
    return render(
        request,
        "billing/index.html",
        {"rows": [(a, services.statement(a)) for a in accounts]},
    )


@login_required
def account(request, account_id):
    account = access.account_or_404(request.user, account_id)
    statement = services.statement(account)
    today = timezone.localdate()
    for invoice in statement.invoices:
        invoice.is_overdue = invoice.owed > 0 and invoice.due_on < today
    return render(
        request,
        "billing/account.html",
        {
            "account": account,
            "statement": statement,
            "credit_lots": [
                lot for lot in services.credit_lots(account) if lot.left or lot.reserved
            ],
            "reservations": services.reservations(account),
            "several_accounts": access.accounts_for(request.user).count() > 1,
        },
    )


@login_required
def invoice(request, invoice_id):
    invoice = access.invoice_or_404(request.user, invoice_id)
    owed = services.outstanding(invoice)
    return render(
        request,
        "billing/invoice.html",
        {
            "invoice": invoice,
            "account": invoice.account,
            "lines": invoice.lines.all(),
            "payments": invoice.payments.all(),
            "credit_notes": invoice.credit_notes.all(),
            "owed": owed,
            "payable": owed > 0 and invoice.status in PAYABLE,
            "overdue": owed > 0 and invoice.due_on < timezone.localdate(),
            "config": BillingSettings.load(request_or_site=request),
            "pay_online": stripe_gateway.configured(),
        },
    )


@login_required
def invoice_pdf(request, invoice_id):
    invoice = access.invoice_or_404(request.user, invoice_id)
    return _pdf_response(pdf.invoice_pdf(invoice), f"{invoice.number}.pdf")


@login_required
def credit_note_pdf(request, credit_note_id):
    note = access.credit_note_or_404(request.user, credit_note_id)
    return _pdf_response(pdf.credit_note_pdf(note), f"{note.number}.pdf")


def _statement_name(account, extension):
    return f"statement-{account.pk}-{timezone.localdate():%Y-%m-%d}.{extension}"


@login_required
def statement_pdf(request, account_id):
    account = access.account_or_404(request.user, account_id)
    content = pdf.render_statement(services.statement(account))
    return HttpResponse(
        content,
        content_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition_header(
                True, _statement_name(account, "pdf")
            ),
            "Cache-Control": "private, no-store",
        },
    )


@login_required
def statement_csv(request, account_id):
    account = access.account_or_404(request.user, account_id)
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": content_disposition_header(
                True, _statement_name(account, "csv")
            ),
            "Cache-Control": "private, no-store",
        },
    )
    response.write("\ufeff")  # the BOM makes Excel read UTF-8
    writer = csv.writer(response)
    for row in reports.statement_rows(services.statement(account)):
        writer.writerow(row)
    return response
