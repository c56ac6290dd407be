"""After the course, as new users would try it: a facilitator marks the register on a phone,
the delegate evaluates and downloads a certificate, the CPD lead sees the school's record."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import School, User
from bookings.models import Attendance, Booking, Enrolment
from bookings.services import BookingRequest, Delegate, book_places
from courses.models import CoursePage, CourseRun, Facilitator, Session, Venue

from .test_journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def todays_run(demo):
    """Sarah Whitfield leads this course; its one session started today, up to an hour ago.
    Tom and Frank from Oakfield are booked (by phone, through book_places)."""
    sarah = User.objects.get(email="facilitator@example.gov.uk")
    Facilitator.objects.filter(name="Sarah Whitfield").update(user=sarah)
    course = CoursePage.objects.get(slug="send-essentials-for-teaching-assistants-primary")
    run = CourseRun.objects.create(
        course=course,
        reference="INC-E2E-1",
        status=CourseRun.Status.CLOSED,
        venue=Venue.objects.order_by("name").first(),
    )
    # Started an hour ago, but today where the service is: just after midnight, an hour ago
    # would be yesterday's session, not one for today's register.
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(now - dt.timedelta(hours=1), midnight)
    Session.objects.create(run=run, starts_at=start, ends_at=start + dt.timedelta(hours=3))
    school = School.objects.get(urn=990001)
    book_places(
        run.pk,
        BookingRequest(
            school=school,
            booked_by=User.objects.get(email="admin@example.gov.uk"),
            delegates=[
                Delegate(User.objects.get(email="teacher@oakfield.sch.uk")),
                Delegate(User.objects.get(email="finance@oakfield.sch.uk")),
            ],
            source=Booking.Source.PHONE,
            notify=False,
        ),
    )
    return run


def test_mark_the_register_on_a_phone_evaluate_and_download_the_certificate(
    live_server, browser, axe_check, todays_run
):
    base = live_server.url
    run = todays_run
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    page = phone.new_page()
    page.set_default_timeout(15_000)

    # The facilitator, at the door with a phone: Registers is in the header.
    sign_in(page, base, "facilitator@example.gov.uk")
    page.goto(base + "/")
    page.locator("summary.site-menu__button").tap()  # on a phone the links fold behind Menu
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Registers").tap()
    page.wait_for_url(f"{base}/registers/")
    axe_check(page)
    page.get_by_role("link", name=f"Take today's register for {run.reference}").tap()
    page.wait_for_url(re.compile(r"/session/\d+/$"))
    axe_check(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the door register fits a phone without sideways scrolling"

    present = page.get_by_role("button", name="Present: Tom Teacher")
    absent = page.get_by_role("button", name="Absent: Frank Finance")
    present.tap()
    page.wait_for_function(
        "() => document.querySelector('#register-count').textContent.includes('1 of 2')"
    )
    assert present.get_attribute("aria-pressed") == "true"
    absent.tap()
    page.wait_for_function(
        "() => document.querySelector('#register-count').textContent.includes('2 of 2')"
    )
    assert page.locator("#register-count").inner_text() == "2 of 2 marked, 1 present"
    assert page.locator("#register-live").inner_text() == "Frank Finance: absent"
    marks = dict(
        Attendance.objects.filter(enrolment__run=run).values_list(
            "enrolment__delegate__email", "present"
        )
    )
    assert marks == {"teacher@oakfield.sch.uk": True, "finance@oakfield.sch.uk": False}

    page.get_by_role("link", name="All sessions and closing").tap()
    page.wait_for_url(f"{base}/registers/{run.pk}/")
    axe_check(page)

    # The print view: on paper, only the register (names, schools, marks), no site chrome.
    page.get_by_role("link", name="Print view").tap()
    page.wait_for_url(f"{base}/registers/{run.pk}/print/")
    axe_check(page)
    page.emulate_media(media="print")
    grid = page.get_by_role("table")
    expect(grid.get_by_role("row", name=re.compile("Tom Teacher"))).to_contain_text("Present")
    expect(grid.get_by_role("row", name=re.compile("Frank Finance"))).to_contain_text("Absent")
    expect(grid).to_contain_text("Oakfield Primary School")
    expect(page.get_by_role("link", name="Back to the register")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Back to the register").tap()
    page.wait_for_url(f"{base}/registers/{run.pk}/")
    page.get_by_role("button", name="Close the register").tap()
    expect(page.get_by_text("Register closed: 1 attended, 1 did not.")).to_be_visible()
    statuses = dict(Enrolment.objects.filter(run=run).values_list("delegate__email", "status"))
    assert statuses == {"teacher@oakfield.sch.uk": "attended", "finance@oakfield.sch.uk": "no_show"}
    assert any(
        m.to == ["cpdlead@oakfield.sch.uk"] and "Frank Finance" in m.body for m in mail.outbox
    ), "the CPD lead hears of the no-show"

    # The delegate: My CPD, evaluate (a missed rating is explained), download the certificate.
    sign_in(page, base, "teacher@oakfield.sch.uk")
    page.goto(base + "/")
    page.locator("summary.site-menu__button").tap()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My CPD").tap()
    page.wait_for_url(f"{base}/my-cpd/")
    axe_check(page)
    page.get_by_role("link", name="Evaluate this course to get your certificate").tap()
    page.wait_for_url(re.compile(r"/evaluation/$"))
    axe_check(page)
    page.get_by_role("group", name="The quality of the course").get_by_label("5").check()
    page.get_by_role("group", name="The facilitator").get_by_label("4").check()
    page.get_by_label("What will you do differently after this course?").fill(
        "Plan what the TA does before the lesson, not during it."
    )
    page.get_by_role("button", name="Send evaluation and get my certificate").tap()
    expect(page.get_by_role("alert")).to_contain_text(
        "Rate “how relevant it was to your work” from 1 to 5."
    )
    axe_check(page)
    page.get_by_role("group", name="How relevant it was to your work").get_by_label("4").check()
    page.get_by_role("button", name="Send evaluation and get my certificate").tap()
    expect(page.get_by_text("Your certificate is ready to download")).to_be_visible()
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download certificate CPD-")).tap()
    pdf = PdfReader(download.value.path())
    assert len(pdf.pages) == 1
    text = " ".join(pdf.pages[0].extract_text().split())
    assert "Tom Teacher" in text and "SEND essentials for teaching assistants" in text
    number = re.search(r"CPD-[A-Z0-9]{5}-[A-Z0-9]{5}", text).group(0)

    # Anyone can check it, by the address printed on it.
    page.context.clear_cookies()
    page.goto(f"{base}/certificates/{number}/")
    assert page.get_by_text("This is a genuine certificate").is_visible()
    axe_check(page)

    # The CPD lead, from their account page, sees the school's record.
    sign_in(page, base, "cpdlead@oakfield.sch.uk")
    page.goto(base + "/account/")
    page.get_by_role("link", name="Oakfield Primary School's CPD record").tap()
    page.wait_for_url(re.compile(r"/school/\d+/cpd/$"))
    axe_check(page)
    hours = page.get_by_role("table")
    assert hours.get_by_role("row", name=re.compile("Tom Teacher")).is_visible()
    assert "Frank Finance" not in hours.inner_text()
    assert page.get_by_text("Average ratings from 1 evaluation").is_visible()
    with page.expect_download() as report:
        page.get_by_role("link", name="Download PDF report").tap()
    text = " ".join(PdfReader(report.value.path()).pages[0].extract_text().split())
    assert "Staff CPD report: Oakfield Primary School" in text
    assert "Tom Teacher" in text, text
    phone.close()
