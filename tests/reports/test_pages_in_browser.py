"""A service manager's view of the Reports pages in real Chromium: reached from the admin
menu, filtered, with charts that pass axe-core and no CSP violations."""

import re

import pytest

from tests.e2e import conftest as e2e

# The browser fixtures live in tests/e2e; these pages' test lives with the other reports tests.
_orm_beside_playwright, browser, page, axe_check = (
    e2e._orm_beside_playwright,
    e2e.browser,
    e2e.page,
    e2e.axe_check,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "cpd-demo-2026"


def sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.wait_for_load_state()


def test_reports_pages_are_reachable_filterable_and_accessible(
    live_server, demo, page, axe_check, tmp_path
):
    """Asks for the demo: its year of bookings, invoices and evaluations is what puts bars in
    every chart and strands in the filter that this walk checks."""
    base = live_server.url
    # The superuser: a flush between transactional tests empties the groups' grants.
    sign_in(page, base, "admin@example.gov.uk")
    page.goto(f"{base}/admin/")
    page.get_by_role("button", name="Reports").click()
    page.get_by_role("link", name="Income").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Income").is_visible()
    page.goto(f"{base}/admin/reports/")
    assert page.get_by_role("heading", level=1, name="Reports").is_visible()
    axe_check(page)

    for name in ("Income", "Buy-in", "Fill rates"):
        page.goto(f"{base}/admin/reports/")
        page.get_by_role("link", name=name, exact=True).click()
        page.wait_for_load_state()
        chart = page.get_by_role("img").filter(has=page.locator("title")).first
        assert chart.is_visible()
        axe_check(page)

    page.get_by_label("Strand", exact=True).select_option(index=1)
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "strand=" in page.url
    page.goto(page.url + "&minimum=many")  # typed into the address bar: the form refuses it
    assert page.get_by_text("Minimum numbers must be a whole number").is_visible()
    page.screenshot(path=str(tmp_path / "fill-rates.png"), full_page=True)

    # Buy-in targets, reached from the buy-in report.
    page.goto(f"{base}/admin/reports/buy-in/")
    page.get_by_role("link", name="Set buy-in targets").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Buy-in targets").is_visible()
    axe_check(page)
    page.get_by_label("Phase", exact=True).select_option("primary")
    page.get_by_label("Target (% of open schools bought in)").fill("120")
    page.get_by_role("button", name="Set the target").click()
    page.wait_for_load_state()
    assert page.get_by_text("less than or equal to 100").first.is_visible()
    axe_check(page)
    page.get_by_label("Target (% of open schools bought in)").fill("85")
    page.get_by_role("button", name="Set the target").click()
    page.wait_for_load_state()
    assert page.get_by_role("cell", name="85.0%").is_visible()
