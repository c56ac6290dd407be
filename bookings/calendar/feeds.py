"""The subscribable feeds: the public programme and strand feeds, each person's and each
school's, and the version each feed's ETag is made from.

The public feeds cache each run's VEVENTs as bytes under a key made from that run and its
sessions, and assemble the calendar around them. After one session changes, a rebuild writes
the events of one run."""

import hashlib
from collections import defaultdict
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Min, Prefetch, Q, Sum
from django.utils import timezone

from courses.models import CoursePage, CourseRun, Session

from ..models import CalendarFeed, Enrolment
from .writer import (
    EVENT_FORMAT,
    FEED_FORMAT,
    Entry,
    SessionRow,
    _calendar,
    _CourseURLs,
    _events,
    _host,
    _location,
    build_calendar,
    place_sequence_offset,
)

KEEP_CANCELLED = timedelta(days=30)  # cancelled events stay this long, marked CANCELLED


RUN_EVENTS_CACHE_SECONDS = 7 * 24 * 3600


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
    # A released unnamed reserved place is nobody's: no event for it, in either feed.
    enrolments = enrolments.of_people()
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
        # A person could hold several places on one run, cancelled and booked again: the
        # latest wins, with the SEQUENCE the emailed files gave it (place_sequence_offset).
        enrolments = list(enrolments)
        places = defaultdict(list)
        for run_id, pk in Enrolment.objects.filter(
            delegate_id=feed.user_id, run_id__in={e.run_id for e in enrolments}
        ).values_list("run_id", "pk"):
            places[run_id].append(pk)
        by_session = {}
        for e in enrolments:
            offset = place_sequence_offset(e, sum(pk < e.pk for pk in places[e.run_id]))
            for session in e.run.sessions.all():
                entry = Entry(session, e.run, e.status == Enrolment.Status.CANCELLED, (), offset)
                if session.pk not in by_session or by_session[session.pk].sequence_offset < offset:
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
