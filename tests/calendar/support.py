"""Helpers for calendar tests: three independent parsers that must agree on every feed, and
the run edit form in the Wagtail admin (the path bookings staff change sessions by)."""

import datetime as dt
import email
import email.policy
import json
import shutil
import subprocess
from pathlib import Path

import recurring_ical_events
from django.utils import timezone
from icalendar import Calendar

ROOT = Path(__file__).resolve().parents[2]
ICALJS = ROOT / "tests" / "calendar" / "parse_with_icaljs.cjs"


def parse_three_ways(ics, tmp_path):
    """Parse with icalendar, recurring-ical-events and ical.js; assert they agree; return
    [(uid, start_utc, end_utc, status, sequence)]."""
    return _parse(ics, tmp_path)[1]


def parse_itip_three_ways(ics, tmp_path):
    """As parse_three_ways, for a file emailed about a place: also the METHOD, which icalendar
    and ical.js must read alike. Returns (method, events)."""
    return _parse(ics, tmp_path)


def _parse(ics, tmp_path):
    calendar = Calendar.from_ical(ics)
    ours = sorted(
        (
            str(e["UID"]),
            e.decoded("DTSTART").astimezone(dt.UTC),
            e.decoded("DTEND").astimezone(dt.UTC),
            str(e.get("STATUS")),
            int(e.get("SEQUENCE")),
        )
        for e in calendar.walk("VEVENT")
    )
    expanded = recurring_ical_events.of(calendar).between(
        dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    )
    theirs = sorted(
        (
            str(e["UID"]),
            e["DTSTART"].dt.astimezone(dt.UTC),
            e["DTEND"].dt.astimezone(dt.UTC),
            str(e.get("STATUS")),
            int(e.get("SEQUENCE")),
        )
        for e in expanded
    )
    assert theirs == ours, "recurring-ical-events disagrees with icalendar"
    node = shutil.which("node")
    assert node, "node is needed to run ical.js"
    path = tmp_path / "feed.ics"
    path.write_bytes(ics)
    out = subprocess.run(
        [node, str(ICALJS), str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    icaljs = json.loads(out.stdout)
    mozilla = sorted(
        (
            e["uid"],
            dt.datetime.fromisoformat(e["start_utc"].replace("Z", "+00:00")),
            dt.datetime.fromisoformat(e["end_utc"].replace("Z", "+00:00")),
            e["status"],
            e["sequence"],
        )
        for e in icaljs["events"]
    )
    assert mozilla == ours, "ical.js disagrees with icalendar"
    method = str(calendar.get("METHOD"))
    assert (icaljs["method"] or "None") == method, "ical.js reads another METHOD"
    return method, ours


def calendar_part(message):
    """The calendar file of a sent email, as a mail client receives it: (its Content-Type as
    [(name, value)], the type first, then every parameter as written; filename; bytes)."""
    received = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    (part,) = [p for p in received.walk() if p.get_content_type() == "text/calendar"]
    return part.get_params(), part.get_filename(), part.get_payload(decode=True)


def calendar_type(method):
    """What calendar_part reads from a file's Content-Type: one charset, and the METHOD."""
    return [("text/calendar", ""), ("charset", "utf-8"), ("method", method)]


def post_run_edit_form(client, run, move=None, delete=(), **changes):
    """POST the run's admin edit form as a bookings officer would: everything as it stands,
    except `changes` to the run's fields, `move` ({session id: timedelta}) to sessions and
    `delete` (session ids) ticked for deletion."""
    move = move or {}
    edit = client.get(f"/admin/runs/edit/{run.pk}/")
    assert edit.status_code == 200
    form = edit.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value.pk if hasattr(value, "pk") else value
    formset = form.formsets["sessions"]
    data.update({f"sessions-{k}": v for k, v in formset.management_form.initial.items()})
    data.update(
        {
            "sessions-TOTAL_FORMS": str(len(formset.forms)),
            "sessions-INITIAL_FORMS": str(len(formset.forms)),
        }
    )
    for i, child in enumerate(formset.forms):
        s = child.instance
        shift = move.get(s.pk, dt.timedelta(0))
        data.update(
            {
                f"sessions-{i}-id": s.pk,
                f"sessions-{i}-ORDER": str(i + 1),
                f"sessions-{i}-starts_at": (timezone.localtime(s.starts_at) + shift).strftime(
                    "%Y-%m-%d %H:%M"
                ),
                f"sessions-{i}-ends_at": (timezone.localtime(s.ends_at) + shift).strftime(
                    "%Y-%m-%d %H:%M"
                ),
            }
        )
        if s.pk in delete:
            data[f"sessions-{i}-DELETE"] = "on"
    for key in ("booking_opens_at", "booking_closes_at"):
        value = getattr(run, key)
        data[key] = timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""
    data.update(changes)
    data = {k: ("" if v is None else v) for k, v in data.items()}
    return client.post(f"/admin/runs/edit/{run.pk}/", data)
