"""iCalendar files for sessions, built with the icalendar library."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone

LONDON = ZoneInfo("Europe/London")


def _host():
    return settings.WAGTAILADMIN_BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":")[0]


def session_uid(session):
    """Stable for the life of the session, whatever changes about it."""
    return f"session-{session.pk}@{_host()}"


def _location(run, private):
    if run.venue:
        venue = run.venue
        return ", ".join([venue.name, *venue.address.splitlines(), venue.town, venue.postcode])
    return run.online_joining_url if private and run.online_joining_url else "Live online"


def calendar_for(sessions, *, name, private=False, cancelled_ids=()):
    """A VCALENDAR with one VEVENT per session, times local to Europe/London.
    `private` adds joining details, for a confirmed delegate's own copy only."""
    calendar = Calendar()
    calendar.add("prodid", "-//School Improvement CPD//bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    sessions = list(sessions)
    if sessions:
        first = min(s.starts_at for s in sessions)
        last = max(s.ends_at for s in sessions)
        calendar.add_component(
            Timezone.from_tzid("Europe/London", first_date=first, last_date=last)
        )
    now = timezone.now()
    for session in sessions:
        run = session.run
        event = Event()
        event.add("uid", session_uid(session))
        event.add("sequence", session.sequence)
        event.add("dtstamp", now)
        event.add("last-modified", session.updated_at)
        event.add("dtstart", session.starts_at.astimezone(LONDON))
        event.add("dtend", session.ends_at.astimezone(LONDON))
        event.add("summary", f"{run.course.title} ({run.reference})")
        event.add("location", _location(run, private))
        description = [run.course.summary]
        if private and run.joining_instructions:
            description += ["", run.joining_instructions]
        if private and run.online_joining_url:
            description += ["", f"Join online: {run.online_joining_url}"]
        event.add("description", "\n".join(description))
        cancelled = run.status == "cancelled" or session.pk in cancelled_ids
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar


def ics_for_enrolment(enrolment):
    sessions = enrolment.run.sessions.select_related("run__course", "run__venue").order_by(
        "starts_at"
    )
    cancelled = {s.pk for s in sessions} if enrolment.status == "cancelled" else set()
    return calendar_for(
        sessions, name=enrolment.run.course.title, private=True, cancelled_ids=cancelled
    ).to_ical()
