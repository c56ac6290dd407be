"""A finance officer corrects money by hand in Wagtail's admin, in real Chromium (issue 16):
a superuser adds them in *Users → Add user* with the Finance officers group, they sign in
through allauth, issue a manual invoice with lines at different VAT treatments and a PO
number, then a partial credit note against it with a reason."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts import roles
from accounts.models import School, User
from billing import services
from billing.models import CreditNote, Invoice
from demo.people import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OFFICER = "fiona.ledger@example.gov.uk"
OFFICER_PASSWORD = "Ledger-Balances-2026!"
REASON = "Two coaching hours cancelled; four packs returned damaged"


def sign_in(page, base, email, password):
    page.context.clear_cookies()  # a fresh visitor on this browser
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.wait_for_load_state()


def add_finance_officer(page, base):
    """The superuser adds the officer in Wagtail's *Users → Add user*, ticking their group."""
    sign_in(page, base, "admin@example.gov.uk", DEMO_PASSWORD)
    page.goto(f"{base}/admin/users/")
    page.get_by_role("link", name="Add a user").click()
    page.get_by_label("Email").fill(OFFICER)
    page.get_by_label("First name").fill("Fiona")
    page.get_by_label("Last name").fill("Ledger")
    page.get_by_label(re.compile(r"Password\W*$")).fill(OFFICER_PASSWORD)
    page.get_by_label("Password confirmation").fill(OFFICER_PASSWORD)
    page.get_by_role("tablist").get_by_role("tab", name="Roles").click()
    page.get_by_role("checkbox", name=roles.FINANCE).check()
    page.get_by_role("button", name="Create").click()
    page.wait_for_load_state()
    officer = User.objects.get(email=OFFICER)
    assert [g.name for g in officer.groups.all()] == [roles.FINANCE]
    return officer


def first_sign_in(page, base):
    """Their address was never verified: allauth mails a link, and following it signs them in."""
    sent = len(mail.outbox)
    sign_in(page, base, OFFICER, OFFICER_PASSWORD)
    body = "\n".join(m.body for m in mail.outbox[sent:] if m.to == [OFFICER])
    link = re.search(r"/accounts/confirm-email/\S+/", body)
    assert link, "allauth mails the new officer a confirmation link"
    page.goto(base + link.group(0))
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    page.wait_for_load_state()


def next_number(model, prefix):
    """The number after the last one issued in the series: numbers are gapless."""
    numbers = model.objects.filter(number__startswith=f"{prefix}-").values_list("number", flat=True)
    last = max((int(n.rsplit("-", 1)[1]) for n in numbers), default=0)
    return f"{prefix}-{last + 1:06d}"


def lines_table(page, caption):
    """A document's lines, as rows of cell texts."""
    table = page.get_by_role("table", name=caption)
    return [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]


def field_value(page, label):
    """A value on a Wagtail inspect page: the <dd> after its <dt>."""
    return page.locator(f"dt:text-is('{label}') + dd").inner_text().strip()


def test_a_finance_officer_issues_a_manual_invoice_and_a_partial_credit_note(
    live_server, demo, page, axe_check
):
    base = live_server.url
    oakfield = services.school_account(School.objects.get(urn=990001))
    # No credit held: issuing would apply it as a payment and the figures below would move.
    assert services.credit_balance(oakfield) == 0
    year = timezone.localdate().year
    invoice_number = next_number(Invoice, f"CPD-{year}")
    note_number = next_number(CreditNote, f"CN-{year}")

    officer = add_finance_officer(page, base)
    first_sign_in(page, base)
    page.goto(f"{base}/admin/")
    axe_check(page)

    # --- a. the manual invoice --------------------------------------------------------------
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("button", name="Billing").click()
    menu.get_by_role("link", name="Invoices").click()
    page.wait_for_load_state()
    axe_check(page)
    page.get_by_role("link", name="Add a manual invoice").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Add a manual invoice").is_visible()
    axe_check(page)
    page.get_by_label("Account").select_option(label="Oakfield Primary School")
    page.get_by_label("PO number").fill("PO-OAK-7731")
    page.get_by_label("Reason").fill(
        "Coaching agreed by phone with the head, outside the programme"
    )
    for number, (description, quantity, price, vat) in enumerate(
        [
            ("Coaching hours", "2.5", "49.99", "Standard rate (20%)"),
            ("Printed assessment packs", "12", "4.15", "Zero rate (0%)"),
            ("Moderation training", "1", "75.00", "Exempt"),
        ],
        start=1,
    ):
        line = page.get_by_role("group", name=re.compile(f"^Line {number}"))
        line.get_by_label("Description").fill(description)
        line.get_by_label("Quantity").fill(quantity)
        line.get_by_label("Unit price").fill(price)
        line.get_by_role("combobox", name=re.compile("^VAT")).select_option(label=vat)
    page.get_by_role("button", name="Issue invoice").click()
    page.wait_for_load_state()

    # Worked by hand, each line's net rounded once (half-up) and its VAT on that net:
    #   Coaching hours            2.5 × £49.99 = £124.975 → £124.98; VAT 20% = £24.996 → £25.00
    #   Printed assessment packs  12 × £4.15   = £49.80;             VAT 0%  = £0.00
    #   Moderation training       1 × £75.00   = £75.00;             exempt  = £0.00
    #   net £124.98 + £49.80 + £75.00 = £249.78; VAT £25.00; total £274.78
    assert page.get_by_text(
        f"{invoice_number} issued to Oakfield Primary School: £249.78 + VAT £25.00 = £274.78."
    ).is_visible()
    assert page.get_by_role("heading", level=1, name=invoice_number).is_visible()
    assert field_value(page, "Number") == invoice_number
    assert field_value(page, "PO number") == "PO-OAK-7731"
    assert field_value(page, "Net") == "£249.78"
    assert field_value(page, "VAT") == "£25.00"
    assert field_value(page, "Total") == "£274.78"
    assert lines_table(page, f"Lines of {invoice_number}") == [
        ["Coaching hours: 2.5 × £49.99", "—", "£124.98", "20%", "£25.00", "£149.98"],
        ["Printed assessment packs: 12 × £4.15", "—", "£49.80", "0%", "£0.00", "£49.80"],
        ["Moderation training: 1 × £75.00", "—", "£75.00", "Exempt", "£0.00", "£75.00"],
    ]
    assert page.get_by_text(re.compile(r"£274\.78 outstanding, due")).is_visible()
    axe_check(page)
    invoice = Invoice.objects.get(number=invoice_number)
    assert (invoice.account, invoice.created_by) == (oakfield, officer)

    # --- b. a partial credit note against it ------------------------------------------------
    page.get_by_role("link", name="Credit note…").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name=re.compile("^Credit note")).is_visible()
    axe_check(page)
    page.get_by_label("Reason").fill(REASON)
    page.get_by_label("Coaching hours: 2.5 × £49.99 (£, before VAT)").fill("33.33")
    page.get_by_label("Printed assessment packs: 12 × £4.15 (£, before VAT)").fill("9.96")
    page.get_by_role("button", name="Issue credit note").click()
    page.wait_for_load_state()

    # Worked by hand: £33.33 off the coaching line, VAT 20% = £6.666 → £6.67, so £40.00;
    # £9.96 off the zero-rated packs, no VAT. Net £43.29 + VAT £6.67 = £49.96.
    # Outstanding: £274.78 - £49.96 = £224.82.
    assert page.get_by_text(
        f"{note_number} issued against {invoice_number}: £43.29 + VAT £6.67 = £49.96."
    ).is_visible()
    assert page.get_by_text(re.compile(r"£224\.82 outstanding, due")).is_visible()
    assert services.outstanding(invoice) == Decimal("224.82")
    # The invoice itself is never edited: a credit note corrects it.
    assert field_value(page, "Total") == "£274.78"
    notes = page.get_by_role("table").filter(has=page.get_by_role("link", name=note_number))
    assert notes.get_by_role("cell", name=REASON).is_visible()
    assert notes.get_by_role("cell", name="£49.96").is_visible()
    axe_check(page)

    page.get_by_role("link", name=note_number).click()
    page.wait_for_load_state()
    assert re.fullmatch(rf"CN-{year}-\d{{6}}", field_value(page, "Number"))
    assert field_value(page, "Number") == note_number
    issued = f"{invoice.issued_on:%-d %B %Y}"
    assert field_value(page, "Original invoice") == f"{invoice_number} of {issued}"
    assert field_value(page, "Reason") == REASON
    assert field_value(page, "Net") == "£43.29"
    assert field_value(page, "VAT") == "£6.67"
    assert field_value(page, "Total") == "£49.96"
    assert lines_table(page, f"Lines of {note_number}") == [
        ["Coaching hours: 2.5 × £49.99", "£33.33", "£6.67", "£40.00"],
        ["Printed assessment packs: 12 × £4.15", "£9.96", "£0.00", "£9.96"],
    ]
    axe_check(page)
    note = CreditNote.objects.get(number=note_number)
    assert (note.invoice, note.created_by) == (invoice, officer)
