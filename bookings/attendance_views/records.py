"""CPD record pages: a person's own and a school's, on screen, as CSV and as PDF."""

import csv
import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from accounts import permissions
from core.academic_year import AcademicYear
from core.exports import spreadsheet_safe

from .. import attendance
from .attendees import _pdf_response


@login_required
def my_record(request):
    return render(
        request, "bookings/after/record.html", {"record": attendance.cpd_record(request.user)}
    )


def _hours(value):
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.1f}"


def _csv_response(filename, headings, rows):
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
    response.write("\ufeff")  # Excel reads UTF-8 only with the BOM
    writer = csv.writer(response)
    writer.writerow(headings)
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in row])
    return response


def _ratings(evaluation):
    if evaluation and evaluation.is_submitted:
        return [evaluation.quality, evaluation.relevance, evaluation.facilitator]
    return ["", "", ""]


OUTCOME_HEADINGS = [
    "Intended outcome",
    "Change after the course (1 to 5)",
    "Comment after the course",
    "Change at follow-up (1 to 5)",
    "Comment at follow-up",
]


def _outcome(line):
    """What the delegate wanted to change when booking, and how far they said it changed in
    the evaluation and the follow-up (blank where not asked or not answered)."""
    if not line.enrolment.intended_outcome:
        return [""] * len(OUTCOME_HEADINGS)
    cells = [line.enrolment.intended_outcome]
    for answer in (line.evaluation, line.impact):
        progress = answer.outcome_progress if answer else None
        cells += [progress or "", answer.outcome_comment if progress else ""]
    return cells


@login_required
def my_record_csv(request):
    record = attendance.cpd_record(request.user)
    return _csv_response(
        "cpd-record.csv",
        [
            "Course",
            "Strand",
            "Dates",
            "Academic year",
            "CPD hours",
            "Certificate number",
            "Quality",
            "Relevance",
            "Facilitator",
            "What I will do differently",
            *OUTCOME_HEADINGS,
        ],
        [
            [
                line.course.title,
                line.strand_title,
                line.dates,
                line.academic_year,
                _hours(line.hours),
                line.certificate.number if line.certificate else "",
                *_ratings(line.evaluation),
                line.evaluation.will_do_differently if line.evaluation else "",
                *_outcome(line),
            ]
            for line in record.lines
        ],
    )


@login_required
def my_record_pdf(request):
    record = attendance.cpd_record(request.user)
    pdf = attendance.render_pdf(
        "bookings/after/record_pdf.html",
        {"record": record, "today": timezone.localdate()},
    )
    return _pdf_response(pdf, "cpd-record.pdf")


def _school_record(request, school_id):
    """The school's record for the year asked for: this academic year unless another
    (2025/26) or "all" is chosen."""
    school = permissions.school_or_404(request.user, school_id, *permissions.OVERSEERS)
    wanted = request.GET.get("year", "")
    if wanted == "all":
        year = ""
    elif re.fullmatch(r"[0-9]{4}/[0-9]{2}", wanted):
        year = wanted
    else:
        year = AcademicYear.current().label
    return attendance.school_record(school, year)


@login_required
def school_record(request, school_id):
    record = _school_record(request, school_id)
    years = sorted({AcademicYear.current().label, *record.years}, reverse=True)
    return render(
        request,
        "bookings/after/school_record.html",
        {
            "record": record,
            "school": record.school,
            "years": years,
            "is_lead": attendance.answers_for_the_school(request.user, record.school),
            "manages": permissions.has_role(request.user, record.school, *permissions.MANAGERS),
            "follow_up_weeks": settings.IMPACT_FOLLOW_UP_DAYS // 7,
        },
    )


@login_required
def school_record_csv(request, school_id):
    record = _school_record(request, school_id)
    return _csv_response(
        f"cpd-{record.school.urn}-{(record.year or 'all-years').replace('/', '-')}.csv",
        [
            "Staff member",
            "Course",
            "Strand",
            "Dates",
            "Academic year",
            "CPD hours",
            "Quality",
            "Relevance",
            "Facilitator",
            "What changed (staff member)",
            "What changed (CPD lead)",
            *OUTCOME_HEADINGS,
        ],
        [
            [
                str(line.enrolment.delegate),
                line.course.title,
                line.strand_title,
                line.dates,
                line.academic_year,
                _hours(line.hours),
                *_ratings(line.evaluation),
                line.impact.delegate_answer if line.impact else "",
                line.impact.lead_answer if line.impact else "",
                *_outcome(line),
            ]
            for line in record.lines
        ],
    )


@login_required
def school_record_pdf(request, school_id):
    record = _school_record(request, school_id)
    pdf = attendance.render_pdf(
        "bookings/after/school_record_pdf.html",
        {"record": record, "today": timezone.localdate()},
    )
    name = (record.year or "all-years").replace("/", "-")
    return _pdf_response(pdf, f"cpd-{record.school.urn}-{name}.pdf")
