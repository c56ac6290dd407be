"""Two-stage approval in real Chromium, checked by axe-core: the CPD lead sets a spend limit
(a bad one first), a teacher books saying what they want to change, the lead approves, and the
finance contact declines from their list, first without the reason the page asks for."""

import re

import pytest

from accounts.models import School
from bookings.models import Enrolment
from courses.models import CourseRun

from .test_journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_spend_limit_lead_then_finance_decline_with_a_reason(live_server, demo, page, axe_check):
    base = live_server.url
    oakfield = School.objects.get(urn=990001)
    run = next(
        r
        for r in CourseRun.objects.upcoming()
        .filter(
            status="open", bookings__isnull=True, venue__isnull=False, course__default_price__gt=0
        )
        .exclude(price_override=0)
        if r.is_bookable
    )

    sign_in(page, base, "cpdlead@oakfield.sch.uk")
    page.goto(f"{base}/account/school/{oakfield.pk}/")
    page.get_by_role("link", name="Approval rules").click()
    page.get_by_label(re.compile("Also ask the finance contact")).fill("-1")
    page.get_by_role("button", name="Save approval rules").click()
    assert page.get_by_role("alert").get_by_text(re.compile("£0 or more")).is_visible()
    axe_check(page)
    page.get_by_label(re.compile("Also ask the finance contact")).fill("0")  # every paid place
    page.get_by_role("button", name="Save approval rules").click()
    page.wait_for_url(re.compile(r"/account/school/\d+/$"))

    sign_in(page, base, "teacher@oakfield.sch.uk")
    page.goto(base + run.course.url)
    page.get_by_role("link", name=f"Book {run.reference}").click()
    page.get_by_role("heading", name="Check and confirm").wait_for()  # the Book button's form
    page.get_by_label(re.compile("wants to change in their practice")).fill("Plan for SEND")
    axe_check(page)
    page.get_by_label(re.compile("I accept the booking terms")).check()
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_load_state()

    sign_in(page, base, "cpdlead@oakfield.sch.uk")
    page.goto(f"{base}/school/{oakfield.pk}/bookings/")
    page.get_by_role("button", name=re.compile("^Approve teacher@oakfield.sch.uk")).click()
    page.wait_for_load_state()
    place = Enrolment.objects.get(run=run, delegate__email="teacher@oakfield.sch.uk")
    assert (place.status, place.approval_stage) == ("pending_approval", "finance")

    sign_in(page, base, "finance@oakfield.sch.uk")
    page.goto(f"{base}/account/")
    page.get_by_role("link", name="Spending waiting for your approval").first.click()
    assert page.get_by_text("Wants to change: Plan for SEND").is_visible()
    axe_check(page)
    page.get_by_role("link", name=re.compile("^Decline the spend for teacher@oakfield")).click()
    page.get_by_role("button", name="Decline").click()
    assert page.get_by_role("alert").get_by_text(re.compile("Give a reason")).is_visible()
    axe_check(page)
    page.get_by_label("Reason for declining").fill("Over this term's budget")
    page.get_by_role("button", name="Decline").click()
    page.wait_for_url(re.compile(r"/bookings/finance-approvals/$"))
    place.refresh_from_db()
    assert place.status == "cancelled"
