"""The bookings pages read on a phone (issue 19, item 8): at 390 px, My bookings, a school's
staff page and its bookings page reflow into stacked rows with nothing scrolling sideways
(WCAG 1.4.10), each passing axe; a declined request reads "Declined", and the sooner course
comes first."""

import pytest
from playwright.sync_api import expect

from accounts.models import School, User
from bookings import services
from bookings.models import Booking
from courses.models import CourseRun
from tests.factories import bookings as booked

from .test_journeys import sign_in
from .test_phone import PHONE, tab  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page):
    # Against the screen's 390 px, not innerWidth: in a phone's browser a page too wide for the
    # screen widens the layout viewport (innerWidth grows with it), so that test never fails.
    screen = page.viewport_size["width"]
    width = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert max(width) <= screen, f"{page.url} is {width[0]} px wide on a {screen} px screen"


def _three_runs_by_date():
    """Three bookable runs with no bookings, soonest first, on different days."""
    runs, days = [], set()
    for run in CourseRun.objects.with_dates().filter(status="open", bookings__isnull=True):
        if run.is_bookable and run.first_starts_at.date() not in days:
            runs.append(run)
            days.add(run.first_starts_at.date())
    runs.sort(key=lambda r: r.first_starts_at)
    return runs[0], runs[1], runs[2]


def test_the_bookings_pages_reflow_on_a_phone_and_say_declined(live_server, tab, axe_check):  # noqa: F811
    oakfield = School.objects.get(urn=990001)
    tom = User.objects.get(email="teacher@oakfield.sch.uk")
    lead = User.objects.get(email="cpdlead@oakfield.sch.uk")
    soonest, middle, latest = _three_runs_by_date()
    # Booked latest first: listed by booking date, it would come first.
    by_lead = {"booked_by": lead, "source": Booking.Source.WEB, "terms_accepted": True}
    later = booked.book(latest, tom, school=oakfield, **by_lead)
    sooner = booked.book(soonest, tom, school=oakfield, **by_lead)
    asked = booked.book(
        middle, tom, school=oakfield, source=Booking.Source.WEB, terms_accepted=True
    )
    services.decide_enrolment(
        asked.enrolments.get().pk, by=lead, approve=False, reason="Not this term"
    )

    page = tab(PHONE)
    base = live_server.url
    sign_in(page, base, tom.email)
    page.goto(f"{base}/bookings/")
    upcoming = page.locator("section", has=page.locator("#upcoming-heading"))
    rows = upcoming.locator("tbody tr")
    expect(rows.first).to_contain_text(sooner.reference)
    expect(rows.nth(1)).to_contain_text("Declined")
    expect(rows.nth(2)).to_contain_text(later.reference)
    # A stacked card: the column's name beside its value, the headings row out of sight.
    label = rows.first.locator("td[data-label='Status']").evaluate(
        "el => getComputedStyle(el, '::before').content"
    )
    assert label == '"Status: "'
    expect(upcoming.locator("thead")).not_to_be_in_viewport()
    no_sideways_scroll(page)
    axe_check(page)

    page.goto(f"{base}/bookings/{asked.reference}/")
    expect(page.locator(".status").first).to_have_text("Declined")
    no_sideways_scroll(page)
    axe_check(page)

    sign_in(page, base, lead.email)
    page.goto(f"{base}/account/school/{oakfield.pk}/")
    expect(page.get_by_role("heading", name="Staff")).to_be_visible()
    no_sideways_scroll(page)
    axe_check(page)

    page.goto(f"{base}/school/{oakfield.pk}/bookings/")
    listed = page.locator("table.stacked-table tbody tr")
    expect(listed.filter(has_text=asked.reference)).to_contain_text("Declined")
    texts = listed.all_inner_texts()
    at = {
        ref: next(i for i, t in enumerate(texts) if ref in t)
        for ref in (sooner.reference, later.reference)
    }
    assert at[sooner.reference] < at[later.reference], "the sooner course first"
    no_sideways_scroll(page)
    axe_check(page)
