"""Item 10: Wagtail's own list exports (CSV and XLSX) are spreadsheet-safe, UTF-8 with a BOM,
in London time; access and dietary needs go only to bookings staff.

The attacker is a teacher who signs up, joins their school and books a course through the
real pages, typing formulas into every free-text box; the victims are staff downloading."""

import csv
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from openpyxl import load_workbook

from bookings.models import Enrolment
from home.models import EnquirySubmission, FormPage
from tests import people as via
from tests.factories import courses, home

FORMULA = '=HYPERLINK("http://evil.example","x")'
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def superuser(people):
    return via.superuser_client(Client)


@pytest.fixture
def attack(people):
    """A teacher signs up on the school's domain, joins it and books a place for themselves,
    with a formula as their needs and PO number."""
    run = courses.run()
    school = people["school_a"]
    client = Client()
    teacher = via.sign_up(client, "mallory@oakfield.sch.uk")
    assert via.join_school(client, school).status_code == 302
    response = client.post(
        f"/book/{run.pk}/details/",
        {
            "school": school.pk,
            "delegate": teacher.pk,
            "terms": "on",
            "po_number": "+SUM(1,1)",
            f"needs-{teacher.pk}-access": FORMULA,
            f"needs-{teacher.pk}-dietary": "@SUM(A1)",
        },
    )
    assert response.status_code == 302, response.content[:500]
    return Enrolment.objects.get(delegate=teacher, run=run)


def staff_client(superuser, email, group):
    """Added in Wagtail's Users admin, then signs in, confirming their address from the email
    allauth sends on a first sign-in."""
    via.add_staff_in_wagtail(superuser, email, group)
    client = Client()
    sent = len(mail.outbox)
    assert via.sign_in(client, email).status_code == 302
    body = "\n".join(m.body for m in mail.outbox[sent:])
    link = re.search(r"https?://[^\s/]+(/accounts/confirm-email/[^\s]+/)", body)
    if link:
        assert client.post(link.group(1)).status_code == 302
    assert client.get("/admin/").status_code == 200
    return client


def download_csv(client, url):
    response = client.get(url, {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "a UTF-8 BOM, so Excel reads accents"
    return list(csv.DictReader(io.StringIO(body[1:])))


def download_xlsx(client, url):
    response = client.get(url, {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def assert_neutralised(value):
    assert value[:1] not in ("=", "+", "-", "@", "\t", "\r"), value


def booked_at(enrolment):
    return enrolment.created_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")


def test_a_bookings_officers_enrolment_export_neutralises_formulas_in_london_time(
    superuser, attack
):
    officer = staff_client(superuser, "bea2@example.gov.uk", "Bookings officers")
    url = "/admin/enrolments/"
    (row,) = [r for r in download_csv(officer, url) if r["Email"] == "mallory@oakfield.sch.uk"]
    assert row["Access needs"] == "'" + FORMULA
    assert row["Dietary needs"] == "'@SUM(A1)"
    assert row["Booked at"] == booked_at(attack)
    (row,) = [r for r in download_xlsx(officer, url) if r["Email"] == "mallory@oakfield.sch.uk"]
    assert row["Access needs"] == "'" + FORMULA
    assert row["Dietary needs"] == "'@SUM(A1)"
    assert row["Booked at"] == booked_at(attack)


def test_the_bookings_export_neutralises_the_po_number(superuser, attack):
    officer = staff_client(superuser, "bea3@example.gov.uk", "Bookings officers")
    reference = attack.booking.reference
    for rows in (
        download_csv(officer, "/admin/bookings/"),
        download_xlsx(officer, "/admin/bookings/"),
    ):
        (row,) = [r for r in rows if r["Reference"] == reference]
        assert row["PO number"] == "'+SUM(1,1)"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row["Booked at"])


@pytest.mark.parametrize("group", ["Finance officers", "Service managers"])
def test_finance_and_managers_never_see_access_or_dietary_needs(superuser, attack, group):
    reader = staff_client(superuser, "reader@example.gov.uk", group)
    for rows in (
        download_csv(reader, "/admin/enrolments/"),
        download_xlsx(reader, "/admin/enrolments/"),
    ):
        assert rows and "Access needs" not in rows[0] and "Dietary needs" not in rows[0]
    for url in (
        f"/admin/enrolments/inspect/{attack.pk}/",
        f"/admin/bookings/inspect/{attack.booking_id}/",
        f"/admin/runs/{attack.run_id}/delegates/",
        f"/admin/runs/{attack.run_id}/delegates/csv/",
    ):
        response = reader.get(url)
        assert response.status_code == 200, url
        assert b"HYPERLINK" not in response.content and b"Access needs" not in response.content


def test_bookings_officers_still_see_needs_on_the_admin_pages(superuser, attack):
    officer = staff_client(superuser, "bea4@example.gov.uk", "Bookings officers")
    for url in (
        f"/admin/enrolments/inspect/{attack.pk}/",
        f"/admin/bookings/inspect/{attack.booking_id}/",
        f"/admin/runs/{attack.run_id}/delegates/",
    ):
        assert b"HYPERLINK" in officer.get(url).content, url


def test_form_submission_exports_are_neutralised(superuser):
    page = home.enquiry_form()
    data = {}
    for field in page.get_form_fields():
        if field.field_type == "email":
            data[field.clean_name] = "mallory@evil.example"
        elif field.field_type == "dropdown":
            data[field.clean_name] = field.choices.split(",")[0].strip()
        else:
            data[field.clean_name] = FORMULA
    assert Client().post(page.url, data).status_code == 200
    submission = EnquirySubmission.objects.get()
    url = f"/admin/forms/submissions/{page.pk}/"
    for rows in (download_csv(superuser, url), download_xlsx(superuser, url)):
        (row,) = rows
        texts = [v for v in row.values() if isinstance(v, str) and "HYPERLINK" in v]
        assert texts and all(v == "'" + FORMULA for v in texts)
        submitted = [v for v in row.values() if isinstance(v, str) and re.match(r"\d{4}-", v)]
        london = submission.submit_time.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
        assert submitted == [london]


def test_every_admin_list_export_in_the_project_is_spreadsheet_safe(db):
    """New viewsets must not bring the raw export back: every index view with list_export
    in the project's own code uses the safe mixin."""
    from django.urls import URLResolver, get_resolver
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    from core.exports import SafeSpreadsheetExportMixin

    def views(resolver):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern)
            else:
                view_class = getattr(pattern.callback, "view_class", None)
                if view_class is not None:
                    yield view_class, getattr(pattern.callback, "view_initkwargs", {})

    exporting = [
        view_class
        for view_class, initkwargs in views(get_resolver())
        if issubclass(view_class, SpreadsheetExportMixin)
        and (
            initkwargs.get("list_export")  # a project viewset's, whatever its view class
            or (view_class.list_export and not view_class.__module__.startswith("wagtail."))
        )
    ]
    assert len(exporting) >= 8, exporting
    unsafe = [v for v in exporting if not issubclass(v, SafeSpreadsheetExportMixin)]
    assert not unsafe
    assert issubclass(FormPage().get_submissions_list_view_class(), SafeSpreadsheetExportMixin)
