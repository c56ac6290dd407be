"""The trust page in real Chromium, checked by axe-core: reached from the person's account
page, and the add-someone form sent back with errors. The trust and consortium leads'
journeys at both widths are in test_role_journeys."""

import pytest

from tests.factories.accounts import PASSWORD

from .test_finance_corrections import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_trust_lead_reaches_the_trust_page_and_its_form_errors_pass_axe(
    live_server, page, axe_check, group_people
):
    base = live_server.url
    sign_in(page, base, group_people["trust_lead"].email, PASSWORD)
    page.goto(f"{base}/account/")
    page.get_by_role(
        "link", name="Haverleigh Learning Trust's schools, bookings and people"
    ).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Haverleigh Learning Trust").is_visible()
    assert page.get_by_role("link", name="Bookings and approvals at Oakfield Primary School")
    axe_check(page)
    page.get_by_label("Email address").fill("someone-new@trust.example")
    page.get_by_role("button", name="Add to the trust").click()
    page.wait_for_load_state()
    assert page.title().startswith("Error: ")
    summary = page.locator("[data-error-summary]")
    assert summary.get_by_text("Choose at least one role.").is_visible()
    axe_check(page)


def test_a_consortium_lead_sets_the_budget_rules_and_finds_places_waiting_for_them(
    live_server, page, axe_check, group_people
):
    base = live_server.url
    sign_in(page, base, group_people["consortium_lead"].email, PASSWORD)
    page.goto(f"{base}/account/consortium/{group_people['consortium'].pk}/")
    page.get_by_role("link", name="Budget rules").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Budget rules").is_visible()
    axe_check(page)
    page.get_by_label("Places paid from the partnership budget need a lead's approval").check()
    page.get_by_role("button", name="Save budget rules").click()
    page.wait_for_load_state()
    assert page.get_by_text("budget rules are saved").is_visible()
    page.get_by_role("link", name="Places asking for your partnership budget").first.click()
    page.wait_for_load_state()
    assert page.get_by_text("Nothing is waiting for you.").is_visible()
    axe_check(page)
