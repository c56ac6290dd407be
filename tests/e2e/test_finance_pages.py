"""A school's finance contact finds their invoices, opens one and downloads its PDF, in real
Chromium, on a desktop and on a phone; every page passes axe-core."""

import re

import pytest

from billing import services
from billing.models import Invoice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "cpd-demo-2026"


def sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.wait_for_load_state()


def test_finance_contact_finds_opens_and_downloads_an_invoice(live_server, demo, page, axe_check):
    base = live_server.url
    invoice = Invoice.objects.filter(account__school__urn=990001, status="issued").first()
    assert invoice, "the demo gives Oakfield an issued statement invoice"

    sign_in(page, base, "finance@oakfield.sch.uk")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Finance").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Oakfield Primary School")
    owed = services.statement(invoice.account).owed
    assert page.get_by_text(f"£{owed:,.2f}").first.is_visible()
    axe_check(page)

    page.get_by_role("link", name=invoice.number).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name=f"Invoice {invoice.number}").is_visible()
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download invoice (PDF)").click()
    assert download.value.suggested_filename == f"{invoice.number}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"


def test_finance_pages_work_on_a_phone(live_server, demo, browser, axe_check):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="en-GB")
    page = context.new_page()
    try:
        base = live_server.url
        invoice = Invoice.objects.filter(account__school__urn=990001, status="issued").first()
        sign_in(page, base, "finance@oakfield.sch.uk")
        page.goto(f"{base}/billing/invoices/{invoice.pk}/")
        # No sideways scrolling: the lines table stacks into rows, each cell labelled.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        cell = page.locator("td[data-label='VAT rate']").first
        assert cell.evaluate("td => getComputedStyle(td).display") == "block"
        label = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert label == '"VAT rate: "'
        axe_check(page)
    finally:
        context.close()


def test_someone_else_s_invoice_is_not_found(live_server, demo, page):
    invoice = Invoice.objects.filter(account__school__urn=990001, status="issued").first()
    sign_in(page, live_server.url, "teacher@riverside-academy.org.uk")
    response = page.goto(f"{live_server.url}/billing/invoices/{invoice.pk}/")
    assert response.status == 404
