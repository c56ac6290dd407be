"""Every calendar the service publishes, built with the icalendar library: the public
programme and strand feeds, each person's and each school's subscription, and the .ics
attached to emails. One module, so a UID or a time is written one way everywhere."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone
from icalendar import Calendar, Event, Timezone

from courses.models import CourseRun, Session

from .models import CalendarFeed, Enrolment

LONDON = ZoneInfo("Europe/London")
KEEP_CANCELLED = timedelta(days=30)  # cancelled events stay this long, marked CANCELLED


def _host():
    return settings.WAGTAILADMIN_BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":")[0]


def _site():
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def session_uid(session, prefix=""):
    """Stable for the life of the session, whatever changes about it."""
    return f"{prefix}session-{session.pk}@{_host()}"


@dataclass
class Entry:
    session: Session
    cancelled: bool = False
    attendees: tuple = ()


def _location(run, private):
    if run.venue:
        venue = run.venue
        return ", ".join([venue.name, *venue.address.splitlines(), venue.town, venue.postcode])
    return run.online_joining_url if private and run.online_joining_url else "Live online"


def build_calendar(entries, *, name, uid, private=False, uid_prefix=""):
    """A VCALENDAR of VEVENTs in Europe/London local time. `private` adds joining details
    and online links: only for a confirmed delegate's own calendar."""
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
    entries = list(entries)
    if entries:
        first = min(e.session.starts_at for e in entries)
        last = max(e.session.ends_at for e in entries)
        calendar.add_component(
            Timezone.from_tzid(
                "Europe/London",
                first_date=first - timedelta(days=1),
                last_date=last + timedelta(days=1),
            )
        )
    now = timezone.now()
    course_urls = {}  # a Wagtail page URL costs a tree walk: once per course, not per event
    for entry in entries:
        session, run = entry.session, entry.session.run
        if run.course_id not in course_urls:
            course_urls[run.course_id] = _site() + (run.course.url or "/")
        course_url = course_urls[run.course_id]
        event = Event()
        event.add("uid", session_uid(session, uid_prefix))
        event.add("sequence", session.sequence)
        event.add("dtstamp", now)
        event.add("last-modified", max(session.updated_at, run.updated_at))
        event.add("dtstart", session.starts_at.astimezone(LONDON))
        event.add("dtend", session.ends_at.astimezone(LONDON))
        summary = f"{run.course.title} ({run.reference})"
        if entry.attendees:
            summary += ": " + ", ".join(entry.attendees)
        event.add("summary", summary)
        event.add("location", _location(run, private))
        event.add("url", course_url)
        description = [run.course.summary, "", f"Details: {course_url}"]
        if private and run.joining_instructions:
            description += ["", run.joining_instructions]
        if private and run.online_joining_url:
            description += ["", f"Join online: {run.online_joining_url}"]
        event.add("description", "\n".join(description))
        cancelled = entry.cancelled or run.status == CourseRun.Status.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar


def ics_for_enrolment(enrolment):
    """The attachment for one place: all its sessions, cancelled if the place is."""
    sessions = enrolment.run.sessions.select_related("run__course", "run__venue").order_by(
        "starts_at"
    )
    cancelled = enrolment.status == Enrolment.Status.CANCELLED
    return build_calendar(
        [Entry(s, cancelled) for s in sessions],
        name=enrolment.run.course.title,
        uid=f"enrolment-{enrolment.pk}",
        private=True,
    ).to_ical()


# --- the subscribable feeds ----------------------------------------------------------------------


def _recent(now=None):
    return (now or timezone.now()) - KEEP_CANCELLED


def programme_sessions(strand=None):
    """Sessions of every published run that is open, closed or recently cancelled."""
    sessions = Session.objects.filter(run__course__live=True).filter(
        Q(run__status__in=[CourseRun.Status.OPEN, CourseRun.Status.CLOSED])
        | Q(run__status=CourseRun.Status.CANCELLED, run__updated_at__gte=_recent())
    )
    if strand is not None:
        sessions = sessions.filter(
            Q(run__course__path__startswith=strand.path)
            | Q(run__course__cross_listed_strands=strand)
        ).distinct()
    return sessions


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
        sessions = programme_sessions(strand)
        stats = sessions.aggregate(
            n=Count("pk", distinct=True), s=Max("updated_at"), r=Max("run__updated_at")
        )
        parts = [stats["n"], stats["s"], stats["r"]]
    else:
        enrolments = _enrolments_for_feed(feed)
        stats = enrolments.aggregate(
            n=Count("pk", distinct=True),
            e=Max("updated_at"),
            s=Max("run__sessions__updated_at"),
            r=Max("run__updated_at"),
        )
        parts = [feed.secret[:6], stats["n"], stats["e"], stats["s"], stats["r"]]
    stamps = [p for p in parts if hasattr(p, "isoformat")]
    last_modified = max(stamps) if stamps else None
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f'"{digest}"', last_modified


# A course page's StreamField JSON is large and a calendar never shows it.
HEAVY_COURSE_FIELDS = ("run__course__body", "run__course__learning_outcomes")


def programme_calendar(strand=None):
    sessions = (
        programme_sessions(strand)
        .select_related("run__course", "run__venue")
        .defer(*HEAVY_COURSE_FIELDS)
        .order_by("starts_at")
    )
    name = f"CPD programme: {strand.title}" if strand else "CPD programme"
    uid = f"strand-{strand.pk}" if strand else "programme"
    return build_calendar([Entry(s) for s in sessions], name=name, uid=uid)


def feed_calendar(feed):
    enrolments = (
        _enrolments_for_feed(feed)
        .select_related("delegate", "run__course", "run__venue")
        .prefetch_related("run__sessions")
    )
    if feed.kind == CalendarFeed.Kind.PERSONAL:
        entries = [
            Entry(session, e.status == Enrolment.Status.CANCELLED)
            for e in enrolments
            for session in e.run.sessions.all()
        ]
        # A person could hold a cancelled and a live place on one run; the live one wins.
        by_session = {}
        for entry in entries:
            if entry.session.pk not in by_session or not entry.cancelled:
                by_session[entry.session.pk] = entry
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
            entry = grouped.setdefault(session.pk, Entry(session, True, ()))
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


def feed_for(*, user=None, school=None):
    """The person's or school's feed, made on first use."""
    kind = CalendarFeed.Kind.PERSONAL if user else CalendarFeed.Kind.SCHOOL
    feed, _ = CalendarFeed.objects.get_or_create(
        kind=kind, user=user, school=school, defaults={"secret": secrets.token_urlsafe(32)}
    )
    return feed


def rotate(feed):
    """A new secret: the old address stops working at once."""
    feed.secret = secrets.token_urlsafe(32)
    feed.save(update_fields=["secret"])
    return feed


def feed_from_token(token, kind):
    """The feed a token opens, or None. The secret is compared in constant time."""
    feed_id, _, secret = (token or "").partition(".")
    if not feed_id.isdigit() or not secret:
        return None
    feed = (
        CalendarFeed.objects.select_related("school", "user")
        .filter(pk=int(feed_id), kind=kind)
        .first()
    )
    if feed is None or not hmac.compare_digest(feed.secret.encode(), secret.encode()):
        return None
    if feed.user_id and not feed.user.is_active:
        return None
    return feed
