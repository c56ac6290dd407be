"""Buy-in: the share of open schools bought in, against the service managers' targets.

The one rule: a school is bought in for an academic year if it bought a place on a run whose
first session falls in the year, or holds a package (its own, or its trust's when the trust
is billed for it) starting in the year."""

import math
from datetime import datetime, time
from decimal import Decimal

from django.db.models import Case, Count, Q, Value, When
from django.utils import timezone

from accounts.models import School
from billing.models import AccountPackage
from bookings.models import Enrolment

from ..models import BuyInTarget
from ..tables import COUNT, PERCENT, TEXT, Column, Table
from .common import (
    BOUGHT,
    OPEN_SCHOOL,
    Chart,
    ReportResult,
    month_label,
    runs_in,
    share,
)

TREND_YEARS = 5

# The split service managers steer by: out of area first (whatever the school's type).
OUT_OF_AREA, MAINTAINED, ACADEMIES, OTHER_IN_AREA = (
    "Out of area",
    "Maintained",
    "Academies",
    "Other in-area",
)
SPLIT = (MAINTAINED, ACADEMIES, OTHER_IN_AREA, OUT_OF_AREA)
ACADEMY_TYPES = (School.TypeGroup.ACADEMY, School.TypeGroup.FREE_SCHOOL)


def school_group():
    """The school's place in the split, as a database expression."""
    return Case(
        When(local_authority__is_partner=False, then=Value(OUT_OF_AREA)),
        When(type_group=School.TypeGroup.LA_MAINTAINED, then=Value(MAINTAINED)),
        When(type_group__in=ACADEMY_TYPES, then=Value(ACADEMIES)),
        default=Value(OTHER_IN_AREA),
    )


def bought_in(year, strand=None, *, before=None):
    """Q: the school is bought in for `year` (the rule above); with `strand`, places in that
    strand only (a package has no strand); with `before` (a date), only what was bought
    before that day. Uncorrelated INs, which the database works out once."""
    places = Enrolment.objects.filter(
        status__in=BOUGHT, run__in=runs_in(year), booking__school__isnull=False
    )
    if strand:
        places = places.filter(run__course__path__startswith=strand.path)
    if before:
        places = places.filter(
            created_at__lt=timezone.make_aware(datetime.combine(before, time.min))
        )
    bought = Q(pk__in=places.values("booking__school"))
    if strand:
        return bought
    packages = AccountPackage.objects.filter(
        starts_on__gte=year.first_day, starts_on__lte=year.last_day
    )
    if before:
        packages = packages.filter(starts_on__lt=before)
    # NULLs kept out of the subqueries: NOT IN (…, NULL) would hide every school from the
    # target list.
    own = packages.filter(account__school__isnull=False).values("account__school")
    trusts = packages.filter(account__trust__isnull=False).values("account__trust")
    return bought | Q(pk__in=own) | Q(trust__in=trusts)


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


def _targets_table(year):
    """Each target for the year against the schools bought in within its scope, all counted
    in one query. Whatever the filters: a target is for the whole of its scope."""
    targets = list(
        BuyInTarget.objects.filter(start_year=year.start_year).select_related(
            "local_authority", "trust"
        )
    )
    table = Table(
        "targets",
        "Targets against buy-in",
        [Column("Target for"), Column("Scope", TEXT), Column("Open schools", COUNT),
         Column("Bought in", COUNT), Column("Buy-in", PERCENT), Column("Target", PERCENT),
         Column("Met", TEXT), Column("More schools needed", COUNT)],
        note="A school is bought in if it bought a place or a package in the year, in any "
        "strand and whatever the filters above.",
    )  # fmt: skip
    if not targets:
        table.note = "No targets are set for this year yet. " + table.note
        return table
    bought = bought_in(year)
    counts = School.objects.filter(status__in=OPEN_SCHOOL).aggregate(
        **{f"open_{t.pk}": Count("pk", filter=t.in_scope) for t in targets},
        **{f"bought_{t.pk}": Count("pk", filter=t.in_scope & bought) for t in targets},
    )
    for t in targets:
        open_, bought_ = counts[f"open_{t.pk}"], counts[f"bought_{t.pk}"]
        # The fewest schools that reach the target: 85% of 20 is 17.
        needed = math.ceil(t.percent * open_ / Decimal(100))
        short = max(0, needed - bought_)
        table.rows.append(
            [t.scope_label, t.scope_kind, open_, bought_, share(bought_, open_),
             float(t.percent), "Yes" if short == 0 else "Not yet", short]
        )  # fmt: skip
    return table


def _progress_table(schools, year, strand):
    """Cumulative buy-in at the end of each month of the year (to this month, for the year
    under way), overall and by the split; one grouped query."""
    today = timezone.localdate()
    months = [m for m in year.months() if m <= today]
    ends = [*year.months()[1:], None]  # the last month is the whole year, as the headline
    counts = (
        schools.annotate(group=school_group())
        .order_by()
        .values("group")
        .annotate(
            open=Count("pk"),
            **{
                f"m{i}": Count("pk", filter=bought_in(year, strand, before=end))
                for i, end in enumerate(ends[: len(months)])
            },
        )
    )
    by_group = {row["group"]: row for row in counts}
    open_total = sum(row["open"] for row in by_group.values())
    table = Table(
        "progress",
        "Buy-in through the year, by month",
        [Column("Month"), Column("Bought in", COUNT), Column("Buy-in", PERCENT),
         *(Column(group, PERCENT) for group in SPLIT)],
        note="Cumulative: the share of open schools bought in by the end of each month. A "
        "place counts from the day it was booked (a booking made before September counts in "
        "September), a package from its start. Out of area: schools outside the partner "
        "LAs, whatever their type. Open schools: "
        + ", ".join(f"{g.lower()} {by_group[g]['open'] if g in by_group else 0}" for g in SPLIT)
        + ".",
        sheet="Buy-in by month",
    )  # fmt: skip
    for i, month in enumerate(months):
        bought = sum(row[f"m{i}"] for row in by_group.values())
        table.rows.append(
            [month_label(month), bought, share(bought, open_total),
             *(share(by_group[g][f"m{i}"], by_group[g]["open"]) if g in by_group else None
               for g in SPLIT)]
        )  # fmt: skip
    return table


def buy_in(filters):
    """The share of open schools bought in this academic year: against the targets, month
    by month with the maintained / academy / out-of-area split, by partner LA, consortium and
    phase, a five-year trend, and the schools that have not."""
    schools = School.objects.filter(status__in=OPEN_SCHOOL)
    if filters.la:
        schools = schools.filter(local_authority=filters.la)
    bought = bought_in(filters.year, filters.strand)
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

    target_table = _targets_table(filters.year)
    progress = _progress_table(schools, filters.year, filters.strand)

    # The trend: one Exists per year, counted in one query.
    years = [filters.year.shifted(n) for n in range(1 - TREND_YEARS, 1)]
    base = School.objects.filter(status__in=OPEN_SCHOOL)
    if filters.la:
        base = base.filter(local_authority=filters.la)
    trend_counts = base.aggregate(
        open=Count("pk"),
        **{
            f"bought_{i}": Count("pk", filter=bought_in(year, filters.strand))
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
        tables=[target_table, progress, by_la, by_consortium, by_phase, trend, targets],
        charts=[
            Chart(
                "bar", "targets", "Buy-in", "Buy-in against targets", unit="percent", maximum=100
            ),
            Chart(
                "line", "progress", "Buy-in", "Buy-in through the year", unit="percent", maximum=100
            ),
            Chart("bar", "by-la", "Buy-in", "Buy-in by LA", unit="percent", maximum=100),
            Chart("line", "trend", "Buy-in", "Buy-in over five years", unit="percent", maximum=100),
        ],  # fmt: skip
        headline=[
            ("Open schools", overall["open"], COUNT),
            ("Bought in (a place or a package)", overall["bought"], COUNT),
            ("Buy-in", share(overall["bought"], overall["open"]), PERCENT),
        ],
    )
