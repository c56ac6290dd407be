"""Income: by strand, month and LA, invoiced against paid, and the forecast."""

from collections import defaultdict

from django.db.models import (
    Count,
    DateTimeField,
    OuterRef,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from accounts.models import LocalAuthority
from billing.models import ZERO, CreditNoteLine, Invoice, InvoiceLine, Package, Payment
from billing.reports import with_outstanding
from bookings.models import Enrolment
from courses.models import CourseRun, Session

from ..tables import COUNT, MONEY, Column, Table
from .common import (
    NO_LA,
    NOT_ISSUED,
    Chart,
    ReportResult,
    Strands,
    as_date,
    first_session_start,
    month_label,
    strand_path,
    sum_per,
)


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
    # Prepaid credit sold is deferred income, not income: it counts when it pays for a place
    # (that place's invoice line), so once (docs/vat.md).
    invoiced = _money_rows(
        InvoiceLine.objects.exclude(invoice__status__in=NOT_ISSUED).exclude(
            package__package__kind=Package.Kind.CREDITS
        ),
        issued_on="invoice__issued_on",
        place="enrolment",
        account_la="invoice__account__school__local_authority",
        filters=filters,
    )
    credited = _money_rows(
        CreditNoteLine.objects.exclude(invoice_line__package__package__kind=Package.Kind.CREDITS),
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
            totals(invoiced, lambda r: as_date(r["month"])),
            totals(credited, lambda r: as_date(r["month"])),
        ),
        "la": (totals(invoiced, lambda r: r["la_id"]), totals(credited, lambda r: r["la_id"])),
    }
    strand_keys = strands.ordered(set(by["strand"][0]) | set(by["strand"][1]))
    by_strand = _income_table(
        "by-strand", "Income by strand", "Strand", strand_keys, strands.title, *by["strand"],
        colours=strands.colour,
    )  # fmt: skip
    by_strand.note = (
        "All figures before VAT. Invoiced: lines of invoices issued in the year (not drafts "
        "or void), except prepaid credit sold, which is deferred income until it pays for a "
        "place. Credit notes: credit notes issued in the year, whichever year their "
        "invoice was. Income: invoiced less credit notes. A place's strand is its course's."
    )
    by_month = _income_table(
        "by-month", "Income by month", "Month", year.months(), month_label, *by["month"]
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
            paid=sum_per(Payment.objects.all(), "invoice", "applied"),
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
    by_month = {as_date(r["month"]): r for r in rows}
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
        table.rows.append([month_label(month), *row])
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
            invoiced=sum_per(live_lines, "enrolment", "net")
            - sum_per(CreditNoteLine.objects.all(), "invoice_line__enrolment", "net"),
            month=TruncMonth(Subquery(first[:1], output_field=DateTimeField())),
        )
        .order_by()
        .values("month")
        .annotate(places=Count("pk"), value=Sum("price"), invoiced_total=Sum("invoiced"))
    )
    by_month = {as_date(r["month"]): r for r in rows}
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
        table.rows.append([month_label(month), *row])
        sums = [a + b for a, b in zip(sums, row, strict=True)]
    table.footer = ["Total", *sums]
    return table
