"""Scheduling rules: database constraints, and the admin answering bad input clearly."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import CoursePage, CourseRun, Session
from tests.factories import courses


@pytest.fixture
def course(db):
    """An in-person course with a run already."""
    course = courses.course()
    courses.run(course, reference="RUN-100-1")
    return course


def _run(course, **kw):
    defaults = {"course": course, "reference": "TEST-1", "capacity": 10}
    defaults.update(kw)
    return CourseRun.objects.create(**defaults)


def test_capacity_must_be_at_least_one(course):
    with pytest.raises(IntegrityError), transaction.atomic():
        _run(course, capacity=0)


def test_reference_is_unique(course):
    _run(course)
    with pytest.raises(IntegrityError), transaction.atomic():
        _run(course)


def test_booking_must_close_after_it_opens(course):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        _run(course, booking_opens_at=now, booking_closes_at=now - dt.timedelta(hours=1))


def test_a_session_must_end_after_it_starts(course):
    run = _run(course)
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(run=run, starts_at=start, ends_at=start)


def test_price_override_cannot_be_negative(course):
    with pytest.raises(IntegrityError), transaction.atomic():
        _run(course, price_override=Decimal("-1.00"))


def test_run_price_falls_back_to_the_course_price(course):
    run = _run(course)
    assert run.price == course.default_price
    run.price_override = Decimal("0.00")
    assert run.price == Decimal("0.00")


def test_bookability_follows_status_and_window(course):
    now = timezone.now()
    run = _run(course, status=CourseRun.Status.OPEN)
    assert run.is_bookable
    run.booking_closes_at = now - dt.timedelta(minutes=1)
    assert not run.is_bookable
    run.booking_closes_at, run.booking_opens_at = None, now + dt.timedelta(days=1)
    assert not run.is_bookable
    run.booking_opens_at, run.status = None, CourseRun.Status.CLOSED
    assert not run.is_bookable


# --- the Wagtail admin path that bookings staff use -------------------------------------------


def _admin_post_data(course, **overrides):
    start = timezone.localtime(timezone.now() + dt.timedelta(days=30)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    data = {
        "course": course.pk,
        "reference": "ADM-001",
        "capacity": "20",
        "status": "open",
        "booking_opens_at": "",
        "booking_closes_at": "",
        "venue": course.runs.first().venue_id or "",
        "online_joining_url": "",
        "joining_instructions": "",
        "price_override": "",
        "sessions-TOTAL_FORMS": "1",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "1",
        "sessions-MAX_NUM_FORMS": "1000",
        "sessions-0-starts_at": start.strftime("%Y-%m-%d %H:%M"),
        "sessions-0-ends_at": (start + dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"),
        "sessions-0-id": "",
        "sessions-0-ORDER": "1",
        "sessions-0-DELETE": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client(client, people):
    client.force_login(people["staff"])
    return client


def test_bookings_staff_can_schedule_a_run_with_sessions_in_the_admin(admin_client, course):
    response = admin_client.post("/admin/runs/new/", _admin_post_data(course))
    assert response.status_code == 302, response.content.decode()[:2000]
    run = CourseRun.objects.get(reference="ADM-001")
    assert run.sessions.count() == 1
    assert timezone.localtime(run.sessions.get().starts_at).hour == 9


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"capacity": "0"}, "greater than or equal to 1"),
        ({"venue": ""}, "Choose a venue"),
        ({"sessions-0-ends_at": "2020-01-01 08:00"}, "must end after it starts"),
        ({"sessions-TOTAL_FORMS": "0"}, "at least 1"),
        ({"reference": ""}, "This field is required"),
    ],
)
def test_bad_runs_are_refused_in_the_admin_and_nothing_is_written(
    admin_client, course, overrides, message
):
    before = (CourseRun.objects.count(), Session.objects.count())
    response = admin_client.post("/admin/runs/new/", _admin_post_data(course, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (CourseRun.objects.count(), Session.objects.count()) == before


def test_a_course_with_runs_cannot_be_deleted_in_the_admin(admin_client, course):
    response = admin_client.post(f"/admin/pages/{course.pk}/delete/", follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert CoursePage.objects.filter(pk=course.pk).exists()
    assert course.runs.exists()


def test_runs_admin_lists_soonest_first_with_the_first_session_date(admin_client, course):
    import re

    for n in range(12):  # references in the opposite order to their dates
        courses.run(course, reference=f"RUN-{n:03d}-1", days=(60 - 3 * n,))

    html = admin_client.get("/admin/runs/").content.decode()
    shown = list(dict.fromkeys(re.findall(r"\b[A-Z]{3}-\d{3}-\d\b", html)))[:10]
    by_date = CourseRun.objects.with_dates().order_by("first_starts_at", "reference")
    by_reference = list(CourseRun.objects.order_by("reference")[:10])
    assert [r.reference for r in by_reference] != [r.reference for r in by_date[:10]]
    assert shown == [r.reference for r in by_date[:10]]
    assert "First session" in html
