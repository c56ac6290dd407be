"""Clear on every screen (issue 22): the header, the finder, a course page and a register at a
phone's 390 px and at a desktop's width, in real Chromium, each passing axe."""

import re

import pytest
from django.http import QueryDict
from playwright.sync_api import expect

from courses.models import CoursePage
from search.services import find_courses

from .test_after_course import todays_run  # noqa: F401 (a fixture)
from .test_journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONICS = "Systematic synthetic phonics: securing early reading"


@pytest.fixture
def tab(browser):
    """tab(PHONE) or tab(DESKTOP): a fresh browser tab at that size."""
    contexts = []

    def open_tab(size):
        context = browser.new_context(locale="en-GB", **size)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_tab
    for context in contexts:
        context.close()


def menu_button_state(page):
    """What assistive technology is told of the menu button: its role, name and expanded
    state, from Chromium's own accessibility tree."""
    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    for node in nodes:
        if node.get("name", {}).get("value") == "Menu" and not node.get("ignored"):
            props = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
            if "expanded" in props:
                return node["role"]["value"], props["expanded"]
    return None


def test_on_a_phone_the_header_is_a_menu_button_and_the_first_screen_is_the_page(
    live_server, tab, axe_check
):
    page = tab(PHONE)
    page.goto(live_server.url + "/")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 150, f"the header takes {header['height']} px of a phone"
    search = page.locator("#hero-q").bounding_box()
    assert search["y"] + search["height"] <= 844, "the home page search is on the first screen"

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Find a course")).to_be_hidden()
    button = page.locator("summary.site-menu__button")
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, "a thumb-sized target"
    assert menu_button_state(page) == ("DisclosureTriangle", False)
    axe_check(page)

    button.tap()
    expect(nav.get_by_role("link", name="Find a course")).to_be_visible()
    assert menu_button_state(page) == ("DisclosureTriangle", True)
    for link in nav.get_by_role("link").all():
        assert link.bounding_box()["height"] >= 24, "WCAG 2.2 target size"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe_check(page)
    nav.get_by_role("link", name="Find a course").tap()
    page.wait_for_url(live_server.url + "/courses/")


def test_the_menu_button_works_by_keyboard_and_shows_its_focus(live_server, tab):
    page = tab(PHONE)
    page.goto(live_server.url + "/")
    button = page.locator("summary.site-menu__button")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link").first).to_be_visible()
    # Reached from the keyboard, so :focus-visible applies.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert button.evaluate("el => el === document.activeElement")
    assert button.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link").first).to_be_hidden()


def test_on_a_desktop_the_header_shows_every_link_and_no_menu_button(live_server, tab, axe_check):
    page = tab(DESKTOP)
    page.goto(live_server.url + "/")
    expect(page.locator("summary.site-menu__button")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    expect(page.locator("details.site-menu:not([open]) nav")).to_be_visible()  # never folded
    expect(nav.get_by_role("link", name="Find a course")).to_be_visible()
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    tops = {round(link.bounding_box()["y"]) for link in nav.get_by_role("link").all()}
    assert len(tops) == 1, "the links sit in one row"
    axe_check(page)


def test_the_finder_on_a_phone_shows_n_courses_from_under_the_filters(live_server, tab, axe_check):
    page = tab(PHONE)
    page.goto(live_server.url + "/courses/")
    expect(page.locator("form[data-finder]")).to_have_class(re.compile("finder--live"))
    page.locator(".finder-filters__summary").tap()
    page.get_by_role("checkbox", name=re.compile(r"^Building capacity for inclusion \(")).check()
    expect(page).to_have_url(re.compile("strand=inclusion"))
    expect(page.locator("#finder-region")).not_to_have_attribute("aria-busy", "true")
    total = find_courses(QueryDict("strand=inclusion")).total
    show = page.get_by_role("link", name=f"Show {total} courses")
    expect(show).to_be_visible()
    # Sticky: in reach at the foot of the screen while the long list of filters is open.
    box = show.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe_check(page)

    show.tap()
    expect(page.locator("[data-finder-filters]")).not_to_have_attribute("open", "")
    heading = page.locator("#results-heading")
    assert heading.evaluate("el => el === document.activeElement")
    expect(heading).to_contain_text(f"{total} courses")
    expect(page.locator(".finder-card").first).to_contain_text("+ VAT")

    page.goto(live_server.url + "/courses/")
    page.get_by_label("Search courses").fill("phonix")
    page.get_by_role("button", name="Search").tap()
    expect(page.locator(".finder-card__title, .course-card__title").first).to_be_visible()
    expect(page.locator(".finder-list")).to_contain_text(PHONICS)
    expect(page.locator(".finder-notes")).to_contain_text("phonics")
    axe_check(page)


def test_the_finder_on_a_desktop_keeps_its_filters_beside_the_results(live_server, tab, axe_check):
    page = tab(DESKTOP)
    page.goto(live_server.url + "/courses/?q=phonix")
    expect(page.locator(".finder-list")).to_contain_text(PHONICS)
    expect(page.locator("a[data-finder-show]")).to_be_hidden()
    expect(page.locator(".finder-card").first).to_contain_text("+ VAT")
    axe_check(page)


def _course_with_a_date_to_book():
    for course in CoursePage.objects.live().order_by("title"):
        runs = list(course.upcoming_runs())
        if next_run := CoursePage.next_to_book(runs):
            return course, next_run
    raise AssertionError("the demo has a course with a date to book")


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_at_a_glance_books_the_next_date_signed_in_or_not(live_server, tab, axe_check, size):
    course, run = _course_with_a_date_to_book()
    page = tab(size)
    page.goto(live_server.url + course.url)  # a visitor: the page may come from the cache
    glance = page.locator(".course-layout__aside")
    book = glance.get_by_role("link", name=re.compile(rf"^Book .*\({run.reference}\)$"))
    expect(book).to_be_visible()
    axe_check(page)
    book.tap() if size is PHONE else book.click()
    page.wait_for_url(re.compile("/accounts/login/"))  # booking asks who you are

    sign_in(page, live_server.url, "teacher@oakfield.sch.uk")
    page.goto(live_server.url + course.url)
    book = page.locator(".course-layout__aside").get_by_role(
        "link", name=re.compile(rf"^Book .*\({run.reference}\)$")
    )
    book.tap() if size is PHONE else book.click()
    page.wait_for_url(re.compile(rf"/book/{run.pk}/"))


def test_on_a_phone_nothing_covers_the_registers_absent_buttons(
    live_server, tab, axe_check, request
):
    run = request.getfixturevalue("todays_run")  # Tom and Frank booked, started today
    page = tab(PHONE)
    sign_in(page, live_server.url, "facilitator@example.gov.uk")
    session = run.sessions.get()
    page.goto(f"{live_server.url}/registers/{run.pk}/session/{session.pk}/")
    for name in ("Tom Teacher", "Frank Finance"):
        label = f"Absent: {name}"
        absent = page.get_by_role("button", name=label)
        # Scrolled to the foot of the screen and a little above, where a floating bar sits,
        # every part of the button is the button: nothing lies over it.
        for lift in (0, 20, 40, 60, 80):
            absent.evaluate(
                "(el, lift) => { el.scrollIntoView({block: 'end'}); scrollBy(0, lift); }", lift
            )
            covered = page.evaluate(
                """([el, label]) => {
                    const r = el.getBoundingClientRect(), hits = [];
                    for (const fx of [0.1, 0.5, 0.9]) for (const fy of [0.15, 0.5, 0.85]) {
                        const x = r.left + r.width * fx, y = r.top + r.height * fy;
                        if (y < 0 || y >= innerHeight) continue;
                        const hit = document.elementFromPoint(x, y);
                        if (hit?.closest('button')?.getAttribute('aria-label') !== label)
                            hits.push(hit?.tagName);
                    }
                    return hits;
                }""",
                [absent.element_handle(), label],
            )
            assert not covered, f"{covered} lie over “{label}” (lifted {lift} px)"
    page.get_by_role("button", name="Absent: Frank Finance").tap()
    page.wait_for_function(
        "() => document.querySelector('#register-count').textContent.includes('1 of 2')"
    )
    axe_check(page)


def test_on_a_desktop_the_register_has_no_floating_bar_either(live_server, tab, axe_check, request):
    run = request.getfixturevalue("todays_run")  # Tom and Frank booked, started today
    page = tab(DESKTOP)
    sign_in(page, live_server.url, "facilitator@example.gov.uk")
    session = run.sessions.get()
    page.goto(f"{live_server.url}/registers/{run.pk}/session/{session.pk}/")
    expect(page.get_by_role("button", name="Absent: Frank Finance")).to_be_visible()
    expect(page.locator("wagtail-userbar")).to_have_count(0)
    page.goto(f"{live_server.url}/registers/")
    expect(page.locator("wagtail-userbar")).to_have_count(1)  # elsewhere staff keep it
    axe_check(page)


def test_without_javascript_apply_filters_is_the_sticky_button_on_a_phone(live_server, browser):
    context = browser.new_context(locale="en-GB", java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/courses/")
        expect(page.locator("a[data-finder-show]")).to_be_hidden()  # its count could be stale
        apply = page.get_by_role("button", name="Apply filters")
        box = apply.bounding_box()
        assert box["y"] + box["height"] <= 844, "in reach at the foot of the first screen"
        page.get_by_role("checkbox", name=re.compile(r"^Primary \(")).check()
        apply.tap()
        expect(page).to_have_url(re.compile("phase=primary"))
        expect(page.locator("#f-phase-primary")).to_be_checked()
    finally:
        context.close()
