"""The one calendar writer, built with the icalendar library: every VEVENT, UID, time and
calendar the service publishes is written here, so each is written one way everywhere (feeds
and the .ics attached to emails).

icalendar writes text slowly (it folds lines a character at a time: about 0.3 ms an event), so
_event() writes the VEVENT's content lines itself, and the public feeds cache them per run."""

import re
from dataclasses import dataclass
from datetime import UTC, timedelta
from email.utils import parseaddr
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event
from icalendar.prop import vCalAddress, vText, vUri

from core.links import site_url
from courses.models import CourseRun

from ..models import Enrolment

LONDON = ZoneInfo("Europe/London")


# The UK rule as RRULEs (the form Outlook and Google publish), not icalendar's generated
# list of RDATEs: ical.js reads a second RDATE of the same season an hour out. The rule has
# held since 1996; tests/bookings/test_calendar_feeds.py checks it against tzdata each run.
LONDON_VTIMEZONE = Calendar.from_ical(
    "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"
    "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:BST\r\n"
    "DTSTART:19810329T010000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nTZNAME:GMT\r\n"
    "DTSTART:19961027T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\nEND:VCALENDAR\r\n"
).walk("VTIMEZONE")[0]


# A run's cached events are keyed by everything they show, so an entry is never stale, only
# unused, and it expires a week after it was written. Bump EVENT_FORMAT when _event() changes.
EVENT_FORMAT = 2


# Part of every feed's ETag: bump it when the calendar around the events changes (the
# VTIMEZONE, the calendar properties), so no cached body or client copy outlives the change.
FEED_FORMAT = 2


def _host():
    return settings.WAGTAILADMIN_BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":")[0]


def session_uid(session, prefix=""):
    """Stable for the life of the session, whatever changes about it."""
    return f"{prefix}session-{session.pk}@{_host()}"


class SessionRow(NamedTuple):
    """The fields of a Session an event shows, read without building model instances."""

    pk: int
    run_id: int
    starts_at: object
    ends_at: object
    sequence: int
    updated_at: object
    cancelled_at: object


@dataclass
class Entry:
    session: object  # a Session or a SessionRow
    run: CourseRun  # with its course and venue loaded
    cancelled: bool = False  # the place is cancelled
    attendees: tuple = ()
    # Added to the session's SEQUENCE: one person's place on a run can be cancelled and
    # booked again, and each change must reach their calendar above the one before
    # (place_sequence_offset).
    sequence_offset: int = 0

    @property
    def sequence(self):
        return self.session.sequence + self.sequence_offset

    @property
    def is_cancelled(self):
        return (
            self.cancelled
            or self.session.cancelled_at is not None
            or self.run.status == CourseRun.Status.CANCELLED
        )


def _location(run, private):
    if run.venue:
        venue = run.venue
        return ", ".join([venue.name, *venue.address.splitlines(), venue.town, venue.postcode])
    return run.online_joining_url if private and run.online_joining_url else "Live online"


class _RunText:
    """What every event of one run shows, worked out once per run, and its content lines
    (escaped by icalendar's own value types, then folded) written once per run too."""

    def __init__(self, run, private, course_url):
        self.summary = f"{run.course.title} ({run.reference})"
        self.location = _location(run, private)
        self.url = course_url
        description = [run.course.summary, "", f"Details: {course_url}"]
        if private and run.joining_instructions:
            description += ["", run.joining_instructions]
        if private and run.online_joining_url:
            description += ["", f"Join online: {run.online_joining_url}"]
        self.description = "\n".join(description)
        self.summary_line = _content_line("SUMMARY", vText(self.summary))
        self.description_line = _content_line("DESCRIPTION", vText(self.description))
        self.location_line = _content_line("LOCATION", vText(self.location))
        self.url_line = _content_line("URL", vUri(self.url))


def icalendar_event(entry, text, uid_prefix):
    """One VEVENT's bytes, as icalendar's own serialiser writes them. `_event` writes the
    same bytes about thirty times faster (icalendar folds lines a character at a time);
    tests/bookings/test_calendar_writer.py holds the two byte for byte equal."""
    session, run = entry.session, entry.run
    changed = max(session.updated_at, run.updated_at)
    event = Event()
    event.add("uid", session_uid(session, uid_prefix))
    event.add("sequence", entry.sequence)
    # When this event's information last changed, not when it was written: the same facts
    # give the same bytes, so cached events (and a feed's ETag) always stand for one text.
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("dtstart", session.starts_at.astimezone(LONDON))
    event.add("dtend", session.ends_at.astimezone(LONDON))
    event.add("summary", _summary(entry, text))
    event.add("location", text.location)
    event.add("url", text.url)
    event.add("description", text.description)
    event.add("status", _status(entry))
    return event.to_ical()


def _summary(entry, text):
    if entry.attendees:
        return f"{text.summary}: {', '.join(entry.attendees)}"
    return text.summary


def _status(entry):
    return "CANCELLED" if entry.is_cancelled else "CONFIRMED"


def _fold(line):
    """RFC 5545 folding exactly as icalendar does it: at most 74 octets before each break,
    and never straight after a backslash or caret (an escape stays whole)."""
    if line.isascii():
        if len(line) < 75:
            return line
        parts, i = [], 0
        while len(line) - i > 74:
            j = i + 74
            if line[j - 1] in "\\^":
                j -= 1
            parts.append(line[i:j])
            i = j
        parts.append(line[i:])
        return "\r\n ".join(parts)
    parts, current, size = [], [], 0
    for char in line:
        width = len(char.encode())
        if current and size + width >= 75:
            if len(current) > 1 and current[-1] in "\\^":
                carried = current.pop()
                parts.append("".join(current))
                current, size = [carried], len(carried.encode())
            else:
                parts.append("".join(current))
                current, size = [], 0
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _content_line(name, value):
    return _fold(f"{name}:{value.to_ical().decode()}")


def _event(entry, text, uid_prefix):
    """One VEVENT's bytes: icalendar_event's bytes, written directly (in icalendar's
    property order)."""
    session, run = entry.session, entry.run
    changed = max(session.updated_at, run.updated_at).astimezone(UTC)
    stamp = f"{changed:%Y%m%dT%H%M%S}Z"
    summary = text.summary_line
    if entry.attendees:
        summary = _content_line("SUMMARY", vText(_summary(entry, text)))
    lines = (
        "BEGIN:VEVENT",
        summary,
        f"DTSTART;TZID=Europe/London:{session.starts_at.astimezone(LONDON):%Y%m%dT%H%M%S}",
        f"DTEND;TZID=Europe/London:{session.ends_at.astimezone(LONDON):%Y%m%dT%H%M%S}",
        f"DTSTAMP:{stamp}",
        _content_line("UID", vText(session_uid(session, uid_prefix))),
        f"SEQUENCE:{entry.sequence}",
        text.description_line,
        f"LAST-MODIFIED:{stamp}",
        text.location_line,
        f"STATUS:{_status(entry)}",
        text.url_line,
        "END:VEVENT\r\n",
    )
    return "\r\n".join(lines).encode()


class _CourseURLs(dict):
    """A Wagtail page URL costs a tree walk: once per course, not per event."""

    def __missing__(self, course):
        url = self[course] = site_url(course.url or "/")
        return url


def _events(entries, *, private=False, uid_prefix="", urls=None):
    """The VEVENTs' bytes, in the entries' order."""
    urls = _CourseURLs() if urls is None else urls
    texts = {}
    events = []
    for entry in entries:
        run = entry.run
        # Joining details belong to a place that is going ahead, never a called-off one.
        shown = private and not entry.is_cancelled
        if (run.pk, shown) not in texts:
            texts[run.pk, shown] = _RunText(run, shown, urls[run.course])
        events.append(_event(entry, texts[run.pk, shown], uid_prefix))
    return events


def _calendar(events, *, name, uid, method="PUBLISH"):
    """A VCALENDAR's bytes around VEVENTs already written, with the Europe/London VTIMEZONE
    when there are any."""
    calendar = Calendar()
    calendar.add("prodid", "-//School Improvement CPD//calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("uid", f"{uid}@{_host()}")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    if events:
        calendar.add_component(LONDON_VTIMEZONE)
    end = b"END:VCALENDAR\r\n"
    head = calendar.to_ical()
    assert head.endswith(end)
    return head[: -len(end)] + b"".join(events) + end


def build_calendar(entries, *, name, uid, private=False, uid_prefix=""):
    """A VCALENDAR's bytes: one VEVENT per entry, in Europe/London local time. `private`
    adds joining details and online links: only for a confirmed delegate's own calendar,
    and never to a cancelled entry."""
    entries = list(entries)
    return _calendar(
        _events(entries, private=private, uid_prefix=uid_prefix),
        name=name,
        uid=uid,
    )


# --- the file sent to one person about their place (an iTIP message, RFC 5546) -------------


def place_sequence_offset(enrolment, earlier):
    """What a place adds to its sessions' SEQUENCE, given how many places the same person held
    on the run before it: two for each (its cancellation, then the next booking), and one more
    once this place is cancelled. Book, cancel, book again, cancel again reach a calendar as
    0, 1, 2, 3 above the session's own SEQUENCE, which a move or a change of venue raises."""
    return 2 * earlier + (enrolment.status == Enrolment.Status.CANCELLED)


def earlier_places(enrolment):
    return Enrolment.objects.filter(
        run_id=enrolment.run_id, delegate_id=enrolment.delegate_id, pk__lt=enrolment.pk
    ).count()


def _organizer():
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def ics_for_enrolment(enrolment, only=None, now=None):
    """The calendar file for one place, as an iTIP message, so a calendar that took an earlier
    one updates or removes the same events (same UIDs as the person's feed):

    - a cancelled place: METHOD:CANCEL, every session, no joining details;
    - `only` (session ids) all called off: METHOD:CANCEL with just those;
    - otherwise METHOD:REQUEST with the place's sessions (or `only`) that go ahead.

    SEQUENCE is above any file sent before (place_sequence_offset) and DTSTAMP is now."""
    run = enrolment.run
    cancelled = enrolment.status == Enrolment.Status.CANCELLED
    offset = place_sequence_offset(enrolment, earlier_places(enrolment))
    entries = [
        Entry(s, run, cancelled, sequence_offset=offset)
        for s in sorted(run.sessions.all(), key=lambda s: s.starts_at)
        if only is None or s.pk in only
    ]
    going_ahead = [e for e in entries if not e.is_cancelled]
    method = "REQUEST" if going_ahead else "CANCEL"
    stamp = f"\r\nDTSTAMP:{(now or timezone.now()).astimezone(UTC):%Y%m%dT%H%M%S}Z\r\n".encode()
    people = (
        _content_line("ORGANIZER", vCalAddress(f"mailto:{_organizer()}"))
        + "\r\n"
        + _content_line("ATTENDEE;RSVP=FALSE", vCalAddress(f"mailto:{enrolment.delegate.email}"))
        + "\r\n"
    ).encode()
    events = [
        # An iTIP message is stamped when it is sent, and names who sends it and to whom.
        re.sub(rb"\r\nDTSTAMP:[0-9TZ]+\r\n", stamp, event, count=1).replace(
            b"END:VEVENT\r\n", people + b"END:VEVENT\r\n"
        )
        for event in _events(
            going_ahead or entries,
            private=enrolment.status in Enrolment.JOINING_DETAILS_SHOWN,
        )
    ]
    return _calendar(events, name=run.course.title, uid=f"enrolment-{enrolment.pk}", method=method)
