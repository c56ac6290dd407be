"""What every report shares: the tables and charts it returns, the year's runs, a course's
strand, and counting or summing per row in a subquery."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DateTimeField,
    DecimalField,
    F,
    IntegerField,
    Min,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Left, Length
from django.utils import timezone
from wagtail.models import Page

from accounts.models import School
from billing.models import ZERO, Invoice
from bookings.attendance import strands_by_path
from bookings.models import Enrolment, WaitingListEntry
from core.wording import month_name
from courses.models import Session

MONEY_FIELD = DecimalField(max_digits=12, decimal_places=2)
# A void invoice still counts: its credit note (counted too) takes it back to nothing.
NOT_ISSUED = (Invoice.Status.DRAFT,)
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


def count_per_run(queryset, *, of=None):
    """Rows per run, or the sum of the field `of` (a waiting-list group counts its people)."""
    counted = queryset.filter(run=OuterRef("pk")).order_by().values("run")
    counted = counted.annotate(n=Sum(of) if of else Count("pk"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0))


def sum_per(queryset, key, value):
    summed = queryset.filter(**{key: OuterRef("pk")}).order_by().values(key)
    summed = summed.annotate(t=Sum(value)).values("t")
    return Coalesce(
        Subquery(summed, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD
    )


def month_label(day):
    return month_name(day)


def as_date(value):
    if value is None:
        return None
    return timezone.localdate(value) if hasattr(value, "tzinfo") and value.tzinfo else value
