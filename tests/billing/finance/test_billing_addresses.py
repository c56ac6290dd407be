"""Invoices and credit notes carry the customer's full postal address (issue 16, item 2).

A billing account (a school, a trust billed centrally, a consortium) has a billing address and
contact, set by finance in the admin; a school's account without one uses the school's address
from GIAS. Nothing is issued to an account without a complete address (a first line, a town and
a UK postcode): the refusal says what is missing and takes no number from the series. The
address is copied onto the document when it is issued, so its PDF never changes afterwards."""

import html
import importlib
import io
import re

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import strip_tags
from pypdf import PdfReader

from accounts.models import Consortium, School, Trust
from billing import pdf, services
from billing.addresses import is_uk_postcode
from billing.models import (
    Account,
    AccountPackage,
    CreditNote,
    Invoice,
    InvoiceLine,
    NumberSeries,
)
from demo.people import DEMO_SCHOOLS
from settlement import services as settlement
from tests import people as via
from tests.factories import billing

from ..addresses import addressed
from .helpers import D, credit, issue

OFFICER = "money.officer@example.gov.uk"


@pytest.fixture
def officer(people):
    """A finance officer added through Wagtail's Users → Add user, signed in."""
    via.add_staff_in_wagtail(via.superuser_client(Client), OFFICER, "Finance officers")
    client = Client()
    via.first_sign_in(client, OFFICER)
    return client


def text(response):
    """The page's words, as read: tags out, runs of spaces as one."""
    return re.sub(r"\s+", " ", html.unescape(strip_tags(response.content.decode())))


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def numbers_taken():
    return dict(NumberSeries.objects.values_list("prefix", "next_number"))


def trust_account(name="Riverside Learning Trust", uid="T-16"):
    trust = Trust.objects.create(uid=uid, name=name, billed_centrally=True)
    return Account.objects.create(kind=Account.Kind.TRUST, trust=trust)


def draft_for(account, net="100.00"):
    invoice = Invoice.objects.create(account=account)
    InvoiceLine.objects.create(
        invoice=invoice,
        description="Bespoke training day",
        vat_treatment="standard",
        vat_rate=D("0.200"),
        net=D(net),
        vat=D(net) * D("0.2"),
        gross=D(net) * D("1.2"),
    )
    return invoice


# --- finance sets the address in the admin --------------------------------------------------


def test_finance_sets_a_trusts_billing_address_and_contact_in_the_admin(officer, people):
    account = trust_account()

    response = officer.post(
        f"/admin/billing/accounts/edit/{account.pk}/",
        {
            "invoicing": "per_booking",
            "contact_name": "Jo Okafor, Trust Finance Manager",
            "contact_email": "finance@riverside-trust.org.uk",
            "address_line_1": "Trust House",
            "address_line_2": "4 Mill Street",
            "town": "Haverleigh",
            "county": "",
            "postcode": "hv2 7tt",
        },
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.billing_address.printed() == [
        "Trust House",
        "4 Mill Street",
        "Haverleigh",
        "HV2 7TT",  # typed in lower case without the space; stored as Royal Mail writes it
    ]
    assert account.contact_email == "finance@riverside-trust.org.uk"
    page = text(officer.get(f"/admin/billing/accounts/inspect/{account.pk}/"))
    assert "Trust House" in page and "HV2 7TT" in page
    assert "For the attention of Jo Okafor, Trust Finance Manager" in page
    assert "No invoice or credit note can be issued" not in page


@pytest.mark.parametrize(
    ("address", "errors"),
    [
        ({"address_line_1": "Trust House", "town": "Haverleigh", "postcode": "HV2"},
         ["'HV2' is not a UK postcode"]),
        ({"address_line_1": "Trust House", "town": "Haverleigh", "postcode": "12345"},
         ["'12345' is not a UK postcode"]),
        ({"town": "Haverleigh"},
         ["An address needs the first line.", "An address needs the postcode."]),
        ({"address_line_1": "Trust House", "postcode": "HV2 7TT"},
         ["An address needs the town."]),
    ],
)  # fmt: skip
def test_half_an_address_or_a_bad_postcode_is_explained_and_not_saved(
    officer, people, address, errors
):
    account = trust_account()

    response = officer.post(
        f"/admin/billing/accounts/edit/{account.pk}/", {"invoicing": "per_booking", **address}
    )

    assert response.status_code == 200
    for error in errors:
        assert error in text(response)
    account.refresh_from_db()
    assert not account.has_own_address


def test_an_account_without_an_address_says_so_on_its_admin_page(officer, people):
    account = trust_account()

    page = text(officer.get(f"/admin/billing/accounts/inspect/{account.pk}/"))

    assert (
        "No invoice or credit note can be issued to this account: its billing address is "
        "missing the first line of the address, the town, the postcode."
    ) in page


def test_a_school_account_uses_the_schools_gias_address_until_finance_sets_its_own(people):
    account = services.school_account(people["school_b"])  # Riverside Academy
    assert account.address_is_the_schools
    assert account.billing_address.printed() == ["Riverside Walk", "Haverleigh", "HV5 2RA"]

    addressed(account, address_line_1="Bursar's Office, Riverside Academy", postcode="HV5 2RB")

    assert not account.address_is_the_schools
    assert account.billing_address.printed() == [
        "Bursar's Office, Riverside Academy",
        "Haverleigh",
        "HV5 2RB",
    ]


# --- nothing is issued without an address ---------------------------------------------------


def test_an_invoice_is_refused_without_an_address_and_takes_no_number(people):
    account = trust_account()
    invoice = draft_for(account)
    issue(addressed(trust_account("Another Trust", "T-17")), [("Place", "10.00", "standard")])
    before = numbers_taken()

    with pytest.raises(services.IncompleteBillingAddress) as refusal:
        services.issue_invoice(invoice)

    assert str(refusal.value) == (
        "Riverside Learning Trust has no complete billing address: missing the first line of "
        "the address, the town and the postcode. Set it on the account (Billing → Accounts), "
        "then issue again."
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.billed_to) == ("draft", None, "")
    assert numbers_taken() == before  # the gapless series gave no number away


def test_a_bad_postcode_is_named_in_the_refusal(people):
    account = addressed(trust_account(), postcode="HV2 7T")  # saved without the form's check

    with pytest.raises(services.IncompleteBillingAddress, match=r"missing a valid UK postcode "
                       r"\('HV2 7T' is not one\)\."):  # fmt: skip
        services.issue_invoice(draft_for(account))


def test_a_school_with_no_gias_address_cannot_be_invoiced(people):
    school = people["school_b"]
    School.objects.filter(pk=school.pk).update(street="", locality="", town="", postcode="")
    account = services.school_account(school)

    with pytest.raises(services.IncompleteBillingAddress, match="Riverside Academy has no"):
        services.issue_invoice(draft_for(account))


def test_a_credit_note_is_refused_without_an_address_and_takes_no_number(people):
    account = addressed(trust_account())
    invoice = issue(account, [("Bespoke training day", "100.00", "standard")])
    Account.objects.filter(pk=account.pk).update(town="", postcode="")
    before = numbers_taken()

    with pytest.raises(
        services.IncompleteBillingAddress, match="missing the town and the postcode"
    ):
        credit(invoice, [(invoice.lines.get(), D("40.00"))])

    assert not CreditNote.objects.filter(invoice=invoice).exists()
    assert numbers_taken() == before
    invoice.refresh_from_db()
    assert invoice.status == "issued"


def test_selling_a_package_to_an_account_without_an_address_is_refused_in_the_admin(
    officer, people
):
    consortium = Consortium.objects.create(name="Northwich Primary Partnership")
    account = Account.objects.create(kind=Account.Kind.CONSORTIUM, consortium=consortium)
    gold = billing.package("Gold")
    before = numbers_taken(), Invoice.objects.count(), AccountPackage.objects.count()

    response = officer.post(
        "/admin/billing/sell-package/",
        {"account": account.pk, "package": gold.pk, "starts_on": "01/09/2026"},
    )

    assert response.status_code == 200
    assert (
        "Northwich Primary Partnership has no complete billing address: missing the first line "
        "of the address, the town and the postcode."
    ) in text(response)
    assert (numbers_taken(), Invoice.objects.count(), AccountPackage.objects.count()) == before
    assert services.credit_balance(account) == 0


def test_a_booking_for_an_unaddressed_trust_goes_ahead_and_the_run_reports_it_skipped(
    officer, priced_run, school, book, on_commit
):
    """Riverside Academy's trust is billed centrally but finance has not set its address."""
    trust = Trust.objects.create(uid="T-16", name="Riverside Learning Trust", billed_centrally=True)
    School.objects.filter(pk=school.pk).update(trust=trust)
    school.refresh_from_db()
    before = numbers_taken()

    with on_commit():
        booking = book(priced_run, school, n=1)

    assert booking.enrolments.get().status == "confirmed"  # the booking is not held up
    assert not Invoice.objects.filter(booking=booking).exists()
    assert numbers_taken() == before

    this_month = timezone.localdate().strftime("%Y-%m")
    with on_commit():
        response = officer.post("/admin/billing/run-invoicing/", {"period": this_month})
    page = text(officer.get(response["Location"]))
    assert "Skipped, nothing issued: no complete billing address." in page
    assert (
        "Riverside Learning Trust: missing the first line of the address, the town and the postcode"
    ) in page
    assert not Invoice.objects.filter(booking=booking).exists()
    assert numbers_taken() == before

    account = Account.objects.get(trust=trust)
    response = officer.post(
        f"/admin/billing/accounts/edit/{account.pk}/",
        {
            "invoicing": "per_booking",
            "address_line_1": "Trust House, 4 Mill Street",
            "town": "Haverleigh",
            "postcode": "HV2 7TT",
        },
    )
    assert response.status_code == 302
    report = settlement.run_invoicing(this_month)

    assert report.skipped == []
    invoice = Invoice.objects.get(booking=booking)
    # £200 list price; Riverside is a partner-area academy, band 110 %: £220.00 net.
    # VAT at 20 %: £44.00. Total £264.00.
    assert (invoice.net, invoice.vat, invoice.gross) == (D("220.00"), D("44.00"), D("264.00"))
    assert invoice.account == account and invoice.status == "issued"
    assert invoice.billed_to_lines == [
        "Riverside Learning Trust",
        "Trust House, 4 Mill Street",
        "Haverleigh",
        "HV2 7TT",
    ]


def test_the_run_goes_on_past_an_account_it_must_skip(people, priced_run, school, book, on_commit):
    """Two accounts on monthly statements: one without an address is skipped, the other is
    invoiced, and the skipped one's places stay uninvoiced for the next run."""
    oakfield = services.school_account(people["school_a"])
    riverside = services.school_account(school)
    Account.objects.filter(pk__in=[oakfield.pk, riverside.pk]).update(invoicing="monthly")
    School.objects.filter(pk=school.pk).update(street="", locality="", town="")
    with on_commit():
        book(priced_run, school, n=1)
        book(priced_run, people["school_a"], n=1)
    this_month = timezone.localdate().strftime("%Y-%m")

    report = settlement.run_invoicing(this_month)

    assert report.skipped == [
        ("Riverside Academy", "missing the first line of the address and the town")
    ]
    assert Invoice.objects.filter(account=oakfield, period=this_month).exists()
    assert not Invoice.objects.filter(account=riverside, period=this_month).exists()
    assert "1 account(s) skipped, nothing issued to them: Riverside Academy" in str(report)


# --- the address on the document -------------------------------------------------------------


def test_invoice_and_credit_note_pdfs_print_the_address_and_contact_copied_at_issue(people, media):
    account = addressed(
        trust_account(),
        address_line_1="Trust House",
        address_line_2="4 Mill Street",
        address_line_3="Eastbrook",
        county="Haverleighshire",
        contact_name="Jo Okafor",
        contact_email="accounts@rlt.org.uk",
    )
    invoice = issue(account, [("Bespoke training day", "100.00", "standard")])
    note = credit(invoice, [(invoice.lines.get(), D("40.00"))], reason="Shortened day")

    # Finance later moves the trust's invoices elsewhere.
    addressed(account, address_line_1="Unit 9, Canal Wharf", address_line_2="", postcode="HV4 1BW")

    expected = (
        "Riverside Learning Trust Trust House 4 Mill Street Eastbrook Haverleigh Haverleighshire "
        "HV2 7TT For the attention of Jo Okafor accounts@rlt.org.uk"
    )
    for content in (
        pdf.render_invoice(Invoice.objects.get(pk=invoice.pk)),
        pdf.pdf_bytes(pdf.invoice_pdf(Invoice.objects.get(pk=invoice.pk))),
        pdf.render_credit_note(CreditNote.objects.get(pk=note.pk)),
    ):
        printed = pdf_text(content)
        assert expected in printed
        assert "Canal Wharf" not in printed and "HV4 1BW" not in printed
    # The next document goes to the new address.
    later = issue(account, [("Bespoke training day", "50.00", "standard")])
    assert "Unit 9, Canal Wharf Eastbrook Haverleigh Haverleighshire HV4 1BW" in pdf_text(
        pdf.render_invoice(later)
    )


def test_an_issued_invoices_address_cannot_be_edited(people):
    invoice = issue(addressed(trust_account()), [("Place", "10.00", "standard")])
    invoice = Invoice.objects.get(pk=invoice.pk)
    invoice.billed_to = "Someone else\n1 Other Road\nHaverleigh\nHV1 1AA"

    with pytest.raises(Exception, match="billed_to"):
        invoice.save()


# --- the demo ---------------------------------------------------------------------------------


def test_every_demo_school_and_every_demo_invoice_has_a_full_address(demo):
    """Tests the demo programme itself (its schools, budget and invoices), so asks for it."""
    for urn, name, *_ in DEMO_SCHOOLS:
        school = School.objects.get(urn=urn)
        account = Account(kind=Account.Kind.SCHOOL, school=school)
        assert account.billing_address.missing() == [], name
    budget = Account.objects.get(consortium__name="Haverleigh Special Schools Partnership")
    assert budget.billing_address.missing() == []

    issued = Invoice.objects.exclude(status="draft").select_related("account")
    assert issued.exists()
    for invoice in issued:
        *address, postcode = invoice.billed_to_lines
        assert address[0] == invoice.account.name and len(address) >= 3, invoice.billed_to
        assert is_uk_postcode(postcode), invoice.billed_to


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "postcode", ["HV3 1AA", "hv31aa", "SW1A 2AA", "EC3A 5DE", "W1A 1AA", "M1 1AE", "GIR 0AA"]
)
def test_uk_postcodes(postcode):
    assert is_uk_postcode(postcode)


@pytest.mark.parametrize(
    "postcode", ["", "HV3", "HV3 1A", "12345", "HV3 1CA", "HV31 1AAA", "1HV 1AA", "HV3\n1AA"]
)
def test_not_uk_postcodes(postcode):
    assert not is_uk_postcode(postcode)


def test_the_old_free_text_invoice_address_is_split_onto_the_account():
    split = importlib.import_module(
        "billing.migrations.0010_school_invoice_address_to_account"
    ).split
    assert split(
        "Oakfield Primary School\nFinance Office\n1 Oakfield Road\nHaverleigh\nhv3 1aa\n",
        "Oakfield Primary School",
    ) == {
        "address_line_1": "Finance Office",
        "address_line_2": "1 Oakfield Road",
        "address_line_3": "",
        "town": "Haverleigh",
        "postcode": "HV3 1AA",
    }
