"""A visitor browses from the home page to a course, in real Chromium, checked by axe-core."""

import re

import pytest
from django.utils import timezone

from courses.models import CoursePage, StrandPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_to_strand_to_course_shows_dates_and_passes_axe(live_server, demo, page, axe_check):
    strand = StrandPage.objects.get(title="Building capacity for inclusion")
    course = CoursePage.objects.child_of(strand).get(
        title="SEND essentials for teaching assistants in primary schools"
    )
    first_session = course.upcoming_runs().first().sessions.first()

    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).is_visible()
    axe_check(page)

    page.get_by_role("main").get_by_role("link", name=re.compile(strand.title)).click()
    page.wait_for_url(f"**{strand.url}")
    assert page.get_by_role("heading", level=1, name=strand.title).is_visible()
    axe_check(page)

    page.get_by_role("link", name=course.title).click()
    page.wait_for_url(f"**{course.url}")
    assert page.get_by_role("heading", name="Dates and places").is_visible()
    table = page.get_by_role("table")
    expected = timezone.localtime(first_session.starts_at).strftime("%a %-d %b %Y")
    assert table.get_by_text(expected).first.is_visible()
    axe_check(page)


def test_keyboard_user_can_skip_to_the_content(live_server, demo, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible(), "the skip link must appear when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_course_page_works_on_a_phone(live_server, demo, page, axe_check):
    page.set_viewport_size({"width": 375, "height": 740})
    course = CoursePage.objects.live().first()
    page.goto(live_server.url + course.url)
    assert page.get_by_role("heading", name="Dates and places").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page scrolls sideways on a phone ({width}px)"
    axe_check(page)


def test_the_axe_check_itself_catches_a_serious_violation(page, axe_check):
    """Control: without this, a broken harness would pass every page."""
    page.set_content(
        '<html lang="en"><body><main><h1>x</h1>'
        '<p style="color:#bbb;background:#fff">low contrast text</p>'
        '<input type="text"></main></body></html>'
    )
    with pytest.raises(AssertionError, match="color-contrast|label"):
        axe_check(page)
