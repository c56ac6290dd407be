"""Demand: courses whose waiting lists are long enough for another run, and, by strand, the
other signs of demand the service records: waiting-list joins, enquiries, and finder
searches that found nothing. Page views are not tracked (no tracking of individuals)."""

from django.db.models import (
    Count,
    Max,
    Min,
    Sum,
)
from wagtail import hooks

from bookings.models import WaitingListEntry
from courses.models import CourseRun, UnmatchedSearch

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
    by_strand, searches = _demand_by_strand(filters, strands)
    # With a strand filter there is no footer: the one strand's row is the total.
    totals = by_strand.footer or [None, *(sum(r[i] for r in by_strand.rows) for i in (1, 2, 3))]
    return ReportResult(
        tables=[table, by_strand, searches],
        charts=[
            Chart("bar", "demand", "Waiting", "People waiting, by course"),
            Chart("bar", "by-strand", "Waiting-list joins", "Waiting-list joins, by strand"),
        ],
        headline=[
            ("Courses to schedule again", len(table.rows), COUNT),
            ("Enquiries", totals[2], COUNT),
            ("Searches that found nothing", totals[3], COUNT),
        ],
    )


UNMATCHED_LISTED = 50


def count_enquiries(year, strand_paths):
    """Enquiry-form submissions in the year, {"": all, strand path: under that strand}, from
    whichever app keeps the forms (home, through the reports_count_enquiries hook)."""
    counts = {"": 0}
    for count in hooks.get_hooks("reports_count_enquiries"):
        for key, n in count(year.starts_at, year.ends_at, strand_paths).items():
            counts[key] = counts.get(key, 0) + n
    return counts


def _demand_by_strand(filters, strands):
    """Per strand: people joining waiting lists for the year's runs (withdrawn or not),
    enquiries made in the year from forms under the strand's pages, and searches in the year
    that found nothing while the strand's filter was on. A few grouped queries."""
    year = filters.year
    paths = list(strands.by_path)
    if filters.strand:
        paths = [filters.strand.path]
    joins = WaitingListEntry.objects.filter(run__in=runs_in(year))
    if filters.la:
        joins = joins.filter(school__local_authority=filters.la)
    waiting = dict(
        joins.annotate(strand=strand_path("run__course__path"))
        .order_by()
        .values("strand")
        .annotate(people=Sum("places"))
        .values_list("strand", "people")
    )
    enquiries = count_enquiries(year, paths)
    unmatched = UnmatchedSearch.objects.filter(day__gte=year.first_day, day__lte=year.last_day)
    by_slug = {s.slug: path for path, s in strands.by_path.items()}
    searched = {}
    for slug, n in (
        unmatched.order_by().values("strand").annotate(n=Sum("searches")).values_list("strand", "n")
    ):
        path = by_slug.get(slug, "")
        searched[path] = searched.get(path, 0) + n

    table = Table(
        "by-strand",
        "Demand by strand",
        [Column("Strand"), Column("Waiting-list joins", COUNT), Column("Enquiries", COUNT),
         Column("Searches that found nothing", COUNT)],
        note="Waiting-list joins count people, for the year's runs, including those since "
        "offered a place or withdrawn. Enquiries and searches are counted in the year whatever "
        "the LA (they carry no school); an enquiry or a search belongs to a strand only when "
        "made from the strand's pages or with its filter on, so the totals include the rest. "
        "Course-page views are not recorded.",
    )  # fmt: skip
    for path in strands.ordered(paths):
        table.rows.append(
            [strands.title(path), waiting.get(path, 0), enquiries.get(path, 0),
             searched.get(path, 0)]
        )  # fmt: skip
        table.colours.append(strands.colour(path))
    if not filters.strand:
        table.footer = [
            "All (including no strand)", sum(waiting.values()), enquiries[""],
            sum(searched.values()),
        ]  # fmt: skip

    searches = Table(
        "unmatched-searches",
        "Searches that found nothing",
        [Column("Words searched"), Column("Strand filter"), Column("Searches", COUNT),
         Column("Last searched")],
        note=f"The {UNMATCHED_LISTED} most often searched in the year. Only the words and the "
        "day are kept, never who searched; rows go after 13 months.",
    )  # fmt: skip
    if filters.strand:
        unmatched = unmatched.filter(strand=filters.strand.slug)
    for row in (
        unmatched.order_by()
        .values("words", "strand")
        .annotate(n=Sum("searches"), last=Max("day"))
        .order_by("-n", "words")[:UNMATCHED_LISTED]
    ):
        path = by_slug.get(row["strand"])
        strand = strands.title(path) if path else (row["strand"] or "None")
        searches.rows.append([row["words"], strand, row["n"], row["last"]])
    return table, searches
