"""School finance pages: who sees which account's invoices, credit notes, payments and
statements (404 for everyone else), and what the pages show."""

import csv
import html
import io
import re

import pytest
from django.urls import resolve

from accounts.models import Consortium, Membership, Trust, TrustMembership
from billing import access, services
from billing.models import Account, BillingSettings, Invoice, Payment
from tests.factories import billing

from .helpers import D, credit

CALLERS = [
    "anonymous",
    "teacher_a",
    "lead_a",
    "finance_a",
    "head_a",
    "teacher_b",
    "finance_b",
    "bookings_officer",
    "finance_officer",
    "staff",
]
# A school's finance contacts and headteacher, and council staff who may see billing.
A_PEOPLE = {"finance_a", "head_a", "finance_officer", "staff"}


@pytest.fixture
def callers(people, finance_b, finance_officer, bookings_officer):
    return {
        **people,
        "finance_b": finance_b,
        "finance_officer": finance_officer,
        "bookings_officer": bookings_officer,
    }


@pytest.fixture
def objects(account_a, invoice_a, media):
    line = invoice_a.lines.get(vat_treatment="zero")
    note = credit(invoice_a, [(line, D("40.00"))], reason="Place cancelled")
    draft = Invoice.objects.create(account=account_a)
    return {"account": account_a, "invoice": invoice_a, "note": note, "draft": draft}


def _targets(o):
    a, i, n = o["account"].pk, o["invoice"].pk, o["note"].pk
    return {
        # name: (url, who may)
        "account page": (f"/billing/accounts/{a}/", A_PEOPLE),
        "statement pdf": (f"/billing/accounts/{a}/statement.pdf", A_PEOPLE),
        "statement csv": (f"/billing/accounts/{a}/statement.csv", A_PEOPLE),
        "invoice page": (f"/billing/invoices/{i}/", A_PEOPLE),
        "invoice pdf": (f"/billing/invoices/{i}/pdf/", A_PEOPLE),
        "credit note pdf": (f"/billing/credit-notes/{n}/pdf/", A_PEOPLE),
        # A draft is not an invoice yet: nobody sees it outside the admin.
        "draft invoice": (f"/billing/invoices/{o['draft'].pk}/", set()),
        "draft invoice pdf": (f"/billing/invoices/{o['draft'].pk}/pdf/", set()),
        "unknown invoice": ("/billing/invoices/987654321/", set()),
        "unknown account": ("/billing/accounts/987654321/", set()),
    }


TARGET_NAMES = [
    "account page",
    "statement pdf",
    "statement csv",
    "invoice page",
    "invoice pdf",
    "credit note pdf",
    "draft invoice",
    "draft invoice pdf",
    "unknown invoice",
    "unknown account",
]


def test_the_matrix_covers_every_billing_url_that_takes_an_id(objects):
    """A new id-taking URL under /billing/ must be added to this matrix, or this fails.
    Pay online and the webhook (billing/stripe_urls.py) have the Stripe work's own matrix."""
    from billing import stripe_urls, urls

    targets = _targets(objects)
    assert set(targets) == set(TARGET_NAMES)
    stripe_owned = {p.name for p in stripe_urls.urlpatterns} | {"pay"}
    with_ids = {p.name for p in urls.urlpatterns if "<" in str(p.pattern)} - stripe_owned
    covered = {resolve(url).url_name for url, _ in targets.values()}
    assert with_ids <= covered, f"not in the access matrix: {with_ids - covered}"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGET_NAMES)
def test_access_matrix(client, callers, objects, caller, target):
    url, allowed = _targets(objects)[target]
    if caller != "anonymous":
        client.force_login(callers[caller])
    response = client.get(url)
    if caller == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif caller in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 404


def test_a_finance_contact_of_b_never_sees_a_s_documents(client, finance_b, objects):
    """Whatever id they try: every one of A's documents answers 404, and B's own page shows
    nothing of A's."""
    billing.account(finance_b.memberships.get().school)  # B's account, as any booking makes it
    client.force_login(finance_b)
    for url, _ in _targets(objects).values():
        assert client.get(url).status_code == 404, url
    page = html.unescape(client.get("/billing/", follow=True).content.decode())
    assert "Riverside Academy" in page
    assert objects["invoice"].number not in page and "Oakfield" not in page


# --- who has which accounts ------------------------------------------------------------------


def test_finance_contacts_and_heads_see_their_school_s_account_only(people, account_a, finance_b):
    assert list(access.accounts_for(people["finance_a"])) == [account_a]
    assert list(access.accounts_for(people["head_a"])) == [account_a]
    assert list(access.accounts_for(people["teacher_a"])) == []
    assert list(access.accounts_for(people["lead_a"])) == []
    b = services.school_account(people["school_b"])
    assert list(access.accounts_for(finance_b)) == [b]


def test_staff_see_no_accounts_on_the_school_pages(people, finance_officer):
    assert not access.accounts_for(people["staff"]).exists()
    assert not access.accounts_for(finance_officer).exists()


def test_a_trust_s_finance_contact_sees_the_trust_s_account_and_its_schools(people, make_user):
    school = people["school_b"]
    trust = Trust.objects.create(
        uid="TR-9001", name="Haverleigh Learning Trust", billed_centrally=True
    )
    school.trust = trust
    school.save()
    trust_account = services.billed_account(school)
    assert trust_account.kind == Account.Kind.TRUST
    cfo = make_user("cfo@haverleigh-trust.org.uk")
    TrustMembership.objects.create(user=cfo, trust=trust, is_finance=True)
    school_account = services.school_account(school)
    assert set(access.accounts_for(cfo)) == {trust_account, school_account}
    # ...and nobody else's.
    assert services.school_account(people["school_a"]) not in access.accounts_for(cfo)


def test_a_consortium_budget_is_seen_by_its_member_schools_finance_contacts(people, make_user):
    consortium = Consortium.objects.create(name="Test Partnership")
    consortium.schools.add(people["school_a"])
    budget = Account.objects.create(kind=Account.Kind.CONSORTIUM, consortium=consortium)
    assert budget in access.accounts_for(people["finance_a"])
    assert budget not in access.accounts_for(people["teacher_b"])


# --- the pages ---------------------------------------------------------------------------------


def text(response):
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def test_finance_index_goes_straight_to_a_single_account(client, people, account_a):
    client.force_login(people["finance_a"])
    response = client.get("/billing/")
    assert (
        response.status_code == 302 and response["Location"] == f"/billing/accounts/{account_a.pk}/"
    )


def test_finance_index_lists_several_accounts_with_their_balances(client, people, account_a):
    Membership.objects.filter(user=people["finance_a"]).update(is_finance=True)
    Membership.objects.create(user=people["finance_a"], school=people["school_b"], is_finance=True)
    b = services.school_account(people["school_b"])
    client.force_login(people["finance_a"])
    page = text(client.get("/billing/"))
    for account in (account_a, b):
        assert f'href="/billing/accounts/{account.pk}/"' in page
        assert f"£{services.statement(account).owed:,.2f}" in page


def test_staff_are_pointed_to_the_admin(client, people):
    client.force_login(people["staff"])
    page = text(client.get("/billing/"))
    assert "Billing menu" in page


def test_account_page_shows_invoices_credit_notes_payments_and_balance(client, people, objects):
    invoice, note = objects["invoice"], objects["note"]
    services.record_payment(invoice, D("100.00"), method=Payment.Method.BACS, reference="REM-77")
    client.force_login(people["finance_a"])
    page = text(client.get(f"/billing/accounts/{objects['account'].pk}/"))
    owed = services.outstanding(invoice)  # 267.00 - 40.00 credited - 100.00 paid
    assert owed == D("127.00")
    assert f'href="/billing/invoices/{invoice.pk}/">{invoice.number}</a>' in page
    assert "£267.00 </td>" in page or "£267.00</td>" in page
    assert "£127.00" in page
    assert note.number in page and f"/billing/credit-notes/{note.pk}/pdf/" in page
    assert "REM-77" in page and "BACS remittance" in page
    statement = services.statement(objects["account"])
    assert f"£{statement.owed:,.2f}" in page
    assert f"/billing/accounts/{objects['account'].pk}/statement.pdf" in page


def test_invoice_page_shows_lines_vat_totals_and_the_pdf(client, people, invoice_a):
    client.force_login(people["finance_a"])
    page = text(client.get(f"/billing/invoices/{invoice_a.pk}/"))
    assert f"Invoice {invoice_a.number}" in page
    assert "PO-OAK-7731" in page
    assert "Exempt" in page and "20%" in page and "0%" in page
    assert "Total net</dt><dd>£245.00" in page.replace(" ", "").replace("Totalnet", "Total net")
    assert "£267.00" in page
    assert f"/billing/invoices/{invoice_a.pk}/pdf/" in page


def test_pay_online_is_offered_while_something_is_owed(client, people, invoice_a, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_configured"
    client.force_login(people["finance_a"])
    page = text(client.get(f"/billing/invoices/{invoice_a.pk}/"))
    assert f'action="/billing/invoices/{invoice_a.pk}/pay/"' in page
    assert "Pay online" in page
    services.record_payment(invoice_a, invoice_a.gross, method=Payment.Method.BACS)
    page = text(client.get(f"/billing/invoices/{invoice_a.pk}/"))
    assert "Pay online" not in page
    assert "Paid in full" in page


def test_without_stripe_the_invoice_says_how_to_pay_by_bank_transfer_and_has_no_pay_button(
    client, people, invoice_a, settings
):
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(people["finance_a"])
    page = text(client.get(f"/billing/invoices/{invoice_a.pk}/"))
    assert "Pay online" not in page
    assert f"/billing/invoices/{invoice_a.pk}/pay/" not in page
    assert "By bank transfer (BACS)" in page
    config = BillingSettings.load()
    for fact in (config.payee, config.sort_code, config.account_number, invoice_a.number):
        assert fact in page


def test_pdf_download_is_the_stored_file(client, people, invoice_a, media):
    client.force_login(people["finance_a"])
    first = client.get(f"/billing/invoices/{invoice_a.pk}/pdf/")
    assert first["Content-Type"] == "application/pdf"
    assert f'filename="{invoice_a.number}.pdf"' in first["Content-Disposition"]
    body = b"".join(first.streaming_content)
    assert body.startswith(b"%PDF")
    again = b"".join(client.get(f"/billing/invoices/{invoice_a.pk}/pdf/").streaming_content)
    assert again == body


def test_statement_csv_lists_each_document_and_the_balance(client, people, objects):
    invoice = objects["invoice"]
    services.record_payment(
        invoice, D("27.00"), method=Payment.Method.CHEQUE, reference="CHQ 100231"
    )
    client.force_login(people["finance_a"])
    response = client.get(f"/billing/accounts/{objects['account'].pk}/statement.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Date",
        "Type",
        "Number",
        "Invoice",
        "Details",
        "Amount",
        "Outstanding",
        "Due",
    ]
    by_type = {(r[1], r[2] or r[3]): r for r in rows[1:] if len(r) > 1 and r[1]}
    assert by_type[("Invoice", invoice.number)][5:7] == ["267.00", "200.00"]
    assert by_type[("Credit note", objects["note"].number)][5] == "-40.00"
    payment = by_type[("Payment", invoice.number)]
    assert payment[5] == "-27.00"
    assert payment[4] == "Cheque: CHQ 100231"
    statement = services.statement(objects["account"])
    assert ["", "Balance (negative: in credit)", "", "", "", "", str(statement.balance), ""] in rows


def test_header_offers_finance_to_finance_roles_only(client, people, account_a):
    client.force_login(people["finance_a"])
    assert 'href="/billing/">Finance</a>' in client.get("/account/").content.decode()
    client.force_login(people["teacher_a"])
    assert 'href="/billing/"' not in client.get("/account/").content.decode()
