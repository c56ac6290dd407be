"""The filters every report takes (academic year, LA, strand), read from the query string.

A value we cannot use is dropped with a note saying so, and the report shows its default:
a bookmarked link with a since-deleted LA still opens, it never answers 500."""

from dataclasses import dataclass, field

from django.http import QueryDict

from accounts.models import LocalAuthority
from core.academic_year import AcademicYear
from core.params import parse_int
from courses.models import StrandPage


@dataclass
class Threshold:
    """A whole-number setting a report takes from the form, e.g. the minimum numbers."""

    name: str
    label: str
    default: int
    minimum: int = 0
    maximum: int = 1000
    help: str = ""


@dataclass
class ReportFilters:
    year: AcademicYear
    la: LocalAuthority | None = None
    strand: StrandPage | None = None
    thresholds: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def query(self, **extra):
        """The query string that reproduces these filters (for export links)."""
        q = QueryDict(mutable=True)
        q["year"] = self.year.label
        if self.la:
            q["la"] = self.la.code
        if self.strand:
            q["strand"] = self.strand.slug
        for name, value in self.thresholds.items():
            q[name] = str(value)
        for name, value in extra.items():
            q[name] = value
        return q.urlencode()

    @property
    def description(self):
        parts = [f"Academic year {self.year.label}"]
        parts.append(f"LA: {self.la.name}" if self.la else "all LAs")
        parts.append(f"strand: {self.strand.title}" if self.strand else "all strands")
        return ", ".join(parts)


def strands():
    return list(StrandPage.objects.order_by("path"))


def year_choices(selected):
    current = AcademicYear.current()
    years = {current.shifted(n) for n in range(-5, 2)} | {selected}
    return sorted(years, reverse=True)


def read_filters(params, thresholds=()):
    """ReportFilters from a GET QueryDict; unusable values become notes, never errors."""
    notes = []
    year = AcademicYear.current()
    raw_year = params.get("year", "").strip()
    if raw_year:
        try:
            year = AcademicYear.parse(raw_year)
        except ValueError:
            notes.append(
                f"“{raw_year}” is not an academic year like {year.label}, so this shows {year}."
            )

    la = None
    raw_la = params.get("la", "").strip()
    if raw_la:
        la = LocalAuthority.objects.filter(code=raw_la).first()
        if la is None:
            notes.append(f"There is no local authority with the code “{raw_la}”: showing all LAs.")

    strand = None
    raw_strand = params.get("strand", "").strip()
    if raw_strand:
        strand = StrandPage.objects.filter(slug=raw_strand).first()
        if strand is None:
            notes.append(f"There is no strand “{raw_strand}”: showing all strands.")

    values = {}
    for t in thresholds:
        raw = params.get(t.name, "").strip()
        values[t.name] = t.default
        if not raw:
            continue
        value = parse_int(raw, t.minimum, t.maximum)
        if value is None:
            notes.append(
                f"{t.label} must be a whole number from {t.minimum} to {t.maximum}, "
                f"not “{raw}”: using {t.default}."
            )
        else:
            values[t.name] = value
    return ReportFilters(year=year, la=la, strand=strand, thresholds=values, notes=notes)
