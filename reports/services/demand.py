"""Demand: courses whose waiting lists are long enough for another run."""

from django.db.models import (
    Count,
    Max,
    Min,
    Sum,
)

from bookings.models import WaitingListEntry
from courses.models import CourseRun

from ..filters import Threshold
from ..tables import COUNT, Column, Table
from .common import (
    ON_WAITING_LIST,
    Chart,
    ReportResult,
    Strands,
    as_date,
    runs_in,
    strand_path,
)

DEMAND_THRESHOLDS = (
    Threshold("waiting", "Waiting list longer than", 5, 0, 1000,
              help="Courses with more people waiting than this are listed."),
)  # fmt: skip


def demand(filters):
    """Courses whose waiting lists are longer than the threshold, with a suggestion."""
    over = filters.thresholds["waiting"]
    entries = WaitingListEntry.objects.filter(
        status__in=ON_WAITING_LIST, run__in=runs_in(filters.year)
    ).exclude(run__status=CourseRun.Status.CANCELLED)
    if filters.la:
        entries = entries.filter(school__local_authority=filters.la)
    if filters.strand:
        entries = entries.filter(run__course__path__startswith=filters.strand.path)
    rows = (
        entries.annotate(strand=strand_path("run__course__path"))
        .order_by()
        .values("run__course_id", "run__course__title", "strand")
        .annotate(
            waiting=Sum("places"),  # people: a CPD lead's group counts each colleague
            runs=Count("run", distinct=True),
            schools=Count("school", distinct=True),
            largest=Max("run__capacity"),
            earliest=Min("created_at"),
        )
        .filter(waiting__gt=over)
        .order_by("-waiting", "run__course__title")
    )
    strands = Strands()
    table = Table(
        "demand",
        f"Courses with more than {over} waiting",
        [Column("Course"), Column("Strand"), Column("Waiting", COUNT),
         Column("Schools waiting", COUNT), Column("Runs with a waiting list", COUNT),
         Column("Waiting since"), Column("Suggestion")],
    )  # fmt: skip
    for r in rows:
        extra_runs = -(-r["waiting"] // r["largest"])  # runs of the usual size, rounded up
        table.rows.append(
            [
                r["run__course__title"],
                strands.title(r["strand"]),
                r["waiting"],
                r["schools"],
                r["runs"],
                as_date(r["earliest"]),
                f"Schedule another run: {extra_runs} run{'s' if extra_runs > 1 else ''} of "
                f"{r['largest']} places would take everyone waiting.",
            ]
        )
        table.colours.append(strands.colour(r["strand"]))
    return ReportResult(
        tables=[table],
        charts=[Chart("bar", "demand", "Waiting", "People waiting, by course")],
        headline=[("Courses to schedule again", len(table.rows), COUNT)],
    )
