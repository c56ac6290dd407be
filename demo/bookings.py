"""Places booked in the demo, all through bookings.services.book_places() as the CPD team's
phone bookings, emailing nobody: some upcoming runs full or nearly full, and (for `make run`)
past runs with registers, evaluations, certificates and an impact follow-up."""

import datetime as dt

from django.utils import timezone

from accounts.models import School, User
from bookings import attendance
from bookings.models import Booking, Enrolment, ImpactFollowUp, Reservation, WaitingListEntry
from bookings.services import (
    BookingRequest,
    Delegate,
    book_places,
    join_waiting_list_as_group,
    name_by,
    name_reserved_place,
    reserve_places,
)
from courses.models import CoursePage, CourseRun, Facilitator, Session, Venue

from . import content
from .catalogue import STRAND_CODES, session_times
from .people import demo_staff


def fill_some_runs():
    """Book real places, through book_places() as the CPD team's phone bookings, so that some
    runs are full and some nearly full. Runs that already have bookings are left alone."""
    admin = User.objects.get(email="admin@example.gov.uk")
    schools = list(School.objects.filter(urn__in=[990001, 990002, 990003, 990005]))
    staff = {school.pk: demo_staff(school, 30) for school in schools}
    runs = [
        run
        for run in CourseRun.objects.upcoming().filter(status=CourseRun.Status.OPEN)
        if run.is_bookable
    ]
    filled = 0
    for index, run in enumerate(runs):
        if index % 4 != 0 or Booking.objects.filter(run=run).exists():
            continue
        # Every third of these is full (for the waiting list); the others have two places left.
        wanted = run.capacity if index % 12 == 0 else max(run.capacity - 2, 1)
        school = schools[(index // 4) % len(schools)]
        delegates = staff[school.pk][:wanted]
        book_places(
            run.pk,
            BookingRequest(
                school=school,
                booked_by=admin,
                delegates=[Delegate(u) for u in delegates],
                source=Booking.Source.PHONE,
                notify=False,
            ),
        )
        filled += 1
    return filled


def oakfield_buys_as_a_group():
    """Issue 19 for `make run`: Oakfield's CPD lead has reserved 3 places on an upcoming run
    and named 1, and put 3 colleagues on a full run's waiting list together, each through the
    service a lead's page calls. Left alone once Oakfield has a reservation or a group entry.
    Takes the last-dated runs, so the first empty ones stay free for the browser tests."""
    oakfield = School.objects.get(urn=990001)
    lead = User.objects.get(email="cpdlead@oakfield.sch.uk")
    staff = demo_staff(oakfield, 30)
    runs = sorted(
        (
            run
            for run in CourseRun.objects.upcoming()
            .filter(status=CourseRun.Status.OPEN)
            .prefetch_related("sessions")
            if run.is_bookable
        ),
        key=lambda run: min(s.starts_at for s in run.sessions.all()),
        reverse=True,
    )
    now = timezone.now()
    if not Reservation.objects.filter(booking__school=oakfield).exists():
        run = next(
            r
            for r in runs
            if not Booking.objects.filter(run=r).exists() and (name_by(r) or now) > now
        )
        reservation = reserve_places(
            run.pk, school=oakfield, by=lead, places_wanted=3, terms_accepted=True
        )
        name_reserved_place(reservation.pk, by=lead, person=staff[-1])
    if not WaitingListEntry.objects.filter(person=lead, is_group=True).exists():
        run = next(r for r in runs if r.places_left <= 0)
        booked = set(Enrolment.objects.filter(run=run).live().values_list("delegate", flat=True))
        colleagues = [u for u in reversed(staff) if u.pk not in booked][:3]
        join_waiting_list_as_group(run.pk, people=colleagues, school=oakfield, lead=lead)


# Courses that have happened, so registers, evaluations, certificates and CPD records have
# something to show: (course slug, school days ago of each session, register state). Each is
# run number 0 of its course (e.g. INC-023-0). The last is still open: its final session is
# today, for the facilitator to mark. All within 12 weeks, so the demo's calendars span less
# than a year.
HISTORY = [
    ("metacognition-and-self-regulated-learning", [80], "closed"),
    ("send-essentials-for-teaching-assistants-primary", [70, 56], "closed"),
    ("understanding-autism-classroom-strategies", [12], "closed"),
    ("new-senco-induction", [28, 14, 0], "open"),
]


def history_reference(slug):
    index, course = next((i, c) for i, c in enumerate(content.COURSES) if c["slug"] == slug)
    return f"{STRAND_CODES[course['strand']]}-{index + 1:03d}-0"


def history_references():
    return [history_reference(slug) for slug, _, _ in HISTORY]


def open_register_today():
    """The history run whose register is open today, or None (seeded without history)."""
    slug = next(slug for slug, _, state in HISTORY if state == "open")
    today = timezone.localdate()
    return (
        CourseRun.objects.select_related("course")
        .filter(reference=history_reference(slug), sessions__starts_at__date=today)
        .first()
    )


def _school_day_ago(days):
    """A weekday `days` ago; 0 is today whatever the weekday, so a register is open today."""
    day = timezone.localdate() - dt.timedelta(days=days)
    while days and day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _history_delegates(slug, staff, amira):
    """Who was booked on each past run, and how they attended: "all", "none", "first" (the
    first session only) or "walk_in" (added on the day, present)."""
    oak, anne, river, hill = staff[990001], staff[990002], staff[990003], staff[990005]
    return {
        "metacognition-and-self-regulated-learning": [(amira, "all")]
        + [(u, "all") for u in oak[:4] + hill[:3]],
        "send-essentials-for-teaching-assistants-primary": [
            (amira, "all"),
            (oak[1], "none"),
            (anne[0], "first"),
        ]
        + [(u, "all") for u in oak[2:6] + anne[1:4]],
        "understanding-autism-classroom-strategies": [
            (amira, "all"),
            (river[2], "none"),
            (river[10], "walk_in"),
        ]
        + [(u, "all") for u in oak[6:9] + river[3:5]],
        "new-senco-induction": [(amira, "all"), (oak[9], "first")]
        + [(u, "all") for u in oak[10:13] + anne[5:9] + river[11:13]],
    }[slug]


def after_the_course():
    """Past runs with their registers marked (and most closed), evaluations, certificates and
    an impact follow-up, all through bookings.attendance. Runs that exist are left alone."""
    users = {u.email: u for u in User.objects.filter(email__endswith="example.gov.uk")}
    # Staff-only steps as the superuser: a flushed test database has groups without permissions.
    admin = users["admin@example.gov.uk"]
    sarah = users["facilitator@example.gov.uk"]
    Facilitator.objects.filter(name="Sarah Whitfield", user__isnull=True).update(user=sarah)
    amira = User.objects.get(email="ta@oakfield.sch.uk")
    lead = User.objects.get(email="cpdlead@oakfield.sch.uk")
    schools = {s.urn: s for s in School.objects.filter(urn__in=[990001, 990002, 990003, 990005])}
    staff = {urn: demo_staff(school, 30) for urn, school in schools.items()}
    tz = timezone.get_current_timezone()
    for slug, days_ago, state in HISTORY:
        reference = history_reference(slug)
        if CourseRun.objects.filter(reference=reference).exists():
            continue
        course = CoursePage.objects.get(slug=slug)
        start, end = session_times(
            {
                "after_school": False,
                "cpd_hours": course.cpd_hours,
                "sessions_per_run": len(days_ago),
            }
        )
        run = CourseRun.objects.create(
            course=course,
            reference=reference,
            capacity=20,
            status=CourseRun.Status.CLOSED,
            venue=None if course.format == "online" else Venue.objects.order_by("name").first(),
            online_joining_url=(
                f"https://meet.example.gov.uk/cpd/{reference.lower()}"
                if course.format != "in_person"
                else ""
            ),
        )
        sessions = [
            Session.objects.create(
                run=run,
                starts_at=dt.datetime.combine(_school_day_ago(d), start, tzinfo=tz),
                ends_at=dt.datetime.combine(_school_day_ago(d), end, tzinfo=tz),
            )
            for d in days_ago
        ]
        taker = sarah if attendance.may_take_register(sarah, run) else admin
        people = _history_delegates(slug, staff, amira)
        by_school = {}
        for person, how in people:
            if how != "walk_in":
                school = person.memberships.order_by("pk").first().school
                by_school.setdefault(school, []).append(person)
        for school, delegates in by_school.items():
            book_places(
                run.pk,
                BookingRequest(
                    school=school,
                    booked_by=admin,
                    delegates=[Delegate(p) for p in delegates],
                    source=Booking.Source.PHONE,
                    notify=False,
                ),
            )
        for person, how in people:
            if how == "walk_in":  # booked on the day, like add_walk_in(), but emailing nobody
                school = person.memberships.order_by("pk").first().school
                book_places(
                    run.pk,
                    BookingRequest(
                        school=school,
                        booked_by=admin,
                        delegates=[Delegate(person)],
                        source=Booking.Source.WALK_IN,
                        notify=False,
                    ),
                )
            enrolment = Enrolment.objects.get(run=run, delegate=person)
            for index, session in enumerate(sessions):
                if state == "open" and index == len(sessions) - 1:
                    continue  # the last register is the facilitator's to take
                present = how in ("all", "walk_in") or (how == "first" and index == 0)
                attendance.mark_attendance(session.pk, enrolment.pk, present=present, by=taker)
        if state != "closed":
            continue
        attendance.close_register(run.pk, by=taker, notify=False)
        attendance.request_evaluations(run.pk, notify=False)
        attended = Enrolment.objects.filter(run=run, status=Enrolment.Status.ATTENDED)
        for enrolment in attended.exclude(delegate=amira).order_by("pk")[:3]:
            _demo_evaluation(attendance, enrolment, 4)
        if slug != "understanding-autism-classroom-strategies":  # left for the demo to do
            _demo_evaluation(attendance, attended.get(delegate=amira), 5)
        if slug == "send-essentials-for-teaching-assistants-primary":
            no_show = Enrolment.objects.filter(run=run, status=Enrolment.Status.NO_SHOW)
            attendance.waive_no_show_charge(
                no_show.order_by("pk").last().pk,
                by=admin,
                reason="School closed by snow on the second day",
            )
            place = attended.get(delegate=amira).pk
            ImpactFollowUp.objects.create(enrolment_id=place)
            attendance.answer_impact(
                place,
                by=amira,
                answer="I now pre-teach key vocabulary before each maths lesson, and we use "
                "the visual timetable from the course every day.",
            )
            attendance.answer_impact(
                place,
                by=lead,
                answer="Learning walks show TAs planning with teachers; two pupils with EHCPs "
                "now work independently for longer.",
            )


def _demo_evaluation(attendance, enrolment, score):
    attendance.submit_evaluation(
        enrolment.pk,
        by=enrolment.delegate,
        ratings={"quality": score, "relevance": score, "facilitator": 5},
        will_do_differently="Plan adult support before the lesson, not during it.",
        comments="Practical and well paced.",
    )
