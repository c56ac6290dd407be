"""Every calendar the service publishes, built with the icalendar library: the public
programme and strand feeds, each person's and each school's subscription, and the .ics
attached to emails. One writer (writer.py), so a UID or a time is written one way everywhere;
the subscribable feeds (feeds.py) and their tokens (tokens.py) build on it. Everything other
code uses is re-exported here; a test that patches a name patches the module that calls it."""

from .feeds import (
    HEAVY_COURSE_FIELDS,
    KEEP_CANCELLED,
    RUN_EVENTS_CACHE_SECONDS,
    feed_calendar,
    feed_version,
    programme_calendar,
    programme_runs,
)
from .tokens import feed_for, feed_from_token, forget_school_feed, rotate
from .writer import (
    EVENT_FORMAT,
    FEED_FORMAT,
    LONDON,
    LONDON_VTIMEZONE,
    Entry,
    SessionRow,
    _event,
    _RunText,
    build_calendar,
    icalendar_event,
    ics_for_enrolment,
    session_uid,
)

__all__ = [
    "EVENT_FORMAT",
    "Entry",
    "FEED_FORMAT",
    "HEAVY_COURSE_FIELDS",
    "KEEP_CANCELLED",
    "LONDON",
    "LONDON_VTIMEZONE",
    "RUN_EVENTS_CACHE_SECONDS",
    "SessionRow",
    "_RunText",
    "_event",
    "build_calendar",
    "feed_calendar",
    "feed_for",
    "feed_from_token",
    "feed_version",
    "forget_school_feed",
    "icalendar_event",
    "ics_for_enrolment",
    "programme_calendar",
    "programme_runs",
    "rotate",
    "session_uid",
]
