"""Calendar files follow a place through its changes (issue 22). A delegate who added the
emailed file to their calendar gets one for each change, with the same UIDs and a higher
SEQUENCE each time: booked (METHOD:REQUEST), a session moved in the Scheduling admin
(REQUEST, the new time), and the place, run or session cancelled (METHOD:CANCEL,
STATUS:CANCELLED, stamped now, no joining link). icalendar, recurring-ical-events and ical.js
must read each file alike."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from bookings import calendar as feeds
from bookings import emails, schedule, services, tasks
from bookings.models import Enrolment
from bookings.services import BookingRefused, BookingRequest, Delegate
from core.models import SentEmail
from courses.models import CoursePage
from tests.calendar.support import (
    calendar_part,
    calendar_type,
    parse_itip_three_ways,
    parse_three_ways,
    post_run_edit_form,
)
from tests.factories import courses

JOINING_URL = "https://meet.example.gov.uk/cpd/secret-room"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def run(db, people):
    """A live online run of two sessions, a fortnight and three weeks away."""
    people["school_a"].bookings_need_approval = False
    people["school_a"].save()
    return courses.run(
        courses.course(format=CoursePage.Format.ONLINE),
        days=(14, 21),
        capacity=5,
        online_joining_url=JOINING_URL,
    )


def book(run, people, on_commit, who="teacher_a"):
    with on_commit():
        booking = services.book_places(
            run.pk,
            BookingRequest(
                school=people["school_a"],
                booked_by=people[who],
                terms_accepted=True,
                delegates=[Delegate(people[who])],
            ),
        )
    return booking.enrolments.get()


def last_file(tmp_path, to="teacher@oakfield.sch.uk"):
    """The calendar file of the last email to `to`: (METHOD, {uid: (start, status, SEQUENCE)},
    the raw bytes), after checking the attachment's Content-Type says the same METHOD."""
    message = [m for m in mail.outbox if to in m.to][-1]
    content_type, _name, ics = calendar_part(message)
    method, events = parse_itip_three_ways(ics, tmp_path)
    assert content_type == calendar_type(method), "one charset, and the file's own METHOD"
    return method, {uid: (start, status, seq) for uid, start, _e, status, seq in events}, ics


def test_book_move_cancel_reach_the_calendar_as_one_event_with_a_rising_sequence(
    client, people, run, on_commit, tmp_path
):
    first, second = run.sessions.order_by("starts_at")
    uid = feeds.session_uid(first)
    book(run, people, on_commit)
    method, booked, ics = last_file(tmp_path)
    assert method == "REQUEST" and set(booked) == {uid, feeds.session_uid(second)}
    assert booked[uid][1:] == ("CONFIRMED", 0)
    assert JOINING_URL.encode() in ics, "a confirmed place's file carries the joining link"

    # A bookings officer saves the run's edit form: nothing moved, nobody is emailed. Then
    # they move the first session an hour later.
    client.force_login(people["staff"])
    sent = len(mail.outbox)
    with on_commit():
        assert post_run_edit_form(client, run, capacity=run.capacity + 1).status_code == 302
    assert len(mail.outbox) == sent
    with on_commit():
        response = post_run_edit_form(client, run, move={first.pk: dt.timedelta(hours=1)})
    assert response.status_code == 302
    first.refresh_from_db()
    message = mail.outbox[-1]
    assert message.to == ["teacher@oakfield.sch.uk"] and "New time" in message.subject
    assert f"{timezone.localtime(first.starts_at):%-d %B %Y, %-I:%M}" in message.body
    method, moved, _ = last_file(tmp_path)
    assert method == "REQUEST" and set(moved) == {uid}, "the file updates the session that moved"
    start, status, sequence = moved[uid]
    assert start == first.starts_at and status == "CONFIRMED"
    assert sequence > booked[uid][2]

    # The teacher cancels the place on its page.
    client.force_login(people["teacher_a"])
    place = Enrolment.objects.get(run=run, delegate=people["teacher_a"])
    before = timezone.now().replace(microsecond=0)
    with on_commit():
        client.post(f"/bookings/place/{place.pk}/cancel/", {"confirm": "on"})
    place.refresh_from_db()
    assert place.status == Enrolment.Status.CANCELLED
    message = mail.outbox[-1]
    method, cancelled, ics = last_file(tmp_path)
    assert method == "CANCEL"
    assert set(cancelled) == {uid, feeds.session_uid(second)}, "every session of the place"
    assert cancelled[uid][1] == "CANCELLED" and cancelled[uid][2] > sequence
    assert cancelled[feeds.session_uid(second)][1:] == ("CANCELLED", 1)
    (event, _) = Calendar.from_ical(ics).walk("VEVENT")
    assert event.decoded("DTSTAMP") >= before, "a cancellation is stamped when it is sent"
    assert JOINING_URL.encode() not in ics, "no joining link once the place is cancelled"
    assert JOINING_URL not in message.body + message.alternatives[0].content

    # The person's own feed says the same as the last file.
    feed = client.get(f"/calendar/u/{feeds.feed_for(people['teacher_a']).token}.ics").content
    assert {u: (st, s) for u, _a, _b, st, s in parse_three_ways(feed, tmp_path)} == {
        u: (st, s) for u, (_a, st, s) in cancelled.items()
    }


def test_booking_again_after_cancelling_reaches_the_calendar_above_the_cancellation(
    client, people, run, on_commit, tmp_path
):
    uid = feeds.session_uid(run.sessions.order_by("starts_at").first())
    sequences = []
    for _ in range(2):
        place = book(run, people, on_commit)
        sequences.append(last_file(tmp_path)[1][uid][1:])
        with on_commit():
            services.cancel_enrolment(place.pk, by=people["teacher_a"])
        sequences.append(last_file(tmp_path)[1][uid][1:])
    book(run, people, on_commit)
    method, events, _ = last_file(tmp_path)
    sequences.append(events[uid][1:])
    assert method == "REQUEST"
    assert sequences == [
        ("CONFIRMED", 0),
        ("CANCELLED", 1),
        ("CONFIRMED", 2),
        ("CANCELLED", 3),
        ("CONFIRMED", 4),
    ]
    feed = client.get(f"/calendar/u/{feeds.feed_for(people['teacher_a']).token}.ics").content
    assert {u: (st, s) for u, _a, _b, st, s in parse_three_ways(feed, tmp_path)}[uid] == (
        "CONFIRMED",
        4,
    ), "the feed agrees with the last file sent"


def test_a_cancelled_run_emails_a_file_that_removes_its_events(
    client, people, run, on_commit, tmp_path
):
    book(run, people, on_commit)
    _, booked, _ = last_file(tmp_path)
    client.force_login(people["staff"])
    with on_commit():
        response = client.post(f"/admin/runs/{run.pk}/cancel/", {"reason": "Facilitator unwell"})
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.subject.endswith(f"Course cancelled: {run.course.title}")
    assert "removes the sessions from your calendar" in message.body
    method, cancelled, ics = last_file(tmp_path)
    assert method == "CANCEL" and set(cancelled) == set(booked)
    for uid, (_start, status, sequence) in cancelled.items():
        assert status == "CANCELLED" and sequence > booked[uid][2]
    assert JOINING_URL.encode() not in ics


def test_a_move_is_emailed_once_to_confirmed_delegates_and_a_second_move_again(
    client, people, run, on_commit, tmp_path
):
    book(run, people, on_commit)
    leaver = book(run, people, on_commit, who="finance_a")
    with on_commit():
        services.cancel_enrolment(leaver.pk, by=people["finance_a"])
    first = run.sessions.order_by("starts_at").first()
    mail.outbox.clear()
    with on_commit():
        moved = schedule.move_session(
            first.pk,
            by=people["staff"],
            starts_at=first.starts_at + dt.timedelta(days=1),
            ends_at=first.ends_at + dt.timedelta(days=1),
        )
    assert [m.to for m in mail.outbox] == [["teacher@oakfield.sch.uk"]], "not the cancelled place"
    once = last_file(tmp_path)[1][feeds.session_uid(first)]
    # The task delivered again sends nothing.
    assert emails.sessions_moved(run.pk, [[first.pk, moved.sequence]]) == 0
    assert tasks.send_sessions_moved.delay(run.pk, [[first.pk, moved.sequence]]).get() == 0
    assert SentEmail.objects.filter(key__startswith="sessions-moved:").count() == 1
    # An email queued for a move since overtaken says nothing: the later one tells it.
    assert emails.sessions_moved(run.pk, [[first.pk, moved.sequence - 1]]) == 0

    with on_commit():
        schedule.move_session(
            first.pk,
            by=people["staff"],
            starts_at=moved.starts_at + dt.timedelta(hours=2),
            ends_at=moved.ends_at + dt.timedelta(hours=2),
        )
    assert len(mail.outbox) == 2
    twice = last_file(tmp_path)[1][feeds.session_uid(first)]
    assert twice[0] == moved.starts_at + dt.timedelta(hours=2) and twice[2] > once[2]


def test_only_the_cpd_team_moves_a_session(people, run):
    first = run.sessions.first()
    with pytest.raises(BookingRefused):
        schedule.move_session(
            first.pk, by=people["lead_a"], starts_at=first.starts_at, ends_at=first.ends_at
        )
    with pytest.raises(BookingRefused):
        schedule.move_session(
            first.pk, by=people["staff"], starts_at=first.ends_at, ends_at=first.starts_at
        )


def test_a_place_passed_to_a_colleague_leaves_one_calendar_and_joins_the_other(
    client, people, run, on_commit, tmp_path
):
    """The teacher sends the CPD lead in their place from the place's page: the teacher's
    file removes the sessions (a higher SEQUENCE, no joining link); the lead's adds them."""
    place = book(run, people, on_commit)
    _, booked, _ = last_file(tmp_path)
    client.force_login(people["teacher_a"])
    with on_commit():
        response = client.post(
            f"/bookings/place/{place.pk}/substitute/", {"delegate": people["lead_a"].pk}
        )
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.delegate == people["lead_a"]

    method, left, ics = last_file(tmp_path)
    assert method == "CANCEL" and set(left) == set(booked)
    for uid, (_start, status, sequence) in left.items():
        assert status == "CANCELLED" and sequence > booked[uid][2]
    assert JOINING_URL.encode() not in ics

    method, joined, ics = last_file(tmp_path, to=people["lead_a"].email)
    assert method == "REQUEST" and set(joined) == set(booked)
    assert all(status == "CONFIRMED" for _s, status, _q in joined.values())
    assert JOINING_URL.encode() in ics, "the new holder of a confirmed place may join"
    lead_email = [m for m in mail.outbox if people["lead_a"].email in m.to][-1]
    assert "Tom Teacher's place" in lead_email.body

    # Each is sent once, however often the task runs.
    sent = len(mail.outbox)
    assert tasks.send_place_passed_on(place.pk, people["teacher_a"].pk) == 0
    assert len(mail.outbox) == sent


def test_a_place_moved_to_another_date_leaves_the_old_dates(
    client, people, run, on_commit, tmp_path
):
    """The teacher moves their place to a later date of the same course on its page: one
    email removes the old date's sessions, the new booking's confirmation adds the new."""
    later = courses.run(run.course, days=(35, 42), capacity=5, online_joining_url=JOINING_URL)
    place = book(run, people, on_commit)
    _, booked, _ = last_file(tmp_path)
    client.force_login(people["teacher_a"])
    with on_commit():
        response = client.post(f"/bookings/place/{place.pk}/transfer/", {"run": later.pk})
    assert response.status_code == 302

    emails_now = [m for m in mail.outbox if "teacher@oakfield.sch.uk" in m.to][-2:]
    subjects = sorted(m.subject for m in emails_now)
    assert any("Your place has moved to" in s for s in subjects)
    moved = next(m for m in emails_now if "Your place has moved" in m.subject)
    _, _, ics = calendar_part(moved)
    method, events = parse_itip_three_ways(ics, tmp_path)
    gone = {uid: (status, seq) for uid, _s, _e, status, seq in events}
    assert method == "CANCEL" and set(gone) == set(booked)
    assert all(
        status == "CANCELLED" and seq > booked[uid][2] for uid, (status, seq) in gone.items()
    )

    confirmed = next(m for m in emails_now if "Booked:" in m.subject)
    _, _, ics = calendar_part(confirmed)
    method, events = parse_itip_three_ways(ics, tmp_path)
    assert method == "REQUEST"
    assert {uid for uid, *_ in events} == {feeds.session_uid(s) for s in later.sessions.all()}
