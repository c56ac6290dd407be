"""Who may pay an invoice online: the billed school's finance contacts and headteacher (or a
centrally billed trust's finance contacts), and staff with billing permission. Everyone else
gets a 404, and nothing is written or sent to Stripe."""

from decimal import Decimal

import pytest
from django.urls import resolve

from accounts import roles
from accounts.models import Membership, School, Trust, TrustMembership
from billing import services, stripe_urls
from billing.models import CheckoutAttempt, Invoice
from tests.factories import billing, cast

from .addresses import addressed
from .stripe_double import install

CALLERS = [
    "anonymous",
    "teacher_a",
    "lead_a",
    "finance_a",
    "head_a",
    "finance_b",
    "teacher_b",
    "finance_officer",
    "bookings_officer",
    "staff",
]
# Opened by Stripe, not a person: verified by its signature (tests in test_stripe.py).
BY_SIGNATURE = {"stripe-webhook"}


@pytest.fixture
def stripe_double(db, settings):
    return install(settings)


@pytest.fixture
def callers(people, make_user):
    finance_b = make_user("finance@riverside-academy.org.uk")
    Membership.objects.create(
        user=finance_b, school=people["school_b"], is_teacher=False, is_finance=True
    )
    return {
        **people,
        "finance_b": finance_b,
        "finance_officer": cast.officer(roles.FINANCE),
        "bookings_officer": cast.officer(roles.BOOKINGS),
    }


@pytest.fixture
def invoice_a(people):
    """School A's issued statement."""
    return billing.issued_statement(people["school_a"], booked_by=people["staff"])


def _targets(invoice_a):
    return {
        "pay A's invoice": (
            f"/billing/invoices/{invoice_a.pk}/pay/",
            # Finance officers hold billing.view_invoice, e.g. to take a card payment by phone.
            {"finance_a", "head_a", "staff", "finance_officer"},
        ),
        "pay an unknown invoice": ("/billing/invoices/999999/pay/", set()),
    }


TARGET_NAMES = ["pay A's invoice", "pay an unknown invoice"]


def test_the_matrix_covers_every_stripe_url_that_takes_an_id(invoice_a):
    targets = _targets(invoice_a)
    assert set(targets) == set(TARGET_NAMES)
    with_ids = {p.name for p in stripe_urls.urlpatterns if "<" in str(p.pattern)} - BY_SIGNATURE
    covered = {resolve(url).url_name for url, _ in targets.values()}
    assert with_ids <= covered, f"not in the access matrix: {with_ids - covered}"
    names = {p.name for p in stripe_urls.urlpatterns}
    assert names - with_ids <= BY_SIGNATURE, "every other Stripe URL is Stripe's own"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGET_NAMES)
def test_pay_access_matrix(client, callers, invoice_a, stripe_double, caller, target):
    url, allowed = _targets(invoice_a)[target]
    if caller != "anonymous":
        client.force_login(callers[caller])
    response = client.post(url)
    if caller == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif caller in allowed:
        assert response.status_code == 303
        assert response["Location"].startswith("https://checkout.stripe.com/")
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("caller", ["finance_b", "teacher_a", "lead_a", "bookings_officer"])
def test_refused_callers_change_nothing_and_reach_no_stripe(
    client, callers, invoice_a, stripe_double, caller
):
    client.force_login(callers[caller])
    client.post(f"/billing/invoices/{invoice_a.pk}/pay/")
    assert not CheckoutAttempt.objects.exists()
    assert not stripe_double.requests


def test_a_centrally_billed_trusts_invoice_is_paid_by_the_trust_not_its_schools(
    client, people, make_user, stripe_double
):
    trust = Trust.objects.create(name="Haverleigh Learning Trust", billed_centrally=True)
    school = people["school_b"]
    School.objects.filter(pk=school.pk).update(trust=trust)
    school.refresh_from_db()
    account = addressed(services.billed_account(school))
    invoice = Invoice.objects.create(account=account)
    invoice.lines.create(
        description="Place on LDR-01",
        vat_treatment="standard",
        vat_rate=Decimal("0.200"),
        net=Decimal("100.00"),
        vat=Decimal("20.00"),
        gross=Decimal("120.00"),
    )
    invoice = services.issue_invoice(invoice)

    trust_finance = make_user("finance@haverleigh-trust.org.uk")
    TrustMembership.objects.create(user=trust_finance, trust=trust, is_finance=True)
    school_finance = make_user("bursar@riverside-academy.org.uk")
    Membership.objects.create(user=school_finance, school=school, is_finance=True)
    url = f"/billing/invoices/{invoice.pk}/pay/"

    client.force_login(school_finance)
    assert client.post(url).status_code == 404
    client.force_login(people["finance_a"])
    assert client.post(url).status_code == 404
    client.force_login(trust_finance)
    assert client.post(url).status_code == 303


@pytest.mark.parametrize("caller", [c for c in CALLERS if c != "anonymous"])
def test_who_may_pay_an_invoice_is_who_may_open_it(
    client, callers, invoice_a, stripe_double, caller
):
    """One rule (billing.access) for the invoice page and for paying it."""
    client.force_login(callers[caller])
    opens = client.get(f"/billing/invoices/{invoice_a.pk}/").status_code
    pays = client.post(f"/billing/invoices/{invoice_a.pk}/pay/").status_code
    assert (opens, pays) in {(200, 303), (404, 404)}


def test_a_draft_is_not_found_even_for_finance_officers(client, callers, invoice_a, stripe_double):
    draft = Invoice.objects.create(account=invoice_a.account)
    client.force_login(callers["finance_officer"])
    assert client.post(f"/billing/invoices/{draft.pk}/pay/").status_code == 404
    assert not stripe_double.requests and not CheckoutAttempt.objects.exists()
