"""Forms sent back with errors, in real Chromium (issue 22): the page's title says "Error",
focus lands on the "There is a problem" summary (with JavaScript or without), its links move
to the field, and axe passes. And the course editor's learning outcomes have a label."""

import re

import pytest

from courses.models import CoursePage
from demo.people import DEMO_PASSWORD

from .test_finance_corrections import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ENQUIRY = "/bespoke-support/"


def _send_empty_enquiry(page, base):
    page.goto(base + ENQUIRY)
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()


def test_after_an_error_focus_is_on_the_summary_and_its_links_reach_the_fields(
    live_server, page, axe_check
):
    _send_empty_enquiry(page, live_server.url)
    assert page.title().startswith("Error: ")
    summary = page.locator("[data-error-summary]")
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'error-summary'"
    )
    assert summary.get_by_role("heading", name="There is a problem").is_visible()
    link = summary.get_by_role("link").first
    target = link.get_attribute("href")[1:]
    # Every input's aria-describedby names elements that are on the page.
    missing = page.evaluate(
        """() => [...document.querySelectorAll('[aria-describedby]')]
            .flatMap(el => el.getAttribute('aria-describedby').split(/\\s+/))
            .filter(id => !document.getElementById(id))"""
    )
    assert missing == []
    link.click()
    assert page.evaluate("document.activeElement.id") == target
    axe_check(page)


def test_without_javascript_the_summary_still_takes_focus(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    try:
        _send_empty_enquiry(tab, live_server.url)
        assert tab.title().startswith("Error: ")
        tab.keyboard.press("Tab")  # autofocus put focus in the summary: Tab goes to its first link
        focused = tab.locator(":focus")
        assert focused.get_attribute("href", timeout=2_000).startswith("#")
        assert tab.locator("[data-error-summary] a").first.evaluate(
            "a => a === document.activeElement"
        )
    finally:
        context.close()


def test_the_course_editors_learning_outcomes_are_labelled(live_server, page):
    base = live_server.url
    course = CoursePage.objects.exclude(learning_outcomes=[]).first()
    sign_in(page, base, "admin@example.gov.uk", DEMO_PASSWORD)
    page.goto(f"{base}/admin/pages/{course.pk}/edit/")
    page.wait_for_load_state()
    outcomes = page.locator("input[name^='learning_outcomes-'][name$='-value']")
    assert outcomes.count() == len(course.learning_outcomes)
    for i in range(outcomes.count()):
        name = outcomes.nth(i).evaluate(
            """el => (el.labels && el.labels.length ? el.labels[0].innerText : '')
                || el.getAttribute('aria-label') || ''"""
        )
        assert re.search(r"outcome", name, re.I), f"outcome {i} has no label"
