"""Item 8: what the documents say. A credit note names the invoice it corrects, with its date;
statements read in date then number order; a statement period is a month by name; a package's
invoice line carries its nominal code; the ledger gives the VAT rate as a number; and the Stripe
client sends the API version the gateway was recorded against."""

import csv
import html
import io
import re
from datetime import date, timedelta

import pytest
import stripe
from django.db import transaction
from django.test import Client
from pypdf import PdfReader

from billing import reports, services, stripe_gateway
from billing.models import Invoice, InvoiceLine, Package
from tests import people as via
from tests.billing import stripe_double
from tests.factories import billing

from .helpers import D, credit, issue


def pdf_text(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def page_text(response):
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def finance(people):
    """A finance officer, added in Wagtail by the cast's superuser."""
    email = "documents.clerk@example.gov.uk"
    via.add_staff_in_wagtail(via.superuser_client(Client), email, "Finance officers")
    client = Client()
    via.first_sign_in(client, email)
    return client


@pytest.fixture
def school_finance(people):
    """Oakfield's finance contact (the cast's) on the school's finance pages."""
    client = Client()
    client.force_login(people["finance_a"])
    return client


# --- (a) a credit note names the original invoice's number and date ----------------------------


def test_a_credit_note_names_the_invoice_it_corrects_and_its_date(
    finance, school_finance, invoice_a, media
):
    note = credit(invoice_a, [(invoice_a.lines.get(vat_treatment="zero"), D("40.00"))])
    # invoice_a was issued on 5 October 2026.
    expected = f"Original invoice {invoice_a.number} of 5 October 2026"
    assert expected in pdf_text(school_finance.get(f"/billing/credit-notes/{note.pk}/pdf/"))
    assert expected in pdf_text(finance.get(f"/admin/billing/credit-notes/pdf/{note.pk}/"))
    page = page_text(finance.get(f"/admin/billing/credit-notes/inspect/{note.pk}/"))
    assert "Original invoice" in page and f"{invoice_a.number}</a> of 5 October 2026" in page


# --- (b) statements list documents in date, then number, order --------------------------------


@pytest.fixture
def out_of_order(account_a):
    """Three invoices numbered in a different order from their dates: made 20 Nov, then
    2 Nov, then 2 Nov again, so by date then number they read second, third, first."""
    first = issue(account_a, [("Place: late", "30.00", "exempt")], on=date(2026, 11, 20))
    second = issue(account_a, [("Place: early", "10.00", "exempt")], on=date(2026, 11, 2))
    third = issue(account_a, [("Place: early too", "20.00", "exempt")], on=date(2026, 11, 2))
    return [second, third, first]


def _in_order(numbers, wanted):
    return [n for n in numbers if n in wanted]


def test_the_statement_csv_reads_in_date_then_number_order(school_finance, account_a, out_of_order):
    rows = csv_rows(school_finance.get(f"/billing/accounts/{account_a.pk}/statement.csv"))
    head = reports.STATEMENT_HEADINGS
    body = [r for r in rows[1:] if r and r[0]]
    wanted = [i.number for i in out_of_order]
    documents = [r[head.index("Number")] for r in body if r[head.index("Type")] == "Invoice"]
    assert _in_order(documents, wanted) == wanted
    dates = [r[0] for r in body]
    assert dates == sorted(dates)


def test_the_statement_pdf_reads_in_date_then_number_order(school_finance, account_a, out_of_order):
    text = pdf_text(school_finance.get(f"/billing/accounts/{account_a.pk}/statement.pdf"))
    numbers = re.findall(r"CPD-\d{4}-\d{6}", text)
    wanted = [i.number for i in out_of_order]
    assert _in_order(numbers, wanted) == wanted


# --- (c) "Statement for December 2026" -------------------------------------------------------


def test_a_statement_invoice_names_its_month(finance, school_finance, account_a, media):
    # A statement invoice as the monthly run makes one: a draft for the period, issued.
    with transaction.atomic():
        draft = Invoice.objects.create(account=account_a, period="2026-12")
        services._add_line(draft, description="Place", net=D("25.00"), vat_treatment="exempt")
        monthly = services.issue_invoice(draft, on=date(2026, 12, 31))
    expected = "Statement for December 2026"
    assert expected in pdf_text(school_finance.get(f"/billing/invoices/{monthly.pk}/pdf/"))
    page = re.sub(
        r"<[^>]+>", " ", page_text(school_finance.get(f"/billing/invoices/{monthly.pk}/"))
    )
    assert expected in " ".join(page.split())
    admin_page = page_text(finance.get(f"/admin/billing/invoices/inspect/{monthly.pk}/"))
    assert "December 2026" in admin_page and "2026-12" not in admin_page


def test_the_monthly_run_reports_its_month_by_name():
    report = services.InvoicingReport(period="2026-12", accounts=2)
    assert str(report).startswith("December 2026: 2 account(s) checked")
    assert services.period_label("2027-01") == "January 2027"


# --- (d) a package's invoice line carries its nominal code ------------------------------------


def test_a_package_sale_is_posted_to_the_package_s_nominal_code(finance, people):
    """A discount package is a supply, income when sold, on its own code. (Prepaid credit is a
    voucher and goes to deferred income instead: tests/billing/test_vouchers.py.)"""
    response = finance.post(
        "/admin/billing/packages/new/",
        {
            "name": "Platinum",
            "kind": "discount",
            "price": "1000.00",
            "discount_percent": "10",
            "credit_amount": "0",
            "voucher_type": "multi",  # the select's first value, as a browser leaves it
            "nominal_code": "4190-PLAT",
        },
    )
    assert response.status_code == 302, page_text(response)[-2000:]
    package = Package.objects.get(name="Platinum")
    account = services.school_account(people["school_b"])
    start = date.today().replace(day=1) - timedelta(days=31)
    response = finance.post(
        "/admin/billing/sell-package/",
        {"account": account.pk, "package": package.pk, "starts_on": start.strftime("%d/%m/%Y")},
    )
    assert response.status_code == 302, page_text(response)[-2000:]
    line = InvoiceLine.objects.get(package__package=package)
    assert line.nominal_code == "4190-PLAT"
    rows = csv_rows(
        finance.get(
            "/admin/billing/ledger-export/",
            {"start": line.invoice.issued_on, "end": line.invoice.issued_on, "kind": "invoices"},
        )
    )
    head = reports.INVOICE_HEADINGS
    (row,) = [r for r in rows[1:] if r[head.index("Invoice number")] == line.invoice.number]
    assert row[head.index("Nominal code")] == "4190-PLAT"


# --- (e) the ledger gives the VAT rate as a number ------------------------------------------


def test_the_ledger_gives_the_vat_rate_as_a_percentage_number(finance, invoice_a):
    day = {"start": "2026-10-05", "end": "2026-10-05", "kind": "invoices"}
    rows = csv_rows(finance.get("/admin/billing/ledger-export/", day))
    head = rows[0]
    assert "VAT rate (%)" in head
    ours = [r for r in rows[1:] if r[head.index("Invoice number")] == invoice_a.number]
    rates = {r[head.index("VAT treatment")]: r[head.index("VAT rate (%)")] for r in ours}
    # 20 % standard, 0 % for zero-rated and exempt: percentages, as numbers.
    assert rates == {"standard": "20.00", "zero": "0.00", "exempt": "0.00"}


# --- (f) Stripe's API version is pinned --------------------------------------------------------


def test_every_stripe_call_sends_the_recorded_api_version(settings, people):
    double = stripe_double.install(settings)
    invoice = billing.issued_statement(people["school_a"], booked_by=people["staff"])
    stripe_gateway.start_checkout(invoice, by=people["finance_a"])
    assert double.requests
    # The version the double's recordings were made against, not the library's default.
    assert stripe_gateway.API_VERSION == stripe_double.API_VERSION == "2025-09-30.clover"
    assert stripe.api_version != stripe_gateway.API_VERSION  # stripe-python moved on
    assert {r.headers.get("Stripe-Version") for r in double.requests} == {"2025-09-30.clover"}
