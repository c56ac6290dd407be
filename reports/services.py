"""The service managers' reports, one function each, built from aggregated queries.

Each takes ReportFilters (academic year, LA, strand, thresholds) and returns a ReportResult:
plain tables of figures, which the page, the charts and the CSV/XLSX exports all read. The
database does the counting and summing; Python only arranges the aggregated rows (a row per
strand, month, LA or run), so the number of queries stays the same whatever the data's size.

Which year a thing belongs to:
- money: the invoice's or credit note's issue date (a payment's by when it was received);
- places, waiting lists, evaluations and impact: the run's first session (as CPD records do).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DateTimeField,
    DecimalField,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Left, Length, TruncMonth
from django.utils import timezone
from wagtail.models import Page

from accounts.models import LocalAuthority, School
from billing.models import ZERO, CreditNoteLine, Invoice, InvoiceLine, Payment
from billing.reports import with_outstanding
from bookings.attendance import strands_by_path
from bookings.models import Enrolment, Evaluation, ImpactFollowUp, WaitingListEntry
from courses.models import CourseRun, Session

from .filters import Threshold
from .tables import COUNT, DECIMAL, MONEY, PERCENT, TEXT, Column, Table

MONEY_FIELD = DecimalField(max_digits=12, decimal_places=2)
NOT_ISSUED = (Invoice.Status.DRAFT, Invoice.Status.VOID)
# A place a school has bought: neither cancelled nor still waiting for its CPD lead.
BOUGHT = (Enrolment.Status.CONFIRMED, Enrolment.Status.ATTENDED, Enrolment.Status.NO_SHOW)
OPEN_SCHOOL = (School.Status.OPEN, School.Status.OPEN_PROPOSED_TO_CLOSE)
ON_WAITING_LIST = (WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED)
NO_STRAND = "No strand (packages and other)"
NO_LA = "No LA (trust or consortium account)"
OTHER_STRAND_COLOUR = "#4d4d4d"


@dataclass
class Chart:
    """What to draw: one column of one table, against its first column's labels."""

    kind: str  # "bar" or "line"
    table: str
    value: str
    title: str
    unit: str = ""  # "money", "percent" or ""
    maximum: float | None = None


@dataclass
class ReportResult:
    tables: list
    charts: list = field(default_factory=list)
    headline: list = field(default_factory=list)  # (label, value, kind)
    notes: list = field(default_factory=list)

    def table(self, key):
        return next(t for t in self.tables if t.key == key)


# --- shared pieces -------------------------------------------------------------------------


def first_session_start():
    """A run's first session start, for CourseRun querysets (a subquery: no row multiplying)."""
    sessions = Session.objects.filter(run=OuterRef("pk")).order_by("starts_at")
    return Subquery(sessions.values("starts_at")[:1], output_field=DateTimeField())


def runs_in(year):
    """Ids of runs whose first session falls in the academic year: one grouped subquery, which
    the database works out once rather than once per row of the outer query."""
    return (
        Session.objects.order_by()
        .values("run")
        .annotate(first_starts_at=Min("starts_at"))
        .filter(first_starts_at__gte=year.starts_at, first_starts_at__lt=year.ends_at)
        .values("run")
    )


def strand_path(course_path):
    """A course's strand is its parent page: its path less one step."""
    return Left(F(course_path), Length(F(course_path)) - Value(Page.steplen))


class Strands:
    """Strand titles and colours by path, read once per report."""

    def __init__(self):
        self.by_path = strands_by_path()

    def title(self, path):
        strand = self.by_path.get(path)
        return strand.title if strand else NO_STRAND

    def colour(self, path):
        strand = self.by_path.get(path)
        return strand.hex_colour if strand else OTHER_STRAND_COLOUR

    def ordered(self, paths):
        """Known strands in programme order, then anything else."""
        known = [p for p in self.by_path if p in paths]
        return sorted(known) + [p for p in paths if p not in self.by_path]


def share(part, whole):
    return float(part) * 100 / float(whole) if whole else None


def average(total, n):
    return (Decimal(total) / n).quantize(Decimal("0.01")) if n else None


def _count_per_run(queryset):
    counted = queryset.filter(run=OuterRef("pk")).order_by().values("run").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0))


def _sum_per(queryset, key, value):
    summed = queryset.filter(**{key: OuterRef("pk")}).order_by().values(key)
    summed = summed.annotate(t=Sum(value)).values("t")
    return Coalesce(
        Subquery(summed, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD
    )


def _month_label(day):
    return f"{day:%b %Y}"


def _as_date(value):
    if value is None:
        return None
    return timezone.localdate(value) if hasattr(value, "tzinfo") and value.tzinfo else value


# --- income --------------------------------------------------------------------------------


def _money_rows(lines, *, issued_on, place, account_la, filters):
    """Net and gross summed per (strand, month, LA) for invoice or credit-note lines."""
    year = filters.year
    lines = lines.filter(**{f"{issued_on}__range": (year.first_day, year.last_day)}).annotate(
        la_id=Coalesce(f"{place}__booking__school__local_authority", account_la),
        strand=strand_path(f"{place}__run__course__path"),
        month=TruncMonth(issued_on),
    )
    if filters.la:
        lines = lines.filter(la_id=filters.la.pk)
    if filters.strand:
        lines = lines.filter(**{f"{place}__run__course__path__startswith": filters.strand.path})
    return list(
        lines.order_by()
        .values("strand", "month", "la_id")
        .annotate(net=Sum("net"), gross=Sum("gross"))
    )


INCOME_COLUMNS = [
    Column("Invoiced (net)", MONEY),
    Column("Credit notes (net)", MONEY),
    Column("Income (net)", MONEY),
]


def _income_table(key, title, first, keys, labels, invoiced, credited, colours=None):
    table = Table(key, title, [Column(first), *INCOME_COLUMNS])
    for k in keys:
        i, c = invoiced.get(k, ZERO), credited.get(k, ZERO)
        table.rows.append([labels(k), i, c, i - c])
        if colours:
            table.colours.append(colours(k))
    total_i, total_c = sum(invoiced.values(), ZERO), sum(credited.values(), ZERO)
    table.footer = ["Total", total_i, total_c, total_i - total_c]
    return table


def income(filters):
    """Income by strand, month and LA (net of credit notes, before VAT), invoiced against
    paid, and a forecast from confirmed places on runs still to come."""
    year = filters.year
    invoiced = _money_rows(
        InvoiceLine.objects.exclude(invoice__status__in=NOT_ISSUED),
        issued_on="invoice__issued_on",
        place="enrolment",
        account_la="invoice__account__school__local_authority",
        filters=filters,
    )
    credited = _money_rows(
        CreditNoteLine.objects.all(),
        issued_on="credit_note__issued_on",
        place="invoice_line__enrolment",
        account_la="credit_note__account__school__local_authority",
        filters=filters,
    )
    strands = Strands()
    las = {la.pk: la.name for la in LocalAuthority.objects.all()}

    def totals(rows, key):
        out = defaultdict(lambda: ZERO)
        for row in rows:
            out[key(row)] += row["net"]
        return out

    by = {
        "strand": (
            totals(invoiced, lambda r: r["strand"]),
            totals(credited, lambda r: r["strand"]),
        ),
        "month": (
            totals(invoiced, lambda r: _as_date(r["month"])),
            totals(credited, lambda r: _as_date(r["month"])),
        ),
        "la": (totals(invoiced, lambda r: r["la_id"]), totals(credited, lambda r: r["la_id"])),
    }
    strand_keys = strands.ordered(set(by["strand"][0]) | set(by["strand"][1]))
    by_strand = _income_table(
        "by-strand", "Income by strand", "Strand", strand_keys, strands.title, *by["strand"],
        colours=strands.colour,
    )  # fmt: skip
    by_month = _income_table(
        "by-month", "Income by month", "Month", year.months(), _month_label, *by["month"]
    )
    la_keys = sorted(set(by["la"][0]) | set(by["la"][1]), key=lambda k: (k is None, las.get(k)))
    by_la = _income_table(
        "by-la", "Income by local authority", "Local authority", la_keys,
        lambda k: las.get(k, NO_LA), *by["la"],
    )  # fmt: skip

    paid = _invoiced_against_paid(filters)
    forecast = _forecast(filters)
    total = by_strand.footer[3]
    return ReportResult(
        tables=[by_strand, by_month, by_la, paid, forecast],
        charts=[
            Chart("bar", "by-strand", "Income (net)", "Income by strand", unit="money"),
            Chart("bar", "by-month", "Income (net)", "Income by month", unit="money"),
        ],
        headline=[
            ("Income (net of credit notes, before VAT)", total, MONEY),
            ("Still owed on this year's invoices (with VAT)", paid.footer[5], MONEY),
            ("Forecast from confirmed places still to invoice (net)", forecast.footer[4], MONEY),
        ],
    )


def _invoiced_against_paid(filters):
    """Invoices issued in the year, by month of issue: what they charged (with VAT), what
    credit notes took off, what has been paid, and what is still owed."""
    year = filters.year
    invoices = Invoice.objects.exclude(status__in=NOT_ISSUED).filter(
        issued_on__range=(year.first_day, year.last_day)
    )
    if filters.la:
        invoices = invoices.filter(account__school__local_authority=filters.la)
    rows = (
        with_outstanding(invoices)
        .annotate(
            paid=_sum_per(Payment.objects.all(), "invoice", "applied"),
            month=TruncMonth("issued_on"),
        )
        .order_by()
        .values("month")
        .annotate(
            invoices=Count("pk"),
            gross=Sum("gross"),
            paid_total=Sum("paid"),
            owed_total=Sum("owed"),
        )
    )
    by_month = {_as_date(r["month"]): r for r in rows}
    table = Table(
        "invoiced-paid",
        "Invoiced against paid",
        [
            Column("Month issued"),
            Column("Invoices", COUNT),
            Column("Invoiced (with VAT)", MONEY),
            Column("Credit notes (with VAT)", MONEY),
            Column("Paid", MONEY),
            Column("Outstanding", MONEY),
        ],
        note="Payments settle whole invoices, so this table is not split by strand. "
        "Paid includes prepaid credit applied to the invoice; an LA filter keeps schools' "
        "own accounts only.",
    )
    sums = [0, ZERO, ZERO, ZERO, ZERO]
    for month in year.months():
        r = by_month.get(month)
        if r is None:
            row = [0, ZERO, ZERO, ZERO, ZERO]
        else:
            credited = r["gross"] - r["paid_total"] - r["owed_total"]
            row = [r["invoices"], r["gross"], credited, r["paid_total"], r["owed_total"]]
        table.rows.append([_month_label(month), *row])
        sums = [a + b for a, b in zip(sums, row, strict=True)]
    table.footer = ["Total", *sums]
    return table


def _forecast(filters):
    """Confirmed places on runs that have not started yet, by the month they start: their
    value (net) and how much of it is already invoiced."""
    year, now = filters.year, timezone.now()
    runs = (
        CourseRun.objects.exclude(status=CourseRun.Status.CANCELLED)
        .annotate(first_starts_at=first_session_start())
        .filter(first_starts_at__gte=max(year.starts_at, now), first_starts_at__lt=year.ends_at)
    )
    places = Enrolment.objects.filter(status=Enrolment.Status.CONFIRMED, run__in=runs.values("pk"))
    if filters.la:
        places = places.filter(booking__school__local_authority=filters.la)
    if filters.strand:
        places = places.filter(run__course__path__startswith=filters.strand.path)
    live_lines = InvoiceLine.objects.exclude(invoice__status__in=NOT_ISSUED)
    first = Session.objects.filter(run=OuterRef("run")).order_by("starts_at").values("starts_at")
    rows = (
        places.annotate(
            invoiced=_sum_per(live_lines, "enrolment", "net")
            - _sum_per(CreditNoteLine.objects.all(), "invoice_line__enrolment", "net"),
            month=TruncMonth(Subquery(first[:1], output_field=DateTimeField())),
        )
        .order_by()
        .values("month")
        .annotate(places=Count("pk"), value=Sum("price"), invoiced_total=Sum("invoiced"))
    )
    by_month = {_as_date(r["month"]): r for r in rows}
    table = Table(
        "forecast",
        "Forecast from confirmed places",
        [
            Column("Month the run starts"),
            Column("Confirmed places", COUNT),
            Column("Value (net)", MONEY),
            Column("Already invoiced (net)", MONEY),
            Column("Still to invoice (net)", MONEY),
        ],
        note="Confirmed places on runs that have not started. Places awaiting a CPD lead's "
        "approval are left out until approved.",
    )
    sums = [0, ZERO, ZERO, ZERO]
    for month in year.months():
        r = by_month.get(month)
        if r is None:
            continue
        row = [r["places"], r["value"], r["invoiced_total"], r["value"] - r["invoiced_total"]]
        table.rows.append([_month_label(month), *row])
        sums = [a + b for a, b in zip(sums, row, strict=True)]
    table.footer = ["Total", *sums]
    return table


# --- buy-in --------------------------------------------------------------------------------

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


# --- fill rates ----------------------------------------------------------------------------

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
            booked=_count_per_run(places.filter(status__in=Enrolment.LIVE)),
            attended=_count_per_run(places.filter(status=Enrolment.Status.ATTENDED)),
            no_shows=_count_per_run(places.filter(status=Enrolment.Status.NO_SHOW)),
            waiting=_count_per_run(waiting),
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
             _as_date(run.first_starts_at), *values, share(run.booked, run.capacity)]
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
            booked=_count_per_run(Enrolment.objects.filter(status__in=Enrolment.LIVE)),
        )
        .filter(first_starts_at__gte=now, first_starts_at__lte=now + timedelta(days=days))
        .select_related("course")
        .order_by("first_starts_at", "reference")
    )
    if filters.strand:
        runs = runs.filter(course__path__startswith=filters.strand.path)
    # The minimum never exceeds what the run can take.
    runs = runs.filter(
        Q(booked__lt=minimum, capacity__gte=minimum)
        | Q(booked__lt=F("capacity"), capacity__lt=minimum)
    )
    table = Table(
        "below-minimum",
        f"Runs below {minimum} places, starting in the next {days} days",
        [Column("Run"), Column("Course"), Column("Starts"), Column("Capacity", COUNT),
         Column("Booked", COUNT), Column("Short by", COUNT)],
        note="Every school's places count here, whatever the LA filter: this is about whether "
        "the run goes ahead.",
    )  # fmt: skip
    for run in runs:
        needed = min(minimum, run.capacity)
        table.rows.append(
            [run.reference, run.course.title, _as_date(run.first_starts_at), run.capacity,
             run.booked, needed - run.booked]
        )  # fmt: skip
    return table


# --- demand --------------------------------------------------------------------------------

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
            waiting=Count("pk"),
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
                _as_date(r["earliest"]),
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


# --- evaluation ----------------------------------------------------------------------------

RATINGS = ("quality", "relevance", "facilitator")
RATING_COLUMNS = [
    Column("Evaluations", COUNT),
    Column("Quality", DECIMAL),
    Column("Relevance", DECIMAL),
    Column("Facilitator", DECIMAL),
    Column("Overall", DECIMAL),
]
RATING_SUMS = {"n": Count("pk"), **{f"{r}_sum": Sum(r) for r in RATINGS}}


def _rating_row(label, n, sums):
    averages = [average(sums[r], n) for r in RATINGS]
    overall = average(sum(sums[r] for r in RATINGS), n * len(RATINGS)) if n else None
    return [label, n, *averages, overall]


def _in_scope(queryset, filters, enrolment="enrolment"):
    queryset = queryset.filter(**{f"{enrolment}__run__in": runs_in(filters.year)})
    if filters.la:
        queryset = queryset.filter(**{f"{enrolment}__booking__school__local_authority": filters.la})
    if filters.strand:
        queryset = queryset.filter(
            **{f"{enrolment}__run__course__path__startswith": filters.strand.path}
        )
    return queryset


def evaluation(filters):
    """Average ratings (1–5) per strand, course and facilitator; the latest comments; and the
    impact follow-up: how many were asked and answered, with the latest answers."""
    done = _in_scope(Evaluation.objects.filter(submitted_at__isnull=False), filters)
    strands = Strands()

    def sums(row):
        return {r: row[f"{r}_sum"] for r in RATINGS}

    by_strand = Table("by-strand", "Ratings by strand", [Column("Strand"), *RATING_COLUMNS])
    strand_rows = {
        r["strand"]: r
        for r in done.annotate(strand=strand_path("enrolment__run__course__path"))
        .order_by()
        .values("strand")
        .annotate(**RATING_SUMS)
    }
    for path in strands.ordered(set(strand_rows)):
        r = strand_rows[path]
        by_strand.rows.append(_rating_row(strands.title(path), r["n"], sums(r)))
        by_strand.colours.append(strands.colour(path))

    by_course = Table("by-course", "Ratings by course", [Column("Course"), *RATING_COLUMNS])
    for r in (
        done.order_by()
        .values("enrolment__run__course_id", "enrolment__run__course__title")
        .annotate(**RATING_SUMS)
        .order_by("enrolment__run__course__title")
    ):
        by_course.rows.append(_rating_row(r["enrolment__run__course__title"], r["n"], sums(r)))

    # A run's own facilitators led it; a run naming none was led by the course's.
    led = defaultdict(lambda: {"n": 0, **dict.fromkeys(RATINGS, 0)})
    names = {}
    for prefix, scope in (
        ("enrolment__run__facilitators", done.filter(enrolment__run__facilitators__isnull=False)),
        (
            "enrolment__run__course__facilitators",
            done.filter(
                enrolment__run__facilitators__isnull=True,
                enrolment__run__course__facilitators__isnull=False,
            ),
        ),
    ):
        for r in (
            scope.order_by().values(f"{prefix}__pk", f"{prefix}__name").annotate(**RATING_SUMS)
        ):
            pk = r[f"{prefix}__pk"]
            names[pk] = r[f"{prefix}__name"]
            led[pk]["n"] += r["n"]
            for rating in RATINGS:
                led[pk][rating] += r[f"{rating}_sum"]
    by_facilitator = Table(
        "by-facilitator", "Ratings by facilitator", [Column("Facilitator"), *RATING_COLUMNS]
    )
    for pk in sorted(led, key=lambda pk: names[pk]):
        by_facilitator.rows.append(_rating_row(names[pk], led[pk]["n"], led[pk]))

    comments = Table(
        "comments",
        "Latest comments",
        [Column("Submitted"), Column("Course"), Column("What they will do differently"),
         Column("Comments")],
    )  # fmt: skip
    for e in (
        done.exclude(comments="")
        .select_related("enrolment__run__course")
        .order_by("-submitted_at", "-pk")[:10]
    ):
        comments.rows.append(
            [_as_date(e.submitted_at), e.enrolment.run.course.title, e.will_do_differently,
             e.comments]
        )  # fmt: skip

    total = done.aggregate(**RATING_SUMS)
    impact, answers = _impact(filters, strands)
    return ReportResult(
        tables=[by_strand, by_course, by_facilitator, comments, impact, answers],
        charts=[
            Chart("bar", "by-strand", "Overall", "Average rating by strand (out of 5)", maximum=5)
        ],  # fmt: skip
        headline=[
            ("Evaluations submitted", total["n"], COUNT),
            ("Average rating (out of 5)", _rating_row("", total["n"], sums(total))[-1], DECIMAL),
        ],
    )


def _impact(filters, strands):
    follow_ups = _in_scope(ImpactFollowUp.objects.all(), filters)
    counts = (
        follow_ups.annotate(strand=strand_path("enrolment__run__course__path"))
        .order_by()
        .values("strand")
        .annotate(
            sent=Count("pk"),
            delegate=Count("pk", filter=Q(delegate_answered_at__isnull=False)),
            lead=Count("pk", filter=Q(lead_answered_at__isnull=False)),
        )
    )
    by_path = {r["strand"]: r for r in counts}
    table = Table(
        "impact",
        "Impact follow-up",
        [Column("Strand"), Column("Asked", COUNT), Column("Delegates answered", COUNT),
         Column("Delegate response rate", PERCENT), Column("CPD leads answered", COUNT),
         Column("CPD lead response rate", PERCENT)],
    )  # fmt: skip
    for path in strands.ordered(set(by_path)):
        r = by_path[path]
        table.rows.append(
            [strands.title(path), r["sent"], r["delegate"], share(r["delegate"], r["sent"]),
             r["lead"], share(r["lead"], r["sent"])]
        )  # fmt: skip
    answers = Table(
        "impact-answers",
        "Latest impact answers",
        [Column("Asked"), Column("Course"), Column("The delegate says"),
         Column("Their CPD lead says")],
    )  # fmt: skip
    for f in (
        follow_ups.filter(Q(delegate_answered_at__isnull=False) | Q(lead_answered_at__isnull=False))
        .select_related("enrolment__run__course")
        .order_by("-sent_at", "-pk")[:10]
    ):
        answers.rows.append(
            [_as_date(f.sent_at), f.enrolment.run.course.title, f.delegate_answer, f.lead_answer]
        )
    return table, answers


# --- the catalogue of reports --------------------------------------------------------------


@dataclass
class ReportType:
    slug: str
    title: str
    summary: str
    build: object
    permissions: tuple  # any one of these opens it
    thresholds: tuple = ()


EVERY_REPORT = "reports.view_reports"
INCOME_REPORT = "reports.view_income_report"

REPORTS = {
    r.slug: r
    for r in (
        ReportType(
            "income",
            "Income",
            "By strand, month and LA, net of credit notes; invoiced against paid; a forecast "
            "from confirmed places.",
            income,
            (EVERY_REPORT, INCOME_REPORT),
        ),
        ReportType(
            "buy-in",
            "Buy-in",
            "The share of open schools that bought a place, by LA, consortium and phase, "
            "with a trend and a target list.",
            buy_in,
            (EVERY_REPORT,),
        ),
        ReportType(
            "fill-rates",
            "Fill rates",
            "Capacity, booked, attended, no-shows and waiting list per run and strand; runs "
            "below their minimum numbers.",
            fill_rates,
            (EVERY_REPORT,),
            FILL_THRESHOLDS,
        ),
        ReportType(
            "demand",
            "Demand",
            "Courses whose waiting lists are long enough to schedule another run.",
            demand,
            (EVERY_REPORT,),
            DEMAND_THRESHOLDS,
        ),
        ReportType(
            "evaluation",
            "Evaluation and impact",
            "Average ratings per strand, course and facilitator, the latest comments, and the "
            "impact follow-up.",
            evaluation,
            (EVERY_REPORT,),
        ),
    )
}


def may_see(user, report):
    return user.is_active and any(user.has_perm(p) for p in report.permissions)


def reports_for(user):
    return [r for r in REPORTS.values() if may_see(user, r)]
