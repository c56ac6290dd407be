"""The demo programme: five strands of courses with their audiences, phases, venues and
facilitators, runs spread over the next two terms, and the Course approval workflow."""

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.utils import timezone
from django.utils.text import slugify

from courses.models import (
    Audience,
    CoursePage,
    CourseRun,
    Facilitator,
    Phase,
    ProgrammePage,
    Session,
    StrandPage,
    Venue,
)
from courses.workflows import attach, ensure_course_approval

from . import content
from .pages import child

STRAND_CODES = {
    "teaching-and-learning": "ITL",
    "leadership": "LDR",
    "using-data": "DAT",
    "inclusion": "INC",
    "inspection": "INS",
}

# School holidays to keep runs out of (inclusive), for the demo year.
HOLIDAYS = [
    (dt.date(2026, 12, 19), dt.date(2027, 1, 4)),
    (dt.date(2027, 2, 13), dt.date(2027, 2, 21)),
    (dt.date(2027, 3, 27), dt.date(2027, 4, 11)),
    (dt.date(2027, 5, 29), dt.date(2027, 6, 6)),
]


def programme(home):
    """The programme page, its strands and courses, and their runs. Returns the programme page
    and how many runs were made."""
    snippets = _snippets()
    page = child(
        home,
        ProgrammePage,
        "programme",
        title="Our programme",
        intro="Courses, networks and briefings for every role in school, "
        "organised in five strands. Book a place when you need it; "
        "there is no subscription.",
        show_in_menus=True,
    )
    strands = {}
    for s in content.STRANDS:
        strands[s["slug"]] = child(
            page,
            StrandPage,
            s["slug"],
            title=s["title"],
            colour=s["colour"],
            strapline=s["strapline"],
            body=[("paragraph", f"<p>{s['intro']}</p>")],
        )
    created_runs = 0
    for index, c in enumerate(content.COURSES):
        course = _course(strands[c["strand"]], c, snippets)
        created_runs += _runs(course, c, index, snippets["venues"])
    return page, created_runs


def course_workflow(programme):
    """Course pages need a moderator's approval before they go live. A migration makes the
    workflow; this puts it back on a database whose tables were flushed, as tests do."""
    attach(apps, programme.pk, ensure_course_approval(apps))


def _snippets():
    audiences = {
        slug: Audience.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in content.AUDIENCES
    }
    phases = {
        slug: Phase.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})[
            0
        ]
        for slug, name, order in content.PHASES
    }
    venues = [
        Venue.objects.get_or_create(name=v["name"], defaults={k: v[k] for k in v if k != "name"})[0]
        for v in content.VENUES
    ]
    facilitators = [
        Facilitator.objects.get_or_create(
            name=f["name"], defaults={k: f[k] for k in f if k != "name"}
        )[0]
        for f in content.FACILITATORS
    ]
    return {
        "audiences": audiences,
        "phases": phases,
        "venues": venues,
        "facilitators": facilitators,
    }


# Who leads what: by subject first, then by strand.
FACILITATOR_FOR_SUBJECT = {
    "Phonics": "Tom Brereton",
    "Reading": "Tom Brereton",
    "English": "Tom Brereton",
    "Early years": "Angela Mistry",
    "Safeguarding": "Joanne Pickering",
    "Attendance": "Joanne Pickering",
    "Governance": "Gareth Lloyd",
}
FACILITATOR_FOR_STRAND = {
    "teaching-and-learning": "Ruth Calloway",
    "leadership": "Daniel Okafor",
    "using-data": "Priya Raman",
    "inclusion": "Sarah Whitfield",
    "inspection": "Daniel Okafor",
}


def _facilitator_for(c, facilitators):
    by_name = {f.name: f for f in facilitators}
    for subject in c["subjects"]:
        if subject in FACILITATOR_FOR_SUBJECT:
            return by_name[FACILITATOR_FOR_SUBJECT[subject]]
    if "governors" in c["audiences"]:
        return by_name["Gareth Lloyd"]
    return by_name[FACILITATOR_FOR_STRAND[c["strand"]]]


def _course(strand, c, snippets):
    return child(
        strand,
        CoursePage,
        c["slug"],
        title=c["title"],
        summary=c["summary"],
        search_description=c["summary"][:255],
        body=[("paragraph", "".join(f"<p>{p}</p>" for p in c["body"]))],
        learning_outcomes=[("outcome", o) for o in c["outcomes"]],
        format=c["format"],
        cpd_hours=Decimal(c["cpd_hours"]),
        default_price=Decimal(c["price"]),
        audiences=[snippets["audiences"][a] for a in c["audiences"]],
        phases=[snippets["phases"][p] for p in c["phases"]],
        facilitators=[_facilitator_for(c, snippets["facilitators"])],
        subjects=c["subjects"],
    )


def school_days(start):
    day = start
    while True:
        if day.weekday() < 5 and not any(a <= day <= b for a, b in HOLIDAYS):
            yield day
        day += dt.timedelta(days=1)


def session_times(c):
    if c["after_school"]:
        return dt.time(15, 45), dt.time(17, 45)
    if Decimal(c["cpd_hours"]) / c["sessions_per_run"] >= 5:
        return dt.time(9, 30), dt.time(15, 30)
    return dt.time(9, 30), dt.time(12, 30)


def _runs(course, c, index, venues):
    """Spread runs over the next two terms; deterministic from the course's position."""
    code = STRAND_CODES.get(c["strand"], "CPD")
    today = timezone.localdate()
    created = 0
    tz = timezone.get_current_timezone()
    start_time, end_time = session_times(c)
    for run_no in range(1, c["runs"] + 1):
        reference = f"{code}-{index + 1:03d}-{run_no}"
        if CourseRun.objects.filter(reference=reference).exists():
            continue
        offset = 7 + (index * 5) % 40 + (run_no - 1) * 56
        days = school_days(today + dt.timedelta(days=offset))
        dates = []
        for day in days:
            dates.append(day)
            if len(dates) == c["sessions_per_run"]:
                break
            for _ in range(14):  # multi-session courses meet about fortnightly
                next(days)
        online = c["format"] == "online"
        first = dt.datetime.combine(dates[0], start_time, tzinfo=tz)
        run = CourseRun.objects.create(
            course=course,
            reference=reference,
            capacity=[12, 16, 20, 24, 30][(index + run_no) % 5],
            status=CourseRun.Status.OPEN if offset < 120 else CourseRun.Status.SCHEDULED,
            booking_closes_at=first - dt.timedelta(days=2),
            venue=None if online else venues[(index + run_no) % len(venues)],
            online_joining_url=(
                f"https://meet.example.gov.uk/cpd/{slugify(reference)}"
                if c["format"] != "in_person"
                else ""
            ),
            joining_instructions=(
                "Join ten minutes early to check your audio. Cameras on for group work, please."
                if c["format"] != "in_person"
                else "Sign in at reception. Refreshments from 9:00; lunch is provided on full days."
            ),
        )
        Session.objects.bulk_create(
            Session(
                run=run,
                starts_at=dt.datetime.combine(day, start_time, tzinfo=tz),
                ends_at=dt.datetime.combine(day, end_time, tzinfo=tz),
            )
            for day in dates
        )
        created += 1
    return created
