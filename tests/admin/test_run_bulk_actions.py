"""Bulk actions on Scheduling → Course runs: close booking, and send a joining reminder now.
Both go through bookings.services, refuse those who may not, and do nothing the second time."""

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from wagtail.models import ModelLogEntry

from accounts import roles
from bookings import services
from bookings.models import Enrolment
from bookings.services import BOOKING_CLOSED, BookingRefused, next_session_day
from core.models import SentEmail
from courses.models import CourseRun, Session


def action_url(action, runs):
    query = urlencode([("id", run.pk) for run in runs] + [("next", "/admin/runs/")])
    return reverse("wagtail_bulk_action", args=["courses", "courserun", action]) + "?" + query


def messages_after(response):
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


@pytest.fixture
def officer(make_user):
    user = make_user("new.officer@example.gov.uk", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.BOOKINGS))
    return user


@pytest.fixture
def finance(make_user):
    user = make_user("new.finance@example.gov.uk", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.FINANCE))
    return user


@pytest.fixture
def booked_run(demo):
    """An upcoming run with confirmed delegates."""
    return (
        CourseRun.objects.upcoming()
        .filter(enrolments__status=Enrolment.Status.CONFIRMED)
        .distinct()
        .first()
    )


def sequences(run):
    return list(Session.objects.filter(run=run).order_by("pk").values_list("sequence", flat=True))


# --- close booking -----------------------------------------------------------------------------


def test_close_booking_closes_open_runs_and_says_how_many(client, officer, demo):
    open_runs = list(CourseRun.objects.filter(status=CourseRun.Status.OPEN).order_by("pk")[:2])
    cancelled = CourseRun.objects.exclude(pk__in=[r.pk for r in open_runs]).first()
    cancelled.status = CourseRun.Status.CANCELLED
    cancelled.save()
    before = sequences(open_runs[0])
    client.force_login(officer)

    confirm = client.get(action_url("close_booking", [*open_runs, cancelled]))
    assert confirm.status_code == 200
    assert open_runs[0].reference in confirm.content.decode()

    response = client.post(action_url("close_booking", [*open_runs, cancelled]))

    assert response.status_code == 302 and response.url == "/admin/runs/"
    assert messages_after(response) == ["Booking closed on 2 runs."]
    for run in open_runs:
        run.refresh_from_db()
        assert run.status == CourseRun.Status.CLOSED
        assert not run.is_bookable
        assert ModelLogEntry.objects.filter(
            object_id=str(run.pk), action=BOOKING_CLOSED, user=officer
        ).exists()
    cancelled.refresh_from_db()
    assert cancelled.status == CourseRun.Status.CANCELLED
    # Calendars hear of it: every session's SEQUENCE went up once.
    assert sequences(open_runs[0]) == [n + 1 for n in before]


def test_closing_booking_twice_changes_nothing_more(client, officer, demo):
    run = CourseRun.objects.filter(status=CourseRun.Status.OPEN).first()
    client.force_login(officer)
    client.get(client.post(action_url("close_booking", [run])).url)  # shows its message
    after_first = sequences(run)
    logged = ModelLogEntry.objects.filter(action=BOOKING_CLOSED).count()

    response = client.post(action_url("close_booking", [run]))

    assert messages_after(response) == ["Booking closed on 0 runs."]
    assert sequences(run) == after_first
    assert ModelLogEntry.objects.filter(action=BOOKING_CLOSED).count() == logged


def test_close_booking_is_refused_to_finance_and_changes_nothing(client, finance, demo):
    run = CourseRun.objects.filter(status=CourseRun.Status.OPEN).first()
    client.force_login(finance)

    response = client.post(action_url("close_booking", [run]))

    assert response.status_code == 302 and response.url == "/admin/"
    assert "Sorry, you do not have permission to access this area." in messages_after(response)
    run.refresh_from_db()
    assert run.status == CourseRun.Status.OPEN
    with pytest.raises(BookingRefused):
        services.close_booking([run.pk], by=finance)
    run.refresh_from_db()
    assert run.status == CourseRun.Status.OPEN


# --- joining reminders -------------------------------------------------------------------------


def confirmed_delegates(run):
    return set(
        Enrolment.objects.filter(run=run, status=Enrolment.Status.CONFIRMED).values_list(
            "delegate__email", flat=True
        )
    )


def test_send_joining_reminder_emails_each_confirmed_delegate_once(client, officer, booked_run):
    delegates = confirmed_delegates(booked_run)
    cancelled = Enrolment.objects.filter(run=booked_run, status=Enrolment.Status.CONFIRMED).first()
    services.cancel_enrolment(cancelled.pk, by=officer, note="Role walk")
    delegates.discard(cancelled.delegate.email)
    mail.outbox.clear()
    client.force_login(officer)

    response = client.post(action_url("send_joining_reminders", [booked_run]))

    assert messages_after(response) == [f"Joining reminder sent to {len(delegates)} delegates."]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(delegates)
    assert booked_run.course.title in mail.outbox[0].subject
    assert booked_run.reference in mail.outbox[0].body


def test_a_second_reminder_sends_nothing(client, officer, booked_run):
    client.force_login(officer)
    client.get(client.post(action_url("send_joining_reminders", [booked_run])).url)
    mail.outbox.clear()

    response = client.post(action_url("send_joining_reminders", [booked_run]))

    assert mail.outbox == []
    assert messages_after(response) == [
        "No reminders sent: every confirmed delegate has already had one."
    ]


def test_nobody_who_had_the_day_before_reminder_gets_a_manual_one(officer, booked_run):
    day = next_session_day(booked_run)
    enrolments = list(Enrolment.objects.filter(run=booked_run, status=Enrolment.Status.CONFIRMED))
    SentEmail.objects.create(key=f"reminder-1:{enrolments[0].pk}:{day.isoformat()}")
    mail.outbox.clear()

    sent = services.send_joining_reminders([booked_run.pk], by=officer)

    assert sent == len(enrolments) - 1
    assert enrolments[0].delegate.email not in [m.to[0] for m in mail.outbox]


def test_reminders_are_refused_to_finance_and_send_nothing(client, finance, booked_run):
    mail.outbox.clear()
    client.force_login(finance)

    response = client.post(action_url("send_joining_reminders", [booked_run]))

    assert response.url == "/admin/"
    with pytest.raises(BookingRefused):
        services.send_joining_reminders([booked_run.pk], by=finance)
    assert mail.outbox == []
    assert not SentEmail.objects.filter(key__startswith="reminder-now:").exists()


def test_only_those_who_may_change_runs_see_the_tick_boxes(client, officer, finance, demo):
    client.force_login(officer)
    assert "data-bulk-action-checkbox" in client.get("/admin/runs/").content.decode()
    page = client.get("/admin/runs/").content.decode()
    assert "Send joining reminder now" in page and "Close booking" in page
    client.force_login(finance)
    assert "data-bulk-action-checkbox" not in client.get("/admin/runs/").content.decode()
