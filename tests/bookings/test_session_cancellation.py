"""Calling off one session of a run: done by bookings staff in the Wagtail admin, shown as
cancelled in every calendar (programme, personal, school, attachments) for 30 days, and
emailed once to each confirmed delegate."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import resolve
from django.utils import timezone
from icalendar import Calendar

from bookings import calendar as feeds
from bookings import emails, services, tasks
from bookings.admin_views import RUN_PAGES
from bookings.models import Enrolment
from bookings.services import BookingRequest, Delegate
from core.models import SentEmail
from courses.models import Session
from tests.bookings.test_admin import _admin_urls
from tests.calendar.support import (
    calendar_part,
    calendar_type,
    parse_itip_three_ways,
    parse_three_ways,
    post_run_edit_form,
)
from tests.factories import courses

REASON = "Facilitator unwell; the content moves to the next session"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def run(open_run, people, staff_of):
    """An open run of three future sessions: two delegates confirmed, one place cancelled."""
    school = people["school_a"]
    school.bookings_need_approval = False
    school.save()
    first = open_run.sessions.order_by("starts_at").first()
    open_run.sessions.exclude(pk=first.pk).delete()
    for weeks in (1, 2):
        Session.objects.create(
            run=open_run,
            starts_at=first.starts_at + dt.timedelta(weeks=weeks),
            ends_at=first.ends_at + dt.timedelta(weeks=weeks),
        )
    (leaver,) = staff_of(school, 1, prefix="leaver")
    booking = services.book_places(
        open_run.pk,
        BookingRequest(
            school=school,
            booked_by=people["lead_a"],
            terms_accepted=True,
            delegates=[
                Delegate(people["teacher_a"]),
                Delegate(people["finance_a"]),
                Delegate(leaver),
            ],
        ),
    )
    services.cancel_enrolment(booking.enrolments.get(delegate=leaver).pk, by=people["lead_a"])
    mail.outbox.clear()
    return open_run


def middle(run):
    return run.sessions.order_by("starts_at")[1]


def cancel_url(run, session):
    return f"/admin/runs/{run.pk}/sessions/{session.pk}/cancel/"


def cancel_in_admin(client, run, session, reason=REASON):
    return client.post(cancel_url(run, session), {"reason": reason})


def by_uid(events):
    return {uid: (status, sequence) for uid, _start, _end, status, sequence in events}


def test_cancelling_a_session_in_the_admin_shows_it_cancelled_in_every_calendar(
    client, people, run, tmp_path
):
    session, others = middle(run), [s for s in run.sessions.all() if s != middle(run)]
    before = session.sequence
    client.force_login(people["staff"])
    listing = client.get(f"/admin/runs/{run.pk}/sessions/")
    assert listing.status_code == 200
    assert cancel_url(run, session) in listing.content.decode()
    assert client.get(cancel_url(run, session)).status_code == 200

    response = cancel_in_admin(client, run, session)
    assert response.status_code == 302 and response["Location"].endswith(
        f"/admin/runs/{run.pk}/sessions/"
    )
    session.refresh_from_db()
    assert session.cancelled_at is not None
    assert session.sequence == before + 1, "calendars replace an event only on a new SEQUENCE"
    assert [s.sequence for s in Session.objects.filter(pk__in=[o.pk for o in others])] == [0, 0]
    assert "Cancelled on" in client.get(f"/admin/runs/{run.pk}/sessions/").content.decode()

    personal = feeds.feed_for(people["teacher_a"])
    school = feeds.feed_for(people["lead_a"], people["school_a"])
    for url, prefix in (
        ("/calendar/programme.ics", ""),
        (f"/calendar/u/{personal.token}.ics", ""),
        (f"/calendar/school/{school.token}.ics", f"school-{people['school_a'].pk}-"),
    ):
        events = by_uid(parse_three_ways(client.get(url).content, tmp_path))
        assert events[feeds.session_uid(session, prefix)] == ("CANCELLED", before + 1), url
        for other in others:
            assert events[feeds.session_uid(other, prefix)] == ("CONFIRMED", 0), url
    # The place's own file asks a calendar for the sessions going ahead; the one emailed about
    # the called-off session removes it.
    place = Enrolment.objects.get(run=run, delegate=people["teacher_a"])
    method, events = parse_itip_three_ways(feeds.ics_for_enrolment(place), tmp_path)
    assert method == "REQUEST" and by_uid(events) == {
        feeds.session_uid(other): ("CONFIRMED", 0) for other in others
    }
    method, events = parse_itip_three_ways(
        feeds.ics_for_enrolment(place, only={session.pk}), tmp_path
    )
    assert method == "CANCEL"
    assert by_uid(events) == {feeds.session_uid(session): ("CANCELLED", before + 1)}


def test_each_confirmed_delegate_is_emailed_once(client, people, run, on_commit):
    session = middle(run)
    client.force_login(people["staff"])
    with on_commit():
        assert cancel_in_admin(client, run, session).status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == [
        "finance@oakfield.sch.uk",
        "teacher@oakfield.sch.uk",
    ], "confirmed delegates only: not the place cancelled earlier"
    message = mail.outbox[0]
    assert REASON in message.body and REASON in message.alternatives[0].content
    assert message.alternatives[0].mimetype == "text/html"
    still_on = [s for s in run.sessions.all() if s != session]
    for other in still_on:
        assert timezone.localtime(other.starts_at).strftime("%-d %B %Y") in message.body
    content_type, name, ics = calendar_part(message)
    assert name == f"{run.reference}.ics"
    assert content_type == calendar_type("CANCEL")
    statuses = {str(e["UID"]): str(e["STATUS"]) for e in Calendar.from_ical(ics).walk("VEVENT")}
    assert statuses == {feeds.session_uid(session): "CANCELLED"}, "only the session called off"

    # The task runs again (a redelivery): nobody hears twice.
    assert emails.session_cancelled(session.pk, REASON) == 0
    assert tasks.send_session_cancelled.delay(session.pk, REASON).get() == 0
    assert len(mail.outbox) == 2
    assert SentEmail.objects.filter(key__startswith=f"session-cancelled:{session.pk}:").count() == 2


def _facts(run):
    return sorted(run.sessions.values_list("pk", "cancelled_at", "sequence"))


@pytest.mark.parametrize(
    "case, message",
    [
        ("blank reason", "Give a reason; delegates will see it."),
        ("already cancelled", "This session was cancelled on"),
        ("started", "This session has started or is over."),
        ("last session", "This is the run&#x27;s only remaining session."),
        ("run cancelled", "The whole run is cancelled already."),
    ],
)
def test_a_refused_cancellation_says_why_and_changes_nothing(
    client, people, run, on_commit, case, message
):
    session = middle(run)
    reason = "" if case == "blank reason" else REASON
    if case == "already cancelled":
        Session.objects.filter(pk=session.pk).update(cancelled_at=timezone.now())
    elif case == "started":
        Session.objects.filter(pk=session.pk).update(
            starts_at=timezone.now() - dt.timedelta(minutes=5),
            ends_at=timezone.now() + dt.timedelta(hours=1),
        )
    elif case == "last session":
        run.sessions.exclude(pk=session.pk).update(cancelled_at=timezone.now())
    elif case == "run cancelled":
        services.cancel_run(run.pk, by=people["staff"], reason="Venue closed")
        mail.outbox.clear()
    before = _facts(run)
    client.force_login(people["staff"])
    with on_commit():
        response = cancel_in_admin(client, run, session, reason=reason)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _facts(run) == before
    assert mail.outbox == []


def test_a_session_of_another_run_is_not_found(client, people, run):
    other = courses.run()
    client.force_login(people["staff"])
    response = cancel_in_admin(client, run, other.sessions.first())
    assert response.status_code == 404
    assert not Session.objects.filter(cancelled_at__isnull=False).exists()


def test_a_cancelled_session_leaves_every_calendar_after_30_days(client, people, run, tmp_path):
    session = middle(run)
    client.force_login(people["staff"])
    cancel_in_admin(client, run, session)
    personal_url = f"/calendar/u/{feeds.feed_for(people['teacher_a']).token}.ics"
    school_url = (
        f"/calendar/school/{feeds.feed_for(people['lead_a'], people['school_a']).token}.ics"
    )
    etag = client.get(personal_url)["ETag"]
    Session.objects.filter(pk=session.pk).update(
        cancelled_at=timezone.now() - dt.timedelta(days=31)
    )
    gone = feeds.session_uid(session)
    kept = [feeds.session_uid(s) for s in run.sessions.exclude(pk=session.pk)]
    for url in ("/calendar/programme.ics", personal_url, school_url):
        uids = {e[0] for e in parse_three_ways(client.get(url).content, tmp_path)}
        assert not any(uid.endswith(gone) for uid in uids), url
        assert all(any(uid.endswith(k) for uid in uids) for k in kept), url
    assert client.get(personal_url, HTTP_IF_NONE_MATCH=etag).status_code == 200, (
        "the ETag changes when the session drops out, or calendars keep the stale copy"
    )


def test_editing_the_run_afterwards_keeps_the_session_cancelled(client, people, run, tmp_path):
    session = middle(run)
    client.force_login(people["staff"])
    cancel_in_admin(client, run, session)
    session.refresh_from_db()
    response = post_run_edit_form(client, run, capacity=run.capacity + 5)
    assert response.status_code == 302, response.content.decode()[:1500]
    after = Session.objects.get(pk=session.pk)
    assert (after.cancelled_at, after.sequence) == (session.cancelled_at, session.sequence)
    events = by_uid(parse_three_ways(client.get("/calendar/programme.ics").content, tmp_path))
    assert events[feeds.session_uid(session)] == ("CANCELLED", session.sequence)


def test_reminders_skip_a_cancelled_session(people, run, on_commit):
    soon, later, _ = run.sessions.order_by("starts_at")
    tomorrow = timezone.now() + dt.timedelta(days=1)
    Session.objects.filter(pk=soon.pk).update(
        starts_at=tomorrow, ends_at=tomorrow + dt.timedelta(hours=2)
    )
    in_a_week = timezone.now() + dt.timedelta(days=7)
    Session.objects.filter(pk=later.pk).update(
        starts_at=in_a_week, ends_at=in_a_week + dt.timedelta(hours=2)
    )
    from bookings.schedule import cancel_session

    cancel_session(soon.pk, by=people["staff"], reason=REASON)
    mail.outbox.clear()
    emails.reminders(1)
    assert not [m for m in mail.outbox if run.reference in m.body]
    emails.reminders(7)  # the control: this run's next session is reminded of as usual
    assert len([m for m in mail.outbox if run.reference in m.body]) == 2


def test_the_run_history_says_who_cancelled_which_session_and_why(client, people, run):
    session = middle(run)
    client.force_login(people["staff"])
    cancel_in_admin(client, run, session)
    history = client.get(f"/admin/runs/history/{run.pk}/").content.decode()
    assert f"Session on {session} cancelled: {REASON}".replace("'", "&#x27;") in history


def test_my_bookings_shows_the_session_as_cancelled(client, people, run):
    client.force_login(people["staff"])
    cancel_in_admin(client, run, middle(run))
    client.force_login(people["teacher_a"])
    assert "(cancelled)" in client.get("/bookings/").content.decode()


# --- who may see and do this -------------------------------------------------------------------


def test_the_admin_access_tests_cover_every_run_page(run, people):
    enrolment = Enrolment.objects.filter(run=run).first()
    covered = {
        f"{match.namespace}:{match.url_name}"
        for match in (
            resolve(url.split("?")[0]) for url in _admin_urls(run, enrolment, enrolment.booking)
        )
    }
    run_pages = {name for name, *_ in RUN_PAGES} | {"courserun:cancel_session"}
    assert run_pages <= covered, f"not in test_admin._admin_urls: {run_pages - covered}"


@pytest.mark.parametrize("who", ["teacher", "editor", "finance officer"])
def test_people_who_may_not_schedule_cannot_cancel_a_session(client, people, run, make_user, who):
    session = middle(run)
    if who == "teacher":
        user = people["teacher_a"]
    else:
        user = make_user(f"{who.replace(' ', '-')}-no-scheduling@example.gov.uk", is_staff=True)
        user.groups.add(
            Group.objects.get(name="Marketing editors" if who == "editor" else "Finance officers")
        )
    client.force_login(user)
    listing = client.get(f"/admin/runs/{run.pk}/sessions/")
    if who == "finance officer":  # may view runs, so sees the sessions, without the button
        assert listing.status_code == 200
        assert cancel_url(run, session) not in listing.content.decode()
    else:
        assert listing.status_code != 200
    assert client.get(cancel_url(run, session)).status_code != 200
    assert cancel_in_admin(client, run, session).status_code != 200
    session.refresh_from_db()
    assert (session.cancelled_at, session.sequence) == (None, 0)
