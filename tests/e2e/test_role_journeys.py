"""Issue 22, done: a journey per role through each screen the issue fixed, at a phone's 390 px
and a desktop's 1280 px, in real Chromium, every page passing axe (no serious or critical
findings). A failure's id names the role and the width. Issue 19's group leads have their
journeys here too: a trust lead and a consortium lead, through the demo's own people.

The data is the demo programme (tests/e2e/conftest.py seeds it for every browser test) and its
people; what a journey needs beyond it is made by the factories (tests/factories), and the
bookings officer's authenticator is set up as a person would (tests/people.py)."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from accounts import services as accounts_services
from accounts.models import School, User
from billing.models import Invoice
from bookings.models import Booking, Enrolment
from courses.models import CoursePage, CourseRun, StrandPage
from demo.people import DEMO_PASSWORD
from tests import people as via
from tests.factories import accounts as made
from tests.factories import bookings as booked

from .conftest import AXE
from .test_after_course import todays_run  # noqa: F401 (a fixture)
from .test_journeys import sign_in
from .test_phone import (
    DESKTOP,
    PHONE,
    _course_with_a_date_to_book,
    tab,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"390": PHONE, "1280": DESKTOP}


def is_phone(page):
    return page.viewport_size["width"] < 600


def press(page, locator):
    locator.tap() if is_phone(page) else locator.click()


def header_and_404(page, base, axe_check):
    """Everyone: the header fits the width (a Menu button and the home search on a phone's
    first screen), and a missing page is the site's own 404."""
    page.goto(base + "/")
    menu = page.locator("summary.site-menu__button")
    nav = page.get_by_role("navigation", name="Main")
    if is_phone(page):
        expect(menu).to_be_visible()
        expect(menu).to_have_text(re.compile("Menu"))
        expect(nav.get_by_role("link", name="Find a course")).to_be_hidden()
        height = page.locator(".site-header").bounding_box()["height"]
        assert height < 200, f"the header takes {height} px of a phone"
        search = page.locator("#hero-q").bounding_box()
        assert search["y"] + search["height"] <= page.viewport_size["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    else:
        expect(menu).to_be_hidden()
        expect(nav.get_by_role("link", name="Find a course")).to_be_visible()
    axe_check(page)

    response = page.goto(base + "/no-such-page-for-issue-22/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator(".site-header")).to_be_visible()  # the site's page, not Django's
    axe_check(page)


def visitor(page, base, axe_check):
    page.goto(base + "/courses/")
    expect(page.locator("form[data-finder]")).to_have_class(re.compile("finder--live"))
    show = page.locator("a[data-finder-show]")
    if is_phone(page):
        page.locator(".finder-filters__summary").tap()
        expect(show).to_be_visible()
        expect(show).to_have_text(re.compile(r"^Show \d+ courses?$"))
        box = show.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844, "sticky, in reach"
    else:
        expect(show).to_be_hidden()
    expect(page.locator(".finder-card").first).to_contain_text("+ VAT")
    axe_check(page)

    course, run = _course_with_a_date_to_book()
    page.goto(base + course.url)
    glance = page.locator(".course-layout__aside")
    expect(glance.get_by_role("heading", name="At a glance")).to_be_visible()
    book = glance.get_by_role("link", name=re.compile(rf"^Book .*\({run.reference}\)$"))
    expect(book).to_be_visible()
    axe_check(page)

    strand = StrandPage.objects.live().order_by("path").first()
    page.goto(base + strand.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(strand.title)
    axe_check(page)


def _open_runs_to_book():
    return (
        r
        for r in CourseRun.objects.upcoming()
        .filter(status="open", bookings__isnull=True, venue__isnull=False)
        .order_by("pk")
        if r.is_bookable
    )


def _open_run_to_book():
    return next(_open_runs_to_book())


def fits_the_width(page):
    """Nothing scrolls sideways: on a phone that is WCAG 1.4.10's reflow."""
    if is_phone(page):
        # Against the screen, not innerWidth, which a too-wide page widens on a phone.
        screen = page.viewport_size["width"]
        width = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
        assert max(width) <= screen, f"{page.url} is {width[0]} px wide on {screen} px"


def teacher(page, base, axe_check):
    run = _open_run_to_book()
    sign_in(page, base, "teacher@oakfield.sch.uk")
    page.goto(base + run.course.url)
    press(page, page.get_by_role("link", name=re.compile(rf"^Book .*{run.reference}")).first)
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    terms = page.get_by_role("link", name=re.compile("booking terms"))
    expect(terms).to_have_attribute("href", re.compile(r"^/"))

    press(page, page.get_by_role("button", name="Confirm booking"))  # nothing ticked
    expect(page).to_have_title(re.compile("^Error: "))
    page.wait_for_function("document.activeElement?.id === 'error-summary'")
    summary = page.locator("[data-error-summary]")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_contain_text("Accept the booking terms")
    axe_check(page)

    page.get_by_label(re.compile("I accept the booking terms")).check()
    press(page, page.get_by_role("button", name="Confirm booking"))
    next_steps = page.get_by_role("region", name="What happens next")
    expect(next_steps).to_contain_text("Sent to your CPD lead for approval")
    assert Enrolment.objects.filter(
        run=run, delegate__email="teacher@oakfield.sch.uk", status="pending_approval"
    ).exists()
    axe_check(page)


def cpd_lead(page, base, axe_check):
    oakfield = School.objects.get(urn=990001)  # its bookings need the CPD lead's approval
    run = _open_run_to_book()
    teacher = User.objects.get(email="teacher@oakfield.sch.uk")
    booked.book(run, teacher, school=oakfield, source=Booking.Source.WEB, terms_accepted=True)
    sign_in(page, base, "cpdlead@oakfield.sch.uk")
    page.goto(f"{base}/school/{oakfield.pk}/bookings/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Oakfield Primary School: staff bookings"
    )
    approve = page.get_by_role(
        "button", name=f"Approve teacher@oakfield.sch.uk for {run.course.title}"
    )
    expect(approve).to_be_visible()
    axe_check(page)
    press(page, approve)
    expect(approve).to_have_count(0)
    assert Enrolment.objects.get(run=run, delegate=teacher).status == "confirmed"


def finance_contact(page, base, axe_check):
    invoice = Invoice.objects.filter(account__school__urn=990001, status="issued").first()
    assert invoice, "the demo gives Oakfield an issued statement invoice"
    sign_in(page, base, "finance@oakfield.sch.uk")
    page.goto(f"{base}/billing/invoices/{invoice.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invoice {invoice.number}")
    # No Stripe keys in the test settings: bank transfer is the way to pay, and says how.
    expect(page.get_by_role("button", name=re.compile("Pay online"))).to_have_count(0)
    expect(page.get_by_role("heading", name="By bank transfer (BACS)")).to_be_visible()
    expect(page.locator(".bank-details")).to_contain_text("Sort code")
    if is_phone(page):
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe_check(page)


def marketing_editor(page, base, axe_check):
    # Wagtail's editor is a desktop tool (its own layout, not the site's); issue 22 fixed the
    # labels of its learning-outcome inputs, which do not depend on the width, so 1280 only.
    course = CoursePage.objects.live().exclude(learning_outcomes=[]).order_by("pk").first()
    sign_in(page, base, "editor@example.gov.uk")
    page.goto(f"{base}/admin/pages/{course.pk}/edit/")
    page.wait_for_load_state()
    outcomes = page.locator("input[name^='learning_outcomes-'][name$='-value']")
    expect(outcomes).to_have_count(len(course.learning_outcomes))
    assert outcomes.count() > 0, "a demo course with learning outcomes"
    names = outcomes.evaluate_all(
        """els => els.map(el => (el.labels && el.labels.length ? el.labels[0].innerText : '')
            || el.getAttribute('aria-label') || '')"""
    )
    assert all(re.search("outcome", name, re.I) for name in names), names
    axe_outside(page, WAGTAILS_OWN)


# A widget Wagtail draws itself fails axe on the course editor: a Draftail rich text box
# (`aria-input-field-name`, serious). Named here so the rest of the editor is still checked.
# The tag field's box is named by courses.wagtail_hooks.name_tag_inputs, so it is checked.
WAGTAILS_OWN = [".public-DraftEditor-content"]


def axe_outside(page, exclude):
    """conftest's axe_check on the page but for the `exclude` selectors."""
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """(exclude) => axe.run({include: [document], exclude: exclude.map(s => [s])},
            {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
            'wcag22aa', 'best-practice']}})""",
        exclude,
    )
    bad = [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"axe found problems on {page.url}: {bad}"


def bookings_officer(page, base, axe_check, run, settings):
    # Staff must have an authenticator: set one up as the officer would, then sign in with it.
    settings.ADMIN_MFA_REQUIRED = True
    email = "bookings@example.gov.uk"
    client = Client()
    assert via.sign_in(client, email, DEMO_PASSWORD).status_code == 302
    secret = via.set_up_authenticator(client, DEMO_PASSWORD)
    sign_in(page, base, email, DEMO_PASSWORD)
    page.wait_for_url(re.compile("/accounts/2fa/authenticate/"))
    page.get_by_label(re.compile("code", re.I)).fill(via.totp_code(secret))
    page.get_by_role("button", name=re.compile("Sign In|Authenticate|Continue", re.I)).click()
    page.wait_for_load_state()

    session = run.sessions.get()
    page.goto(f"{base}/registers/{run.pk}/session/{session.pk}/")
    absent = page.get_by_role("button", name="Absent: Frank Finance")
    expect(absent).to_be_visible()
    expect(page.locator("wagtail-userbar")).to_have_count(0)  # nothing floats over the buttons
    absent.scroll_into_view_if_needed()
    box = absent.bounding_box()
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.closest('button')"
        "?.getAttribute('aria-label')",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit == "Absent: Frank Finance"
    axe_check(page)
    press(page, absent)
    page.wait_for_function(
        "() => document.querySelector('#register-count').textContent.includes('1 of 2')"
    )


TRUST_LEAD = "cpdlead@haverleigh-trust.org.uk"  # Haverleigh Learning Trust: Riverside Academy
ADMIN = "admin@example.gov.uk"  # the CPD team, taking a booking by phone
CONSORTIUM_LEAD = "lead@haverleigh-partnership.org.uk"  # the partnership: Brookvale


def trust_lead(page, base, axe_check):
    """Issue 19: from their account page to the trust, a member school's bookings, where they
    approve a teacher's own request, then book a member school's teacher themself.
    (test_group_pages covers the trust page's add-someone form and its errors.)"""
    riverside = School.objects.get(urn=990003)
    lead = User.objects.get(email=TRUST_LEAD)
    ravi = User.objects.get(email="teacher@riverside-academy.org.uk")
    # The trust lead has Riverside's staff ask first (its rules page), and Ravi asks.
    riverside = accounts_services.set_approval_rules(
        riverside.pk, by=lead, need_approval=True, spend_threshold=None
    )
    runs = _open_runs_to_book()
    asked, to_book = next(runs), next(runs)
    booked.book(asked, ravi, school=riverside, source=Booking.Source.WEB, terms_accepted=True)
    assert Enrolment.objects.get(run=asked, delegate=ravi).status == "pending_approval"

    sign_in(page, base, TRUST_LEAD)
    page.goto(f"{base}/account/")
    press(
        page,
        page.get_by_role("link", name="Haverleigh Learning Trust's schools, bookings and people"),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Haverleigh Learning Trust")
    fits_the_width(page)
    axe_check(page)
    press(page, page.get_by_role("link", name="Bookings and approvals at Riverside Academy"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Academy: staff bookings")
    approve = page.get_by_role("button", name=f"Approve {ravi.email} for {asked.course.title}")
    expect(approve).to_be_visible()
    fits_the_width(page)
    axe_check(page)
    press(page, approve)
    expect(approve).to_have_count(0)
    assert Enrolment.objects.get(run=asked, delegate=ravi).status == "confirmed"

    page.goto(f"{base}/book/{to_book.pk}/")
    expect(page.get_by_role("group", name="Choose staff from Riverside Academy")).to_be_visible()
    page.get_by_label("Ravi Teacher").check()
    axe_check(page)
    press(page, page.get_by_role("button", name="Continue"))
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    page.get_by_label(re.compile("I accept the booking terms")).check()
    press(page, page.get_by_role("button", name="Confirm booking"))
    expect(page.get_by_text(re.compile("Booked. Your reference is"))).to_be_visible()
    fits_the_width(page)
    axe_check(page)
    place = Enrolment.objects.get(run=to_book, delegate=ravi)
    # A trust lead books as a manager: the place waits for nobody's approval.
    assert place.status == "confirmed" and place.booking.booked_by == lead


def consortium_lead(page, base, axe_check):
    """Issue 19: the consortium page and a member school's bookings, read-only (no approving,
    no changing, no opening anyone's booking). Was test_group_pages' consortium test."""
    brookvale = School.objects.get(urn=990004)
    (teacher,) = made.staff_of(brookvale, 1)
    run = _open_run_to_book()
    booked.book(run, teacher, school=brookvale, booked_by=User.objects.get(email=ADMIN))
    sign_in(page, base, CONSORTIUM_LEAD)
    page.goto(f"{base}/account/")
    press(
        page,
        page.get_by_role(
            "link", name="Haverleigh Special Schools Partnership's schools, bookings and budget"
        ),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Haverleigh Special Schools Partnership"
    )
    expect(page.get_by_role("heading", level=2, name="Member schools (1)")).to_be_visible()
    fits_the_width(page)
    axe_check(page)
    press(page, page.get_by_role("link", name=f"Bookings at {brookvale.name}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{brookvale.name}: staff bookings")
    table = page.locator("table.data-table")
    expect(table.locator("tbody tr").first).to_contain_text(run.course.title)
    expect(page.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Send a colleague instead"))).to_have_count(0)
    expect(table.locator("a[href^='/bookings/']")).to_have_count(0)  # references, not links
    fits_the_width(page)
    axe_check(page)


ROLES = {
    "visitor": visitor,
    "teacher": teacher,
    "cpd_lead": cpd_lead,
    "finance_contact": finance_contact,
    "marketing_editor": marketing_editor,
    "bookings_officer": bookings_officer,
    "trust_lead": trust_lead,
    "consortium_lead": consortium_lead,
}
CASES = [
    pytest.param(role, width, id=f"{role}-{width}")
    for role in ROLES
    for width in WIDTHS
    if not (role == "marketing_editor" and width == "390")
]


@pytest.mark.parametrize(("role", "width"), CASES)
def test_each_role_passes_through_the_screens_issue_22_fixed(
    live_server, axe_check, request, settings, role, width
):
    page = request.getfixturevalue("tab")(WIDTHS[width])  # test_phone's: a tab at this size
    base = live_server.url
    header_and_404(page, base, axe_check)  # as a visitor, before anyone signs in
    if role == "bookings_officer":
        run = request.getfixturevalue("todays_run")  # Tom and Frank booked, started today
        bookings_officer(page, base, axe_check, run, settings)
    else:
        ROLES[role](page, base, axe_check)
    if role != "visitor":
        header_and_404(page, base, axe_check)  # and signed in, with their own header
