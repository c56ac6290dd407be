"""The course finder in real Chromium: filtering in place, keyboard use, no-JS use, axe."""

import datetime as dt
import re

import pytest
from django.http import QueryDict
from django.utils import timezone
from playwright.sync_api import expect

from search.services import describe_month_or_term, find_courses, term_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SEND_TA = "SEND essentials for teaching assistants in primary schools"
CHOICES = "strand=inclusion&phase=primary&audience=teaching-assistants&places=available"


def tick(page, name, param):
    """Tick a facet by its label and wait for the in-place update to land."""
    page.get_by_role("checkbox", name=re.compile(name)).check()
    expect(page).to_have_url(re.compile(re.escape(param)))
    expect(page.locator("#finder-region")).not_to_have_attribute("aria-busy", "true")


def test_ticking_facets_updates_results_in_place_and_passes_axe(live_server, demo, page, axe_check):
    expected = find_courses(QueryDict(CHOICES)).total
    page.goto(live_server.url + "/courses/")
    expect(page.locator("form[data-finder]")).to_have_class(re.compile("finder--live"))
    expect(page.get_by_role("button", name="Apply filters")).to_be_hidden()
    # Set on the window: a full page load would lose it.
    page.evaluate("window.finderMarker = 'same page'")
    first_card = page.locator(".finder-list .course-card__title").first.inner_text()

    tick(page, r"^Building capacity for inclusion \(", "strand=inclusion")
    tick(page, r"^Primary \(", "phase=primary")
    tick(page, r"^Teaching assistants \(", "audience=teaching-assistants")
    tick(page, r"^Only courses with places left \(", "places=available")

    assert page.evaluate("window.finderMarker") == "same page", "the page reloaded"
    assert page.url.endswith("/courses/?" + CHOICES)
    heading = page.locator("#results-heading")
    expect(heading).to_contain_text(f"{expected} course")
    expect(page.get_by_role("status")).to_have_text(
        f"{expected} course{'s' if expected != 1 else ''} found"
    )
    cards = page.locator(".finder-list .course-card__title")
    expect(cards.filter(has_text=SEND_TA)).to_have_count(1)
    assert cards.count() == expected and cards.first.inner_text() != first_card
    for box in ("strand-inclusion", "phase-primary", "audience-teaching-assistants"):
        expect(page.locator(f"#f-{box}")).to_be_checked()
    axe_check(page)

    # Back undoes the last choice, still without a reload.
    page.go_back()
    expect(page).not_to_have_url(re.compile("places="))
    expect(page.locator("#f-places-available")).not_to_be_checked()
    assert page.evaluate("window.finderMarker") == "same page"


def test_search_then_remove_a_filter_by_its_link(live_server, demo, page, axe_check):
    page.goto(live_server.url + "/courses/?strand=inclusion&subject=maths")
    expect(page.get_by_text("No course matches")).to_be_visible()
    axe_check(page)
    page.evaluate("window.finderMarker = 'same page'")
    page.get_by_role("link", name="remove “Subject: Maths”").click()
    expect(page).to_have_url(re.compile(r"/courses/\?strand=inclusion$"))
    expect(page.locator(".finder-list .course-card").first).to_be_visible()
    assert page.evaluate("window.finderMarker") == "same page"
    # Focus goes to the new results, not back to the top of the page.
    assert page.evaluate("document.activeElement.id") == "results-heading"

    page.get_by_label("Search courses").fill("SEND teaching assistants")
    page.get_by_label("Search courses").press("Enter")
    expect(page).to_have_url(re.compile(r"q=SEND\+teaching\+assistants"))
    expect(page.locator(".finder-list .course-card__title").first).to_have_text(SEND_TA)


def test_facets_are_labelled_form_controls_a_keyboard_can_use(live_server, demo, page):
    page.goto(live_server.url + "/courses/")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('#finder-region input, #finder-region select')]
              .filter(el => !el.labels.length || !el.labels[0].textContent.trim())
              .map(el => el.name + '=' + el.value)"""
    )
    assert unlabelled == []
    outside_fieldsets = page.evaluate(
        """() => [...document.querySelectorAll('#finder-region input[type=checkbox]')]
              .filter(el => !el.closest('fieldset')?.querySelector('legend')?.textContent.trim())
              .length"""
    )
    assert outside_fieldsets == 0

    # Keyboard only: Tab to the first facet, tick it with Space, and stay on it.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "checkbox":
            break
    else:
        pytest.fail("Tab never reached a facet checkbox")
    focused = page.evaluate("document.activeElement.id")
    assert page.evaluate("document.activeElement.closest('fieldset').querySelector('legend')")
    page.keyboard.press("Space")
    expect(page.locator(f"#{focused}")).to_be_checked()
    expect(page).to_have_url(re.compile(r"\?strand="))
    expect(page.locator("#finder-region")).not_to_have_attribute("aria-busy", "true")
    assert page.evaluate("document.activeElement.id") == focused, "focus was lost in the update"
    page.keyboard.press("Space")
    expect(page.locator(f"#{focused}")).not_to_be_checked()


def test_without_javascript_the_form_still_filters(live_server, demo, browser):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/courses/")
        page.get_by_role("checkbox", name=re.compile(r"^Primary \(")).check()
        page.get_by_role("checkbox", name=re.compile(r"^Teaching assistants \(")).check()
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r"phase=primary.*audience=teaching-assistants"))
        expect(
            page.locator(".finder-list .course-card__title").filter(has_text=SEND_TA)
        ).to_have_count(1)
    finally:
        context.close()


def next_term(today):
    """The school term after the one `today` is in (or the next to start, in August)."""
    current = term_of(today)
    day = today
    while term_of(day) in (current, None):
        day += dt.timedelta(days=1)
    return term_of(day)


def test_a_teacher_finds_inclusion_courses_for_primary_tas_next_term_in_three_clicks(
    live_server, demo, page, axe_check
):
    """As a new user would: from the home page, say what you need in the search box, then
    narrow by term and places. Typing is not a click; each click is counted."""
    term = next_term(timezone.localdate())
    clicks = []

    def click(locator, why):
        locator.click()
        clicks.append(why)

    page.goto(live_server.url + "/")
    page.get_by_label("Find a course").fill("inclusion primary teaching assistants")
    click(page.get_by_role("button", name="Search", exact=True), "search")
    expect(page).to_have_url(re.compile(r"/courses/\?q=inclusion"))
    expect(page.locator("form[data-finder]")).to_have_class(re.compile("finder--live"))

    term_label = re.compile(rf"^{describe_month_or_term(term)} \(")
    click(page.get_by_role("checkbox", name=term_label), "next term")
    expect(page).to_have_url(re.compile(rf"term={term}"))
    expect(page.locator("#finder-region")).not_to_have_attribute("aria-busy", "true")
    click(
        page.get_by_role("checkbox", name=re.compile(r"^Only courses with places left \(")),
        "places",
    )
    expect(page).to_have_url(re.compile(r"places=available"))
    expect(page.locator("#finder-region")).not_to_have_attribute("aria-busy", "true")
    assert len(clicks) == 3, clicks

    # What the page now lists is what was asked for: the best match first.
    first = page.locator(".finder-list .course-card").first
    expect(first.locator(".course-card__title")).to_have_text(SEND_TA)
    expect(first.locator(".finder-card__strand")).to_have_text("Building capacity for inclusion")
    expect(first).not_to_contain_text("Full – join the waiting list")
    params = QueryDict(page.url.split("?", 1)[1])
    found = find_courses(params)
    assert found.results[0].course.title == SEND_TA
    course = found.results[0].course
    assert {"primary"} <= set(course.phases.values_list("slug", flat=True))
    assert "teaching-assistants" in course.audiences.values_list("slug", flat=True)
    for result in found.page.paginator.object_list:
        run_day = timezone.localtime(result.run.first_starts_at).date()
        assert term_of(run_day) == term
    axe_check(page)

    # The course page it leads to passes axe too.
    first.get_by_role("link", name=SEND_TA).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SEND_TA)
    axe_check(page)
