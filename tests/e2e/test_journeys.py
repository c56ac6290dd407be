"""Whole journeys in real Chromium, as a new user would try them."""

import re

import pytest
from django.core import mail

from accounts.models import Membership, School
from bookings.models import Enrolment, WaitingListEntry
from courses.models import CourseRun

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "cpd-demo-2026"


def sign_in(page, base, email, password=PASSWORD):
    page.context.clear_cookies()  # a fresh visitor on this browser
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.wait_for_load_state()


def test_a_new_teacher_signs_up_verifies_finds_and_joins_their_school(
    live_server, demo, page, axe_check
):
    base = live_server.url
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Email").fill("maria.lopez@supplyteach.example")
    page.get_by_label("Password", exact=True).fill("Summer-Term-2027!")
    page.get_by_label(re.compile("Password \\(again\\)")).fill("Summer-Term-2027!")
    page.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    page.wait_for_load_state()
    assert "verify" in page.content().lower() or "confirm" in page.content().lower()

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(base + "/accounts/confirm-email/" + link.split("/accounts/confirm-email/")[1])
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    page.wait_for_load_state()
    page.wait_for_url(f"{base}/account/school/find/")

    search = page.get_by_label("School name, URN or postcode")
    search.press_sequentially("Oakf", delay=40)  # the typeahead fills results as we type
    results = page.locator("#school-results")
    results.get_by_role("button", name="Join Oakfield Primary School").wait_for()
    axe_check(page)
    results.get_by_role("button", name=re.compile("Join.*Oakfield")).click()
    assert page.get_by_text(re.compile("asked Oakfield Primary School's CPD lead")).is_visible()
    assert any(
        "maria.lopez@supplyteach.example" in m.body
        for m in mail.outbox
        if m.to == ["cpdlead@oakfield.sch.uk"]
    )

    sign_in(page, base, "cpdlead@oakfield.sch.uk")
    school = School.objects.get(urn=990001)
    page.goto(f"{base}/account/school/{school.pk}/")
    axe_check(page)
    page.get_by_role("button", name="Approve maria.lopez@supplyteach.example").click()
    page.wait_for_load_state()
    assert Membership.objects.filter(
        user__email="maria.lopez@supplyteach.example", school=school, is_teacher=True
    ).exists()

    sign_in(page, base, "maria.lopez@supplyteach.example", "Summer-Term-2027!")
    page.goto(f"{base}/account/")
    schools = page.get_by_role("region", name="Your schools")
    assert schools.get_by_text("Oakfield Primary School").is_visible()
    assert schools.get_by_text("Teacher").first.is_visible()


def test_book_approve_see_cancel_and_the_waiting_list_gets_the_offer(
    live_server, demo, page, axe_check
):
    base = live_server.url
    run = next(
        r
        for r in CourseRun.objects.upcoming().filter(
            status="open", bookings__isnull=True, venue__isnull=False
        )
        if r.is_bookable
    )
    run.capacity = 1
    run.save()
    course = run.course
    # The CPD lead's approval alone: the demo's spend limit for a second, finance stage is
    # tested in test_approval_pages.
    School.objects.filter(urn=990001).update(approval_spend_threshold=None)

    # A teacher at Oakfield (which needs CPD-lead approval) books the last place.
    sign_in(page, base, "teacher@oakfield.sch.uk")
    page.goto(base + course.url)
    page.get_by_role("link", name=f"Book {run.reference}").click()
    # The Book button answers with the form itself for a teacher booking themself.
    page.wait_for_url(re.compile(rf"/book/{run.pk}/$"))
    assert page.get_by_role("heading", name="Check and confirm").is_visible()
    assert page.get_by_role("heading", name="Cancellation terms").is_visible()
    axe_check(page)
    page.get_by_label(re.compile("I accept the booking terms")).check()
    page.get_by_role("button", name="Confirm booking").click()
    assert page.get_by_text(
        re.compile("Request sent to Oakfield Primary School's CPD lead")
    ).is_visible()
    next_steps = page.get_by_role("region", name="What happens next")
    assert next_steps.get_by_text(re.compile("Sent to your CPD lead for approval")).is_visible()
    axe_check(page)

    # Someone at another school joins the waiting list for the now-full run.
    sign_in(page, base, "teacher@riverside-academy.org.uk")
    page.goto(base + course.url)
    page.get_by_role("button", name=f"Join waiting list for {run.reference}").click()
    assert page.get_by_text(re.compile("You are on the waiting list")).is_visible()

    # The CPD lead approves.
    sign_in(page, base, "cpdlead@oakfield.sch.uk")
    page.goto(f"{base}/school/{School.objects.get(urn=990001).pk}/bookings/")
    axe_check(page)
    page.get_by_role("button", name=re.compile("^Approve teacher@oakfield.sch.uk")).click()
    page.wait_for_load_state()
    enrolment = Enrolment.objects.get(run=run, delegate__email="teacher@oakfield.sch.uk")
    assert enrolment.status == "confirmed"

    # The teacher sees it, then cancels.
    sign_in(page, base, "teacher@oakfield.sch.uk")
    page.goto(f"{base}/bookings/")
    upcoming = page.get_by_role("region", name="Upcoming")
    assert upcoming.get_by_text(course.title).is_visible()
    axe_check(page)
    upcoming.get_by_role("link", name=enrolment.booking.reference).click()
    page.get_by_role("link", name=re.compile("Cancel this place")).click()
    page.get_by_label("Yes, cancel this place").check()
    page.get_by_role("button", name="Cancel the place").click()
    page.wait_for_load_state()
    enrolment.refresh_from_db()
    assert enrolment.status == "cancelled"

    # The place goes to the first in line, by email, with a link that works.
    entry = WaitingListEntry.objects.get(run=run)
    assert entry.status == "offered"
    offer = next(
        m
        for m in mail.outbox
        if m.to == ["teacher@riverside-academy.org.uk"] and "A place for you" in m.subject
    )
    accept = re.search(r"http://\S+/offer/\S+/", offer.body).group(0)
    sign_in(page, base, "teacher@riverside-academy.org.uk")
    page.goto(base + "/offer/" + accept.split("/offer/")[1])
    page.get_by_role("button", name="Accept the place").click()
    assert page.get_by_text(re.compile("The place is yours")).is_visible()
    assert (
        Enrolment.objects.get(run=run, delegate__email="teacher@riverside-academy.org.uk").status
        == "confirmed"
    )
