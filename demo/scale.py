"""A large demo catalogue for measuring the finder: `seed_demo --scale N`.

N extra courses spread over the five strands, each with three upcoming runs, with the facets a
real programme has (phases, roles, subjects, formats, venues, months, prices including free).
Pages need Wagtail's tree inserts one at a time; everything else (runs, sessions, phases,
roles, subject tags, the search index) is written in bulk. Course slugs are numbered
(`scale-0001`…), so a second call with the same N finds them and adds nothing.
"""

import datetime as dt
import time
from decimal import Decimal

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from modelsearch.backends import get_search_backends
from modelsearch.signal_handlers import post_save_signal_handler
from taggit.models import Tag
from wagtail.signal_handlers import disable_reference_index_auto_update

from courses.models import (
    Audience,
    CoursePage,
    CourseRun,
    CourseSubjectTag,
    Phase,
    Session,
    StrandPage,
    Venue,
)

from .catalogue import STRAND_CODES, school_days

SLUG = "scale-{:04d}"
RUNS_PER_COURSE = 3

# What each strand's courses are about, and who they are for. Cycled through, so the facet
# counts come out uneven, as a real programme's do.
TOPICS = {
    "teaching-and-learning": [
        ("Retrieval practice", ["Curriculum", "Metacognition"]),
        ("Questioning that stretches", ["Curriculum"]),
        ("Early reading and phonics", ["Phonics", "Reading"]),
        ("Mastery in maths", ["Maths"]),
        ("Working scientifically", ["Science"]),
        ("Coaching for classroom practice", ["Coaching"]),
    ],
    "leadership": [
        ("Leading a subject", ["Leadership", "Curriculum"]),
        ("Leading change that lasts", ["Leadership"]),
        ("Staff wellbeing and workload", ["Wellbeing", "Leadership"]),
        ("Governor essentials", ["Governance"]),
        ("Coaching conversations for leaders", ["Coaching", "Leadership"]),
    ],
    "using-data": [
        ("Assessment without levels", ["Assessment", "Data"]),
        ("Making sense of your school's data", ["Data"]),
        ("Pupil premium that works", ["Pupil premium", "Data"]),
        ("Attendance data for action", ["Attendance", "Data"]),
    ],
    "inclusion": [
        ("SEND in the mainstream classroom", ["SEND"]),
        ("Supporting communication and language", ["SEND", "Communication"]),
        ("Behaviour as communication", ["Behaviour", "SEND"]),
        ("Adaptive teaching for every pupil", ["SEND", "Curriculum"]),
        ("Attendance and belonging", ["Attendance", "Wellbeing"]),
    ],
    "inspection": [
        ("Preparing for inspection", ["Inspection"]),
        ("Safeguarding: keeping children safe", ["Safeguarding"]),
        ("Deep dives for subject leaders", ["Inspection", "Curriculum"]),
        ("Early years inspection", ["Early years", "Inspection"]),
    ],
}
AUDIENCE_SETS = [
    ["teachers"],
    ["teaching-assistants"],
    ["teachers", "teaching-assistants"],
    ["middle-leaders"],
    ["senior-leaders", "headteachers"],
    ["sencos"],
    ["ects"],
    ["governors"],
    ["data-leads"],
    ["dsl"],
]
PHASE_SETS = [["primary"], ["secondary"], ["primary", "secondary"], ["early-years"], ["special"]]
FORMATS = ["in_person", "in_person", "online", "blended"]
PRICES = ["0", "45", "95", "125", "150", "195", "240", "320"]
CAPACITIES = [12, 16, 20, 24, 30]


def seed_scale(n, *, stdout=None):
    """Make sure `scale-0001`…`scale-N` exist (run `seed_demo` first for the strands, venues,
    phases and roles). Returns how many courses were created."""
    say = stdout.write if stdout else (lambda msg: None)
    started = time.perf_counter()
    strands = list(StrandPage.objects.live().order_by("path"))
    if not strands:
        raise ValueError("Run seed_demo first: there are no strands to add courses to.")
    by_slug = {s.slug: s for s in strands}
    have = set(CoursePage.objects.filter(slug__startswith="scale-").values_list("slug", flat=True))
    wanted = [i for i in range(1, n + 1) if SLUG.format(i) not in have]
    if not wanted:
        say(f"Scale catalogue: all {n} courses already there.")
        return 0

    audiences = {a.slug: a for a in Audience.objects.all()}
    phases = {p.slug: p for p in Phase.objects.all()}
    venues = list(Venue.objects.order_by("pk"))
    subject_names = {name for topics in TOPICS.values() for _, names in topics for name in names}
    tags = {t.name: t for t in Tag.objects.filter(name__in=subject_names)}
    for name in subject_names - set(tags):
        tags[name] = Tag.objects.create(name=name, slug=name.lower().replace(" ", "-"))

    strand_slugs = [s for s in TOPICS if s in by_slug]
    last_paths = {}
    now = timezone.now()
    made = []
    # The search index is written once, in bulk, after the tags and roles it indexes exist.
    post_save.disconnect(post_save_signal_handler, sender=CoursePage)
    try:
        # Generated pages link to nothing an editor needs "usage" for: no reference index.
        with transaction.atomic(), disable_reference_index_auto_update():
            for i in wanted:
                strand_slug = strand_slugs[i % len(strand_slugs)]
                topic, subjects = TOPICS[strand_slug][(i // 5) % len(TOPICS[strand_slug])]
                audience_slugs = AUDIENCE_SETS[(i * 7) % len(AUDIENCE_SETS)]
                phase_slugs = PHASE_SETS[(i * 3) % len(PHASE_SETS)]
                who = " and ".join(audiences[a].name.lower() for a in audience_slugs)
                where = " and ".join(phases[p].name.lower() for p in phase_slugs)
                course = CoursePage(
                    title=f"{topic} for {who} ({where}) {i}",
                    slug=SLUG.format(i),
                    summary=f"{topic}: practical strategies for {who} in {where} settings, "
                    "with time to plan how you will use them back in school.",
                    body=[("paragraph", f"<p>{topic}, for {who}. Session {i}.</p>")],
                    format=FORMATS[i % len(FORMATS)],
                    cpd_hours=Decimal(3 * (1 + i % 3)),
                    default_price=Decimal(PRICES[(i * 5) % len(PRICES)]),
                    live=True,
                    has_unpublished_changes=False,
                    first_published_at=now,
                    last_published_at=now,
                )
                _append_child(by_slug[strand_slug], course, last_paths)
                course._demo = (audience_slugs, phase_slugs, subjects, strand_slug)
                made.append(course)

            CoursePage.audiences.through.objects.bulk_create(
                CoursePage.audiences.through(coursepage=c, audience=audiences[a])
                for c in made
                for a in c._demo[0]
            )
            CoursePage.phases.through.objects.bulk_create(
                CoursePage.phases.through(coursepage=c, phase=phases[p])
                for c in made
                for p in c._demo[1]
            )
            CourseSubjectTag.objects.bulk_create(
                CourseSubjectTag(content_object=c, tag=tags[name])
                for c in made
                for name in c._demo[2]
            )
            for strand in strands:
                strand.numchild = strand.get_children().count()
                strand.save(update_fields=["numchild"], clean=False)
            runs, sessions = _runs(made, venues)
            CourseRun.objects.bulk_create(runs)
            Session.objects.bulk_create(s for run, made_sessions in sessions for s in made_sessions)
    finally:
        post_save.connect(post_save_signal_handler, sender=CoursePage)
    pages_done = time.perf_counter()
    indexed = CoursePage.objects.filter(pk__in=[c.pk for c in made]).prefetch_related(
        "subjects", "audiences"
    )
    for backend in get_search_backends():
        backend.add_bulk(CoursePage, list(indexed))
    say(
        f"Scale catalogue: {len(made)} courses, {len(runs)} runs made in "
        f"{pages_done - started:.1f} s, indexed in {time.perf_counter() - pages_done:.1f} s."
    )
    return len(made)


def _append_child(strand, course, last_paths):
    """Treebeard's add_child, without its per-page sibling lookups and Wagtail's full_clean
    (these pages are generated, valid by construction): the next path after the strand's last
    child. The strand's child count is set once at the end."""
    if strand.pk not in last_paths:
        last = strand.get_last_child()
        last_paths[strand.pk] = last.path if last else None
    previous = last_paths[strand.pk]
    course.depth = strand.depth + 1
    position = 0 if previous is None else CoursePage._str2int(previous[-CoursePage.steplen :])
    course.path = CoursePage._get_path(strand.path, course.depth, position + 1)
    course.numchild = 0
    course._cached_parent_obj = strand
    course._set_core_field_defaults()
    course.save(clean=False)
    last_paths[strand.pk] = course.path


def _runs(courses, venues):
    """Three runs per course, one a term or so apart, from next week to about seven months
    out, some after school; every session on a school day."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    runs, sessions = [], []
    for course in courses:
        i = int(course.slug.split("-")[1])
        code = STRAND_CODES[course._demo[3]]
        after_school = i % 3 == 0
        start_time, end_time = (
            (dt.time(15, 45), dt.time(17, 45)) if after_school else (dt.time(9, 30), dt.time(15, 0))
        )
        for run_no in range(1, RUNS_PER_COURSE + 1):
            offset = 7 + (i * 11) % 70 + (run_no - 1) * 70
            day = next(school_days(today + dt.timedelta(days=offset)))
            first = dt.datetime.combine(day, start_time, tzinfo=tz)
            online = course.format == "online"
            run = CourseRun(
                course=course,
                reference=f"SCL-{code}-{i:04d}-{run_no}",
                capacity=CAPACITIES[(i + run_no) % len(CAPACITIES)],
                status=CourseRun.Status.OPEN if offset < 120 else CourseRun.Status.SCHEDULED,
                booking_closes_at=first - dt.timedelta(days=2),
                venue=None if online else venues[(i + run_no) % len(venues)],
                online_joining_url=(
                    f"https://meet.example.gov.uk/cpd/scl-{i}-{run_no}"
                    if course.format != "in_person"
                    else ""
                ),
                price_override=Decimal("0") if (i + run_no) % 17 == 0 else None,
            )
            runs.append(run)
            sessions.append(
                (
                    run,
                    [
                        Session(
                            run=run,
                            starts_at=first,
                            ends_at=dt.datetime.combine(day, end_time, tzinfo=tz),
                        )
                    ],
                )
            )
    return runs, sessions
