"""Every calendar the service publishes, built with the icalendar library: the public
programme and strand feeds, each person's and each school's subscription, and the .ics
attached to emails. One module, so a UID or a time is written one way everywhere.

icalendar writes text slowly (it folds lines a character at a time: about 0.3 ms an event),
so the public feeds cache each run's VEVENTs as bytes under a key made from that run and its
sessions, and assemble the calendar around them. After one session changes, a rebuild writes
the events of one run."""

import hashlib
import hmac
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, Sum
from django.utils import timezone
from icalendar import Calendar, Event
from icalendar.prop import vText, vUri

from accounts import permissions
from accounts.models import Membership
from core.links import site_url
from core.params import parse_int
from courses.models import CoursePage, CourseRun, Session

from .models import CalendarFeed, Enrolment

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
KEEP_CANCELLED = timedelta(days=30)  # cancelled events stay this long, marked CANCELLED
# A run's cached events are keyed by everything they show, so an entry is never stale, only
# unused, and it expires a week after it was written. Bump EVENT_FORMAT when _event() changes.
EVENT_FORMAT = 2
# Part of every feed's ETag: bump it when the calendar around the events changes (the
# VTIMEZONE, the calendar properties), so no cached body or client copy outlives the change.
FEED_FORMAT = 2
RUN_EVENTS_CACHE_SECONDS = 7 * 24 * 3600


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
    event.add("sequence", session.sequence)
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
        f"SEQUENCE:{session.sequence}",
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


def _calendar(events, *, name, uid):
    """A VCALENDAR's bytes around VEVENTs already written, with the Europe/London VTIMEZONE
    when there are any."""
    calendar = Calendar()
    calendar.add("prodid", "-//School Improvement CPD//calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
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


def ics_for_enrolment(enrolment):
    """The attachment for one place: all its sessions, cancelled if the place is. Joining
    details only once the place is confirmed (not while it waits for approval)."""
    run = enrolment.run
    cancelled = enrolment.status == Enrolment.Status.CANCELLED
    return build_calendar(
        [Entry(s, run, cancelled) for s in run.sessions.order_by("starts_at")],
        name=run.course.title,
        uid=f"enrolment-{enrolment.pk}",
        private=enrolment.status in Enrolment.JOINING_DETAILS_SHOWN,
    )


# --- the subscribable feeds ----------------------------------------------------------------------


def _recent(now=None):
    return (now or timezone.now()) - KEEP_CANCELLED


def _session_shown(path=""):
    """A session is shown until it has been cancelled for KEEP_CANCELLED. `path` reaches the
    session from the model being filtered, e.g. "run__sessions__"."""
    return Q(**{f"{path}cancelled_at__isnull": True}) | Q(**{f"{path}cancelled_at__gte": _recent()})


def programme_runs(strand=None):
    """Runs of published courses that are open, closed or recently cancelled."""
    runs = CourseRun.objects.filter(course__live=True).filter(
        Q(status__in=[CourseRun.Status.OPEN, CourseRun.Status.CLOSED])
        | Q(status=CourseRun.Status.CANCELLED, updated_at__gte=_recent())
    )
    if strand is not None:
        # A subquery, not a join, so no run is listed twice for a cross-listed course.
        courses = CoursePage.objects.filter(
            Q(path__startswith=strand.path) | Q(cross_listed_strands=strand)
        )
        runs = runs.filter(course__in=courses.values("pk"))
    return runs


def _shown_sessions(run_ids):
    # The runs are read first and their ids given as a list: counting 5,000 sessions takes
    # a third of the time without joining them to their runs and courses.
    return Session.objects.filter(run_id__in=run_ids).filter(_session_shown())


def _enrolments_for_feed(feed):
    enrolments = Enrolment.objects.filter(
        Q(status__in=[Enrolment.Status.CONFIRMED, Enrolment.Status.ATTENDED])
        | Q(status=Enrolment.Status.CANCELLED, cancelled_at__gte=_recent())
    )
    if feed.kind == CalendarFeed.Kind.PERSONAL:
        return enrolments.filter(delegate_id=feed.user_id)
    return enrolments.filter(booking__school_id=feed.school_id)


def feed_version(feed=None, strand=None):
    """(etag, last_modified) from a cheap aggregate, so a 304 needs no calendar built."""
    if feed is None:
        runs = list(
            programme_runs(strand).values_list("pk", "updated_at", "course__last_published_at")
        )
        ids = [pk for pk, _, _ in runs]
        stats = _shown_sessions(ids).aggregate(n=Count("pk"), s=Max("updated_at"))
        parts = [
            FEED_FORMAT,
            len(ids),
            sum(ids),
            stats["n"],
            stats["s"],
            max((updated for _, updated, _ in runs), default=None),
            max((published for _, _, published in runs if published), default=None),
        ]
    else:
        enrolments = _enrolments_for_feed(feed)
        stats = enrolments.aggregate(
            n=Count("pk", distinct=True),
            # A cancelled session dropping out after 30 days changes only this count.
            shown=Count("run__sessions", filter=_session_shown("run__sessions__")),
            e=Max("updated_at"),
            s=Max("run__sessions__updated_at"),
            r=Max("run__updated_at"),
            c=Max("run__course__last_published_at"),
        )
        parts = [
            FEED_FORMAT,
            feed.secret[:6],
            *(stats[k] for k in ("n", "shown", "e", "s", "r", "c")),
        ]
    stamps = [p for p in parts if hasattr(p, "isoformat")]
    last_modified = max(stamps) if stamps else None
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f'"{digest}"', last_modified


# A course page's StreamField JSON is large and a calendar never shows it.
HEAVY_COURSE_FIELDS = ("course__body", "course__learning_outcomes")


def _run_events_key(run, sessions, url):
    """The cache key for a run's public events: any change to what they show changes it.
    `sessions` is the run's aggregate over its shown sessions (a session's save moves
    its updated_at; one dropping out changes the count and the sums)."""
    facts = (
        EVENT_FORMAT,
        _host(),
        url,
        run.pk,
        run.updated_at,
        run.status,
        run.reference,
        run.venue_id,
        run.course.title,
        run.course.summary,
        *(sessions[k] for k in ("n", "changed", "pks", "sequences", "cancelled", "first", "last")),
    )
    if run.venue:
        facts += (_location(run, private=False),)  # a venue's own edits have no timestamp
    return "run-events:" + hashlib.sha256(repr(facts).encode()).hexdigest()


def programme_calendar(strand=None):
    """The public programme (or one strand): each run's events come from the cache unless
    the run or one of its sessions changed; then only that run's are written again."""
    runs = {
        run.pk: run
        for run in programme_runs(strand)
        .select_related("course", "venue")
        .defer(*HEAVY_COURSE_FIELDS)
    }
    shown = _shown_sessions(list(runs))
    per_run = list(
        shown.order_by()
        .values("run_id")
        .annotate(
            n=Count("pk"),
            changed=Max("updated_at"),
            pks=Sum("pk"),
            sequences=Sum("sequence"),
            cancelled=Count("cancelled_at"),
            first=Min("starts_at"),
            last=Max("ends_at"),
        )
        .order_by("first", "run_id")
    )
    urls = _CourseURLs()
    keys = {
        r["run_id"]: _run_events_key(runs[r["run_id"]], r, urls[runs[r["run_id"]].course])
        for r in per_run
    }
    cached = cache.get_many(list(keys.values())) if keys else {}
    missing = [run_id for run_id, key in keys.items() if key not in cached]
    if missing:
        entries = defaultdict(list)
        rows = shown.filter(run_id__in=missing).order_by("starts_at")
        for row in map(SessionRow._make, rows.values_list(*SessionRow._fields)):
            entries[row.run_id].append(Entry(row, runs[row.run_id]))
        written = {
            keys[run_id]: b"".join(_events(entries[run_id], urls=urls)) for run_id in missing
        }
        cache.set_many(written, RUN_EVENTS_CACHE_SECONDS)
        cached.update(written)
    return _calendar(
        [cached[keys[r["run_id"]]] for r in per_run],
        name=f"CPD programme: {strand.title}" if strand else "CPD programme",
        uid=f"strand-{strand.pk}" if strand else "programme",
    )


def feed_calendar(feed):
    enrolments = (
        _enrolments_for_feed(feed)
        .select_related("delegate", "run__course", "run__venue")
        .defer(*(f"run__{field}" for field in HEAVY_COURSE_FIELDS))
        .prefetch_related(
            Prefetch("run__sessions", queryset=Session.objects.filter(_session_shown()))
        )
    )
    if feed.kind == CalendarFeed.Kind.PERSONAL:
        # A person could hold a cancelled and a live place on one run; the live one wins.
        by_session = {}
        for e in enrolments:
            for session in e.run.sessions.all():
                entry = Entry(session, e.run, e.status == Enrolment.Status.CANCELLED)
                if session.pk not in by_session or not entry.cancelled:
                    by_session[session.pk] = entry
        return build_calendar(
            sorted(by_session.values(), key=lambda e: e.session.starts_at),
            name="My CPD",
            uid=f"feed-{feed.pk}",
            private=True,
        )
    # A school's calendar: one event per session, naming the staff going.
    grouped = {}
    for e in enrolments:
        name = e.delegate.get_full_name() or e.delegate.email
        for session in e.run.sessions.all():
            entry = grouped.setdefault(session.pk, Entry(session, e.run, True, ()))
            if e.status != Enrolment.Status.CANCELLED:
                entry.cancelled = False
                entry.attendees = (*entry.attendees, name)
    return build_calendar(
        sorted(grouped.values(), key=lambda e: e.session.starts_at),
        name=f"{feed.school.name}: staff CPD",
        uid=f"feed-{feed.pk}",
        uid_prefix=f"school-{feed.school_id}-",
    )


# --- tokens --------------------------------------------------------------------------------------


def feed_for(user, school=None):
    """The person's own feed, or (given `school`) their own address for that school's
    calendar, made on first use. The caller has checked that they manage the school."""
    kind = CalendarFeed.Kind.SCHOOL if school else CalendarFeed.Kind.PERSONAL
    feed, _ = CalendarFeed.objects.get_or_create(
        kind=kind, user=user, school=school, defaults={"secret": secrets.token_urlsafe(32)}
    )
    return feed


def rotate(feed):
    """A new secret: the old address stops working at once."""
    feed.secret = secrets.token_urlsafe(32)
    feed.save(update_fields=["secret"])
    return feed


def _manages_the_school():
    """Whether the feed's holder is a manager (CPD lead, headteacher) of the feed's school, as
    a subquery, so the right is checked in the query that finds the feed."""
    held = Q()
    for role in permissions.MANAGERS:
        held |= Q(**{permissions.ROLE_FIELDS[role]: True})
    return Exists(
        Membership.objects.filter(held, user=OuterRef("user_id"), school=OuterRef("school_id"))
    )


def feed_from_token(token, kind):
    """The feed a token opens, or None. The secret is compared in constant time, and the
    holder's right is checked now, not only when it changes: an open account, and for a
    school's calendar still one of its managers (or the council's service staff)."""
    raw_id, _, secret = (token or "").partition(".")
    feed_id = parse_int(raw_id, minimum=1)
    if feed_id is None or not secret:
        return None
    feeds = CalendarFeed.objects.select_related("school", "user").filter(
        pk=feed_id, kind=kind, user__is_active=True, user__closed_at__isnull=True
    )
    if kind == CalendarFeed.Kind.SCHOOL:
        feeds = feeds.annotate(manages=_manages_the_school())
    feed = feeds.first()
    if feed is None or not hmac.compare_digest(feed.secret.encode(), secret.encode()):
        return None
    if kind == CalendarFeed.Kind.SCHOOL and not (
        feed.manages or permissions.is_service_staff(feed.user)
    ):
        return None
    return feed


def forget_school_feed(user_id, school_id):
    """Delete someone's address for a school's calendar when they stop managing it, so the
    same address never comes back if they are made a manager again."""
    CalendarFeed.objects.filter(
        kind=CalendarFeed.Kind.SCHOOL, user_id=user_id, school_id=school_id
    ).delete()
