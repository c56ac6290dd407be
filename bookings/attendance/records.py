"""CPD records: a person's own, and a school's for a year."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.utils import timezone

from core.academic_year import AcademicYear
from courses.models import Session, StrandPage

from ..models import (
    Enrolment,
)
from .certificates import session_dates, strand_of, strands_by_path
from .evaluations import RATING_QUESTIONS


@dataclass
class RecordLine:
    enrolment: object
    course: object
    strand: object
    sessions: list
    dates: str
    first_day: dt.date
    hours: Decimal
    evaluation: object
    certificate: object
    impact: object

    @property
    def academic_year(self):
        return AcademicYear.of(self.first_day).label

    @property
    def strand_title(self):
        return self.strand.title if self.strand else "Other"


def _attended(enrolments):
    held = Session.objects.filter(cancelled_at__isnull=True).order_by("starts_at")
    return (
        enrolments.filter(status=Enrolment.Status.ATTENDED)
        .select_related(
            "run__course",
            "delegate",
            "booking__school",
            "evaluation",
            "certificate",
            "impact_follow_up",
        )
        .prefetch_related(Prefetch("run__sessions", queryset=held, to_attr="held"))
    )


def related_or_none(obj, name):
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:  # nothing on this reverse one-to-one
        return None


def record_lines(enrolments):
    """One line per attended course, newest first, with its evaluation and certificate."""
    strands = strands_by_path()
    lines = []
    for enrolment in _attended(enrolments):
        course = enrolment.run.course
        certificate = related_or_none(enrolment, "certificate")
        sessions = enrolment.run.held
        first = timezone.localdate(sessions[0].starts_at) if sessions else None
        lines.append(
            RecordLine(
                enrolment=enrolment,
                course=course,
                strand=strand_of(course, strands),
                sessions=sessions,
                dates=certificate.dates if certificate else session_dates(sessions),
                first_day=first or timezone.localdate(enrolment.created_at),
                hours=certificate.cpd_hours if certificate else course.cpd_hours,
                evaluation=related_or_none(enrolment, "evaluation"),
                certificate=certificate,
                impact=related_or_none(enrolment, "impact_follow_up"),
            )
        )
    lines.sort(key=lambda line: (line.first_day, line.enrolment.pk), reverse=True)
    return lines


def _totals(lines, key):
    totals = defaultdict(Decimal)
    for line in lines:
        totals[key(line)] += line.hours
    return totals


@dataclass
class CPDRecord:
    person: object
    lines: list

    @property
    def total_hours(self):
        return sum((line.hours for line in self.lines), Decimal("0"))

    @property
    def hours_by_strand(self):
        totals = _totals(self.lines, lambda line: line.strand_title)
        return sorted(totals.items())

    @property
    def hours_by_year(self):
        return sorted(_totals(self.lines, lambda line: line.academic_year).items(), reverse=True)

    @property
    def outcome_lines(self):
        return _with_outcomes(self.lines)


def _with_outcomes(lines):
    """Places whose delegate said at booking what they wanted to change: shown against what
    they reported in the evaluation and the follow-up."""
    return [line for line in lines if line.enrolment.intended_outcome]


def cpd_record(user):
    return CPDRecord(user, record_lines(Enrolment.objects.of_people().filter(delegate=user)))


@dataclass
class SchoolRecord:
    school: object
    year: str
    years: list
    lines: list
    strands: list

    @property
    def total_hours(self):
        return sum((line.hours for line in self.lines), Decimal("0"))

    @property
    def staff_rows(self):
        """(person, [hours per strand, in self.strands order], total), by surname."""
        by_person = defaultdict(lambda: defaultdict(Decimal))
        people = {}
        for line in self.lines:
            person = line.enrolment.delegate
            people[person.pk] = person
            by_person[person.pk][line.strand_title] += line.hours
        rows = []
        for pk, hours in by_person.items():
            cells = [hours.get(title, Decimal("0")) for title in self.strands]
            rows.append((people[pk], cells, sum(cells, Decimal("0"))))
        rows.sort(key=lambda row: (row[0].last_name.lower(), row[0].first_name.lower()))
        return rows

    @property
    def strand_totals(self):
        totals = _totals(self.lines, lambda line: line.strand_title)
        return [totals.get(title, Decimal("0")) for title in self.strands]

    @property
    def evaluations(self):
        return [line.evaluation for line in self.lines if is_submitted(line.evaluation)]

    @property
    def averages(self):
        """Average rating per question over the school's submitted evaluations."""
        done = self.evaluations
        if not done:
            return None
        return {
            name: round(sum(getattr(e, name) for e in done) / len(done), 1)
            for name, _ in RATING_QUESTIONS
        } | {"count": len(done)}

    @property
    def impact_lines(self):
        return [line for line in self.lines if line.impact]

    @property
    def outcome_lines(self):
        return _with_outcomes(self.lines)


def school_record(school, year=""):
    """Staff CPD at one school: hours by person and strand, evaluation averages and what
    changed in practice, for one academic year ("" for every year)."""
    all_lines = record_lines(Enrolment.objects.filter(booking__school=school))
    years = sorted({line.academic_year for line in all_lines}, reverse=True)
    lines = [line for line in all_lines if not year or line.academic_year == year]
    strand_titles = list(StrandPage.objects.order_by("path").values_list("title", flat=True))
    if any(line.strand is None for line in lines):
        strand_titles.append("Other")
    return SchoolRecord(school, year, years, lines, strand_titles)


def is_submitted(evaluation):
    return evaluation is not None and evaluation.is_submitted
