"""The course-run and school listings in the admin: filters, search and CSV/XLSX export."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from accounts.models import School, Trust
from courses.models import CoursePage, CourseRun, StrandPage
from tests.factories import accounts, bookings, courses


@pytest.fixture
def officer(client, people):
    client.force_login(people["staff"])
    return client


@pytest.fixture
def catalogue(people):
    """Two strands; in person and online courses; runs over ten weeks at two venues, open and
    scheduled, one with places booked."""
    teaching, data = courses.strand("Improving teaching and learning"), courses.strand("Using data")
    in_person = [courses.course(f"Classroom course {n}", strand_page=teaching) for n in range(2)]
    online = courses.course("Data online", strand_page=data, format=CoursePage.Format.ONLINE)
    centre, library = courses.venue(), courses.venue("Northwich Library")
    made = []
    for n, days in enumerate((7, 10, 14, 20, 30, 45, 60, 75)):
        course = online if n % 3 == 2 else in_person[n % 2]
        fields = {} if course is online else {"venue": (centre, library)[n % 2]}
        status = CourseRun.Status.OPEN if days < 50 else CourseRun.Status.SCHEDULED
        made.append(courses.run(course, days=(days,), status=status, **fields))
    school = people["school_b"]
    bookings.book(made[0], *accounts.staff_of(school, 2), school=school, booked_by=people["staff"])
    return made


def csv_rows(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def xlsx_rows(response):
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def references(response):
    return {row["Reference"] for row in csv_rows(response)}


# --- course runs -------------------------------------------------------------------------------


def test_runs_filter_by_strand(officer, catalogue):
    strand = StrandPage.objects.order_by("path").first()
    expected = set(
        CourseRun.objects.filter(course__path__startswith=strand.path).values_list(
            "reference", flat=True
        )
    )
    got = references(officer.get("/admin/runs/", {"strand": strand.pk, "export": "csv"}))
    assert got == expected and 0 < len(got) < CourseRun.objects.count()


def test_runs_filter_by_format_status_and_venue(officer, catalogue):
    online = references(officer.get("/admin/runs/", {"format": "online", "export": "csv"}))
    assert online == set(
        CourseRun.objects.filter(course__format=CoursePage.Format.ONLINE).values_list(
            "reference", flat=True
        )
    )
    assert online
    run = CourseRun.objects.filter(venue__isnull=False).first()
    at_venue = references(
        officer.get("/admin/runs/", {"venue": run.venue_id, "status": run.status, "export": "csv"})
    )
    assert run.reference in at_venue
    assert at_venue == set(
        CourseRun.objects.filter(venue=run.venue, status=run.status).values_list(
            "reference", flat=True
        )
    )


def test_runs_filter_by_first_session_dates(officer, catalogue):
    runs = list(CourseRun.objects.with_dates().order_by("first_starts_at"))
    middle = timezone.localdate(runs[len(runs) // 2].first_starts_at)
    params = {"first_session_from": middle.isoformat(), "export": "csv"}
    got = references(officer.get("/admin/runs/", params))
    assert got == {r.reference for r in runs if timezone.localdate(r.first_starts_at) >= middle}
    params["first_session_to"] = (middle + timedelta(days=6)).isoformat()
    week = references(officer.get("/admin/runs/", params))
    assert week and week < got


def test_runs_search_by_course_title(officer, catalogue):
    run = CourseRun.objects.select_related("course").first()
    response = officer.get("/admin/runs/", {"q": run.course.title})
    assert response.status_code == 200
    assert run.reference in response.content.decode()


def test_run_export_names_strand_places_and_waiting(officer, catalogue):
    run = CourseRun.objects.with_places().select_related("course").first()
    strand = run.course.get_parent()
    (row,) = [
        r
        for r in csv_rows(officer.get("/admin/runs/", {"export": "csv"}))
        if r["Reference"] == run.reference
    ]
    assert row["Strand"] == strand.title
    assert row["Course"] == run.course.title
    assert int(row["Places taken"]) == run.places_taken
    assert int(row["Places left"]) == run.capacity - run.places_taken
    assert row["Waiting"] == "0"


def test_run_export_as_xlsx_has_a_row_per_run(officer, catalogue):
    rows = xlsx_rows(officer.get("/admin/runs/", {"export": "xlsx"}))
    assert rows[0][:3] == ["Reference", "Course", "Strand"]
    assert len(rows) == 1 + CourseRun.objects.count()


@pytest.mark.parametrize(
    "params",
    [
        {"first_session_from": "not-a-date"},
        {"strand": "999999"},
        {"format": "by-pigeon"},
        {"venue": "abc"},
    ],
)
def test_bad_run_filters_are_explained_and_list_nothing_wrong(officer, catalogue, params):
    response = officer.get("/admin/runs/", params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "error-message" in page or "Select a valid choice" in page or "Enter a" in page


# --- schools -----------------------------------------------------------------------------------


def urns(response):
    return {int(row["URN"]) for row in csv_rows(response)}


def test_schools_filter_by_authority_phase_trust_and_status(officer, people):
    school = people["school_a"]
    by_la = urns(
        officer.get(
            "/admin/schools/", {"local_authority": school.local_authority_id, "export": "csv"}
        )
    )
    assert by_la == set(
        School.objects.filter(local_authority=school.local_authority).values_list("urn", flat=True)
    )
    by_phase = urns(officer.get("/admin/schools/", {"phase": school.phase, "export": "csv"}))
    assert school.urn in by_phase
    assert by_phase == set(School.objects.filter(phase=school.phase).values_list("urn", flat=True))

    trust = Trust.objects.create(uid="T-1", name="Haverleigh Learning Trust")
    School.objects.filter(pk=school.pk).update(trust=trust)
    assert urns(officer.get("/admin/schools/", {"trust": trust.pk, "export": "csv"})) == {
        school.urn
    }

    School.objects.filter(pk=school.pk).update(status=School.Status.CLOSED)
    assert urns(officer.get("/admin/schools/", {"status": "closed", "export": "csv"})) == {
        school.urn
    }
    assert school.urn not in urns(
        officer.get("/admin/schools/", {"status": "open", "export": "csv"})
    )


def test_school_export_names_authority_and_trust_as_xlsx(officer, people):
    school = people["school_a"]
    rows = xlsx_rows(officer.get("/admin/schools/", {"export": "xlsx", "q": school.name}))
    header, *body = rows
    assert header[:3] == ["URN", "Name", "Local authority"]
    assert [school.urn, school.name, school.local_authority.name] in [r[:3] for r in body]


def test_school_search_and_inspect(officer, people):
    school = people["school_a"]
    response = officer.get("/admin/schools/", {"q": str(school.urn)})
    assert school.name in response.content.decode()
    assert officer.get(f"/admin/schools/inspect/{school.pk}/").status_code == 200
