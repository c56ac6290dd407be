"""Fill rates per run and strand, and runs below their minimum numbers."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import (
    F,
    Value,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from bookings.models import Enrolment, WaitingListEntry
from courses.models import CourseRun

from ..filters import Threshold
from ..tables import COUNT, PERCENT, Column, Table
from .common import (
    ON_WAITING_LIST,
    Chart,
    ReportResult,
    Strands,
    as_date,
    count_per_run,
    first_session_start,
    runs_in,
    share,
    strand_path,
)

FILL_THRESHOLDS = (
    Threshold(
        "minimum", "Minimum numbers", 8, 1, 500,
        help="Places a run needs to go ahead (capped at its capacity).",
    ),
    Threshold("days", "Days before the start", 14, 0, 365,
              help="Flag runs starting within this many days that are below the minimum."),
)  # fmt: skip


def fill_rates(filters):
    """Per run and per strand: capacity, booked, attended, no-shows and waiting list; and
    runs starting soon that are below their minimum numbers."""
    places = Enrolment.objects.all()
    waiting = WaitingListEntry.objects.filter(status__in=ON_WAITING_LIST)
    if filters.la:
        places = places.filter(booking__school__local_authority=filters.la)
        waiting = waiting.filter(school__local_authority=filters.la)
    runs = CourseRun.objects.exclude(status=CourseRun.Status.CANCELLED).filter(
        pk__in=runs_in(filters.year)
    )
    if filters.strand:
        runs = runs.filter(course__path__startswith=filters.strand.path)
    runs = (
        runs.annotate(
            first_starts_at=first_session_start(),
            booked=count_per_run(places.filter(status__in=Enrolment.LIVE)),
            attended=count_per_run(places.filter(status=Enrolment.Status.ATTENDED)),
            no_shows=count_per_run(places.filter(status=Enrolment.Status.NO_SHOW)),
            waiting=count_per_run(waiting, of="places"),
            strand=strand_path("course__path"),
        )
        .select_related("course")
        .order_by("first_starts_at", "reference")
    )
    strands = Strands()
    figures = ["capacity", "booked", "attended", "no_shows", "waiting"]
    count_columns = [
        Column("Capacity", COUNT),
        Column("Booked", COUNT),
        Column("Attended", COUNT),
        Column("No-shows", COUNT),
        Column("Waiting list", COUNT),
        Column("Fill rate", PERCENT),
    ]
    per_run = Table(
        "by-run",
        "Fill rate by run",
        [Column("Run"), Column("Course"), Column("Strand"), Column("Starts"), *count_columns],
    )
    by_strand = defaultdict(lambda: dict.fromkeys(figures, 0))
    for run in runs:
        values = [getattr(run, f) for f in figures]
        per_run.rows.append(
            [run.reference, run.course.title, strands.title(run.strand),
             as_date(run.first_starts_at), *values, share(run.booked, run.capacity)]
        )  # fmt: skip
        for f in figures:
            by_strand[run.strand][f] += getattr(run, f)
    strand_table = Table("by-strand", "Fill rate by strand", [Column("Strand"), *count_columns])
    for path in strands.ordered(set(by_strand)):
        t = by_strand[path]
        strand_table.rows.append(
            [strands.title(path), *[t[f] for f in figures], share(t["booked"], t["capacity"])]
        )
        strand_table.colours.append(strands.colour(path))
    if filters.la:
        per_run.note = strand_table.note = (
            f"Booked, attended, no-shows and waiting count places for {filters.la.name} "
            "schools only; capacity is the whole run's."
        )

    at_risk = _below_minimum(filters)
    return ReportResult(
        tables=[strand_table, per_run, at_risk],
        charts=[
            Chart(
                "bar", "by-strand", "Fill rate", "Fill rate by strand", unit="percent", maximum=100
            )
        ],  # fmt: skip
        headline=[
            ("Runs", len(per_run.rows), COUNT),
            ("Runs below minimum numbers", len(at_risk.rows), COUNT),
        ],
    )


def _below_minimum(filters):
    minimum, days = filters.thresholds["minimum"], filters.thresholds["days"]
    now = timezone.now()
    runs = (
        CourseRun.objects.exclude(status=CourseRun.Status.CANCELLED)
        .annotate(
            first_starts_at=first_session_start(),
            booked=count_per_run(Enrolment.objects.filter(status__in=Enrolment.LIVE)),
        )
        .filter(first_starts_at__gte=now, first_starts_at__lte=now + timedelta(days=days))
        .select_related("course")
        .order_by("first_starts_at", "reference")
    )
    if filters.strand:
        runs = runs.filter(course__path__startswith=filters.strand.path)
    # A run's own minimum, else the report's; never more than the run can take.
    runs = runs.annotate(
        needed=Least(Coalesce("minimum_places", Value(minimum)), F("capacity"))
    ).filter(booked__lt=F("needed"))
    table = Table(
        "below-minimum",
        f"Runs below their minimum (their own, else {minimum} places), starting in the next "
        f"{days} days",
        [Column("Run"), Column("Course"), Column("Starts"), Column("Capacity", COUNT),
         Column("Minimum", COUNT), Column("Booked", COUNT), Column("Short by", COUNT)],
        note="Every school's places count here, whatever the LA filter: this is about whether "
        "the run goes ahead.",
    )  # fmt: skip
    for run in runs:
        table.rows.append(
            [run.reference, run.course.title, as_date(run.first_starts_at), run.capacity,
             run.needed, run.booked, run.needed - run.booked]
        )  # fmt: skip
    return table
