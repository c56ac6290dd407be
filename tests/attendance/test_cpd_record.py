"""CPD records: a teacher's courses with hours by strand and academic year, exported as PDF
and CSV; a CPD lead's view of the school by staff member and strand, for governors."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from bookings import attendance
from core.academic_year import AcademicYear


def _school_year(day):
    """September to August, written independently of the code under test."""
    return (
        f"{day.year}/{(day.year + 1) % 100:02d}"
        if day.month >= 9
        else (f"{day.year - 1}/{day.year % 100:02d}")
    )


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2026, 8, 31), "2025/26"),
        (dt.date(2026, 9, 1), "2026/27"),
        (dt.date(2027, 1, 15), "2026/27"),
        (dt.date(1999, 12, 1), "1999/00"),
    ],
)
def test_the_academic_year_runs_september_to_august(day, year):
    assert AcademicYear.of(day).label == year


@pytest.fixture
def history(make_run, book, mark_all, people, sarahs_course, ruths_course, data_course):
    """Tom attended three courses in three strands (one over a year ago) and missed one;
    Chloe attended one; each evaluated; Ravi, at another school, attended one too."""
    staff = people["staff"]
    send, adaptive, fft = sarahs_course, ruths_course, data_course
    runs = {
        "send": make_run(days_ago=(400,), course=send),
        "adaptive": make_run(days_ago=(37, 30), course=adaptive),
        "fft": make_run(days_ago=(10,), course=fft),
        "missed": make_run(days_ago=(5,), course=fft),
    }
    tom, ravi = people["teacher_a"], people["teacher_b"]
    places = {
        "send": book(runs["send"], tom),
        "adaptive": book(runs["adaptive"], tom, people["lead_a"]),
        "fft": book(runs["fft"], tom),
        "missed": book(runs["missed"], tom),
        "ravi": book(runs["fft"], ravi, school=people["school_b"]),
    }
    tom_adaptive, chloe_adaptive = places["adaptive"]
    mark_all(runs["send"], {places["send"]: True}, by=staff)
    mark_all(runs["adaptive"], {tom_adaptive: True, chloe_adaptive: True}, by=staff)
    mark_all(runs["fft"], {places["fft"]: True, places["ravi"]: True}, by=staff)
    mark_all(runs["missed"], {places["missed"]: False}, by=staff)
    for run in runs.values():
        attendance.close_register(run.pk, by=staff, notify=False)
    for place, person, scores, said in [
        (places["send"], tom, (5, 4, 5), '=HYPERLINK("http://evil")'),
        (chloe_adaptive, people["lead_a"], (3, 4, 4), "Model more."),
        (places["ravi"], ravi, (1, 1, 1), "Nothing."),
    ]:
        attendance.submit_evaluation(
            place.pk,
            by=person,
            ratings=dict(zip(("quality", "relevance", "facilitator"), scores, strict=True)),
            will_do_differently=said,
        )
    return runs, places


def _first_day(run):
    return timezone.localdate(run.sessions.order_by("starts_at").first().starts_at)


def test_the_record_totals_hours_by_strand_and_by_academic_year(history, people):
    runs, _ = history
    record = attendance.cpd_record(people["teacher_a"])
    assert [line.course.slug for line in record.lines] == [
        "fft-aspire-and-analyse-school-performance",
        "adaptive-teaching-in-practice",
        "send-essentials-for-teaching-assistants-primary",
    ]  # newest first; the missed course is not there
    assert record.total_hours == Decimal("11")
    assert dict(record.hours_by_strand) == {
        "Building capacity for inclusion": Decimal("4"),
        "Improving teaching and learning": Decimal("4"),
        "Using data": Decimal("3"),
    }
    expected = {}
    for name, hours in (("send", 4), ("adaptive", 4), ("fft", 3)):
        year = _school_year(_first_day(runs[name]))
        expected[year] = expected.get(year, 0) + hours
    assert {year: int(hours) for year, hours in record.hours_by_year} == expected
    assert len(expected) == 2  # the SEND course was over a year ago


def test_the_record_page_shows_each_course_with_its_certificate_and_evaluation(
    client, history, people
):
    _, places = history
    client.force_login(people["teacher_a"])
    html = client.get("/my-cpd/").content.decode()
    assert "3 courses attended, 11 CPD hours in all." in html
    assert f"/bookings/place/{places['send'].pk}/certificate.pdf" in html
    assert f"/bookings/place/{places['fft'].pk}/evaluation/" in html  # not yet evaluated
    assert "Quality 5/5, relevance 4/5, facilitator 5/5" in html
    assert f"place-{places['missed'].pk}" not in html


def test_the_record_exports_as_csv_safe_for_spreadsheets(client, history, people):
    client.force_login(people["teacher_a"])
    response = client.get("/my-cpd/record.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Course", "Strand", "Dates", "Academic year", "CPD hours"]
    assert len(rows) == 4
    send = next(r for r in rows if r[0].startswith("SEND essentials"))
    assert send[4] == "4" and send[5].startswith("CPD-") and send[6:9] == ["5", "4", "5"]
    assert send[9] == '\'=HYPERLINK("http://evil")'  # never run as a formula


def test_the_record_exports_as_a_pdf(client, history, people):
    client.force_login(people["teacher_a"])
    response = client.get("/my-cpd/record.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "CPD record: Tom Teacher" in text
    assert "Adaptive teaching in practice" in text and "Using data" in text


def test_an_empty_record_says_how_it_fills(client, people):
    client.force_login(people["teacher_b"])
    assert "once the facilitator closes the register" in client.get("/my-cpd/").content.decode()


def test_the_school_view_has_hours_by_staff_and_strand_and_evaluation_averages(history, people):
    record = attendance.school_record(people["school_a"])  # every year
    assert record.total_hours == Decimal("15")  # Tom 11, Chloe 4; not Ravi's school
    rows = {str(person): (cells, total) for person, cells, total in record.staff_rows}
    assert set(rows) == {"Tom Teacher", "Chloe Lead"}
    strands = record.strands
    tom = dict(zip(strands, rows["Tom Teacher"][0], strict=True))
    assert tom["Building capacity for inclusion"] == 4 and tom["Using data"] == 3
    assert rows["Chloe Lead"][1] == 4
    assert record.averages == {"quality": 4.0, "relevance": 4.0, "facilitator": 4.5, "count": 2}


def test_the_school_view_shows_this_academic_year_unless_asked(client, history, people):
    runs, _ = history
    client.force_login(people["lead_a"])
    school = people["school_a"].pk
    this_year = AcademicYear.current().label
    page = client.get(f"/school/{school}/cpd/").content.decode()
    assert f'<option value="{this_year}" selected>' in page
    assert f"In {this_year}:" in page
    everything = client.get(f"/school/{school}/cpd/?year=all").content.decode()
    assert "In all years: 2 staff members attended 4 courses, 15 CPD hours in all." in everything
    bogus = client.get(f"/school/{school}/cpd/?year=<b>").content.decode()
    assert f"In {this_year}:" in bogus


def test_the_school_exports_for_governors(client, history, people):
    client.force_login(people["lead_a"])
    school = people["school_a"]
    response = client.get(f"/school/{school.pk}/cpd.csv?year=all")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Staff member" and len(rows) == 5
    assert {r[0] for r in rows[1:]} == {"Tom Teacher", "Chloe Lead"}
    assert f"cpd-{school.urn}-all-years.csv" in response["Content-Disposition"]
    response = client.get(f"/school/{school.pk}/cpd.pdf?year=all")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Staff CPD report: Oakfield Primary School" in text
    assert "Chloe Lead" in text and "Ravi" not in text
