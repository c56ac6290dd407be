"""Buy-in: the share of open schools that bought a place."""

from django.db.models import (
    Count,
    Q,
)

from accounts.models import School
from bookings.models import Enrolment

from ..tables import COUNT, PERCENT, TEXT, Column, Table
from .common import (
    BOUGHT,
    OPEN_SCHOOL,
    Chart,
    ReportResult,
    runs_in,
    share,
)

TREND_YEARS = 5


def _bought(year, strand):
    """Q: the school bought a place on a run in the year (an uncorrelated IN, worked out once)."""
    places = Enrolment.objects.filter(status__in=BOUGHT, run__in=runs_in(year))
    if strand:
        places = places.filter(run__course__path__startswith=strand.path)
    return Q(pk__in=places.values("booking__school"))


def _buy_in_table(key, title, first, rows, label):
    table = Table(
        key,
        title,
        [Column(first), Column("Open schools", COUNT), Column("Bought", COUNT),
         Column("Buy-in", PERCENT)],
    )  # fmt: skip
    for row in rows:
        table.rows.append(
            [label(row), row["open"], row["bought"], share(row["bought"], row["open"])]
        )
    return table


def _buy_in_counts(bought):
    # A school is one row per group (its LA, its phase, each consortium it is in).
    return {"open": Count("pk"), "bought": Count("pk", filter=bought)}


def buy_in(filters):
    """The share of open schools that bought at least one place this academic year: by
    partner LA, consortium and phase, a five-year trend, and the schools that have not."""
    schools = School.objects.filter(status__in=OPEN_SCHOOL)
    if filters.la:
        schools = schools.filter(local_authority=filters.la)
    bought = _bought(filters.year, filters.strand)
    counts = _buy_in_counts(bought)

    overall = schools.aggregate(**counts)
    in_las = schools if filters.la else schools.filter(local_authority__is_partner=True)
    by_la = _buy_in_table(
        "by-la",
        "Buy-in by partner LA" if not filters.la else "Buy-in in the LA",
        "Local authority",
        in_las.values("local_authority__name").annotate(**counts).order_by("local_authority__name"),
        lambda r: r["local_authority__name"],
    )
    by_consortium = _buy_in_table(
        "by-consortium",
        "Buy-in by consortium",
        "Consortium",
        schools.filter(consortia__isnull=False)
        .values("consortia__name")
        .annotate(**counts)
        .order_by("consortia__name"),
        lambda r: r["consortia__name"],
    )
    phases = dict(School.Phase.choices)
    by_phase = _buy_in_table(
        "by-phase",
        "Buy-in by phase",
        "Phase",
        schools.values("phase").annotate(**counts).order_by("phase"),
        lambda r: phases.get(r["phase"], r["phase"]),
    )

    # The trend: one Exists per year, counted in one query.
    years = [filters.year.shifted(n) for n in range(1 - TREND_YEARS, 1)]
    base = School.objects.filter(status__in=OPEN_SCHOOL)
    if filters.la:
        base = base.filter(local_authority=filters.la)
    trend_counts = base.aggregate(
        open=Count("pk"),
        **{
            f"bought_{i}": Count("pk", filter=_bought(year, filters.strand))
            for i, year in enumerate(years)
        },
    )
    trend = Table(
        "trend",
        "Buy-in over five years",
        [Column("Academic year"), Column("Bought", COUNT), Column("Buy-in", PERCENT)],
        note="Shares of the schools open today: the register does not keep past years' status.",
    )
    for i, year in enumerate(years):
        buyers = trend_counts[f"bought_{i}"]
        trend.rows.append([year.label, buyers, share(buyers, trend_counts["open"])])

    targets = Table(
        "not-bought",
        "Open schools that have not bought (a target list)",
        [Column("School"), Column("URN", TEXT), Column("Local authority"), Column("Phase"),
         Column("Type")],
        page_limit=200,
        sheet="Target list",
    )  # fmt: skip
    for school in (
        schools.exclude(bought)
        .select_related("local_authority")
        .order_by("local_authority__name", "name")
    ):
        targets.rows.append(
            [school.name, str(school.urn), school.local_authority.name,
             school.get_phase_display(), school.get_type_group_display()]
        )  # fmt: skip

    return ReportResult(
        tables=[by_la, by_consortium, by_phase, trend, targets],
        charts=[
            Chart("bar", "by-la", "Buy-in", "Buy-in by LA", unit="percent", maximum=100),
            Chart("line", "trend", "Buy-in", "Buy-in over five years", unit="percent", maximum=100),
        ],  # fmt: skip
        headline=[
            ("Open schools", overall["open"], COUNT),
            ("Bought at least one place", overall["bought"], COUNT),
            ("Buy-in", share(overall["bought"], overall["open"]), PERCENT),
        ],
    )
