"""A school's finance contact pays an invoice online, in real Chromium: Pay online → Stripe
Checkout (stubbed at the network edge: the real client talks to a recorded-response double,
and the browser's request to checkout.stripe.com is answered locally) → the signed webhook →
the invoice shows as paid."""

import re

import pytest
from django.test import Client

from billing.models import CheckoutAttempt, Invoice, Payment
from tests.billing.stripe_double import install, sign

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_finance_contact_pays_online_and_sees_the_invoice_paid(
    live_server, demo, page, axe_check, settings
):
    double = install(settings)
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    invoice = Invoice.objects.filter(account__school__urn=990001, status="issued").first()
    assert invoice, "the demo gives Oakfield an issued statement invoice"
    checkout_pages = []
    page.route(
        "https://checkout.stripe.com/**",
        lambda route: (
            checkout_pages.append(route.request.url),
            route.fulfill(
                status=200,
                content_type="text/html",
                body="<!doctype html><html lang=en><title>Stripe Checkout</title>"
                "<main><h1>Stripe Checkout (test stand-in)</h1></main></html>",
            ),
        ),
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("finance@oakfield.sch.uk")
    page.get_by_label("Password").fill("cpd-demo-2026")
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/billing/invoices/{invoice.pk}/")
    axe_check(page)
    # Playwright does not route a redirect's target, so Chromium would try the real
    # checkout.stripe.com by itself and its error page could cut across the next step. The
    # POST is therefore sent to the server from the route, its 303 kept, and the browser
    # shown a stand-in; the test then follows the Location by hand, as Chromium would.
    redirects = []

    def pay_online(route):
        response = route.fetch(max_redirects=0)
        redirects.append((response.status, response.headers.get("location")))
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>…</title>")

    page.route(re.compile(r"/billing/invoices/\d+/pay/$"), pay_online)
    with page.expect_response(re.compile(r"/billing/invoices/\d+/pay/$")):
        page.get_by_role("button", name=re.compile("Pay online")).click()
    attempt = CheckoutAttempt.objects.get(invoice=invoice)
    assert redirects == [(303, attempt.url)]
    page.goto(attempt.url)
    assert page.url == attempt.url
    assert checkout_pages == [attempt.url.split("#")[0]]  # a fragment never leaves the browser
    assert page.get_by_role("heading", name="Stripe Checkout (test stand-in)").is_visible()
    request = double.calls("post", "/v1/checkout/sessions")[0]
    assert request.idempotency_key.startswith(f"cpd-invoice-{invoice.pk}-checkout-1-")

    # The payer completes Checkout at Stripe; Stripe tells us by a signed webhook.
    double.pay(attempt.session_id)
    payload = double.event("checkout.session.completed", double.session(attempt.session_id))
    response = Client().post(
        "/billing/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload),
    )
    assert response.status_code == 200

    page.goto(f"{live_server.url}/billing/invoices/{invoice.pk}/")
    assert page.get_by_text("Paid in full. Thank you.").is_visible()
    assert not page.get_by_role("button", name=re.compile("Pay online")).count()
    axe_check(page)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert Payment.objects.get(stripe_checkout_session=attempt.session_id).method == "card"
