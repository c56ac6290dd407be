"""The Reports pages: who may open them, filters that cannot be used, the exports, the charts,
and a number of queries that does not grow with the data."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from bookings.models import ImpactFollowUp
from reports import services
from reports.filters import read_filters
from tests.factories import cast

from .conftest import at

pytestmark = pytest.mark.django_db

REPORTS = list(services.REPORTS)


def staff(group):
    """The council officer in this role group (the demo's name and email)."""
    return cast.officer(group)


@pytest.fixture
def manager(db):
    return staff(roles.MANAGERS)


@pytest.fixture
def logged_in(client, manager):
    client.force_login(manager)
    return client


def url(slug, **params):
    from urllib.parse import urlencode

    return reverse("reports:report", args=[slug]) + ("?" + urlencode(params) if params else "")


# --- who sees what -----------------------------------------------------------------------


@pytest.mark.parametrize("slug", REPORTS)
def test_service_manager_opens_every_report(client, manager, slug):
    client.force_login(manager)
    assert client.get(url(slug)).status_code == 200


@pytest.mark.parametrize(
    "slug, expected", [("income", 200), ("buy-in", 403), ("fill-rates", 403), ("evaluation", 403)]
)
def test_finance_officer_sees_income_only(client, db, slug, expected):
    client.force_login(staff(roles.FINANCE))
    assert client.get(url(slug)).status_code == expected


@pytest.mark.parametrize("slug", ["", *REPORTS])
def test_bookings_officer_is_refused(client, db, slug):
    client.force_login(staff(roles.BOOKINGS))
    path = url(slug) if slug else reverse("reports:index")
    assert client.get(path).status_code == 403
    assert client.get(path + ("&" if "?" in path else "?") + "format=csv").status_code == 403


def test_menu_and_index_list_what_each_person_may_open(client, db):
    client.force_login(staff(roles.FINANCE))
    index = client.get(reverse("reports:index")).content.decode()
    assert url("income") in index and url("buy-in") not in index
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert url("income") in menu and url("buy-in") not in menu
    client.force_login(staff(roles.MANAGERS))
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert all(url(slug) in menu for slug in REPORTS)
    client.force_login(staff(roles.BOOKINGS))
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert not any(url(slug) in menu for slug in REPORTS)


def test_superuser_sees_all(client, people):
    client.force_login(people["staff"])  # admin@example.gov.uk, a superuser
    assert all(client.get(url(slug)).status_code == 200 for slug in REPORTS)


def test_unknown_report_is_404(logged_in):
    assert logged_in.get(url("no-such-report")).status_code == 404


# --- bad filter values -------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, note",
    [
        ({"year": "2020/99"}, "is not an academic year"),
        ({"la": "ZZZ"}, "no local authority with the code"),
        ({"strand": "<script>"}, "There is no strand"),
        ({"minimum": "lots"}, "Minimum numbers must be a whole number"),
        ({"days": "-4"}, "Days before the start must be a whole number"),
    ],
)
def test_bad_filter_values_give_the_report_with_a_note(logged_in, params, note):
    response = logged_in.get(url("fill-rates", **params))
    assert response.status_code == 200
    page = response.content.decode()
    assert note in page
    assert "“<script>”" not in page  # what was typed is shown escaped, never as markup


def test_bad_values_fall_back_to_defaults(db):
    filters = read_filters(QueryDict("year=nonsense&la=ZZZ&minimum=0"), services.FILL_THRESHOLDS)
    assert filters.la is None and filters.year.label and filters.thresholds["minimum"] == 8
    assert len(filters.notes) == 3


def test_an_unknown_table_to_export_is_404(logged_in):
    assert logged_in.get(url("income", format="csv", table="nope")).status_code == 404


# --- exports -----------------------------------------------------------------------------


def test_csv_export_parses_and_matches_the_page(logged_in, scenario):
    response = logged_in.get(
        url("income", year="2020/21", la="R01", format="csv", table="by-month")
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "income-2020-2021-by-month.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Month", "Invoiced (net)", "Credit notes (net)", "Income (net)"]
    by_month = {row[0]: row[1:] for row in rows[1:]}
    assert by_month["September 2020"] == ["400.00", "200.00", "200.00"]
    assert by_month["Total"] == ["1200.00", "200.00", "1000.00"]


def test_xlsx_export_opens_with_a_sheet_per_table(logged_in, scenario):
    from openpyxl import load_workbook

    response = logged_in.get(url("buy-in", year="2020/21", la="R01", format="xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:5] == [
        "Targets against buy-in",
        "Buy-in by month",
        "Buy-in in the LA",
        "Buy-in by consortium",
        "Buy-in by phase",
    ]
    sheet = book["Buy-in in the LA"]
    assert [c.value for c in sheet[1]] == ["Local authority", "Open schools", "Bought", "Buy-in"]
    assert [c.value for c in sheet[2]] == ["Rowanshire", 4, 2, 50]
    targets = book["Target list"]
    assert [row[0].value for row in targets.iter_rows(min_row=2)] == [
        "Beech Primary",
        "Damson High",
    ]


def test_income_xlsx_keeps_money_as_numbers(logged_in, scenario):
    from openpyxl import load_workbook

    response = logged_in.get(url("income", year="2020/21", la="R01", format="xlsx"))
    sheet = load_workbook(io.BytesIO(response.content))["Income by month"]
    september = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "September 2020")
    assert [c.value for c in september[1:]] == [400, 200, 200]
    assert september[1].number_format == "£#,##0.00"


def test_exported_text_cannot_run_as_a_formula(logged_in, scenario):
    # Beech and Damson are the target list; make Damson's name hostile.
    scenario.damson.name = "=cmd()"
    scenario.damson.save()
    response = logged_in.get(
        url("buy-in", year="2020/21", la="R01", format="csv", table="not-bought")
    )
    names = [row[0] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))]
    assert "'=cmd()" in names


# --- charts ------------------------------------------------------------------------------


def test_charts_are_svg_images_with_text_alternatives_and_strand_colours(logged_in, scenario):
    page = logged_in.get(url("income", year="2020/21", la="R01")).content.decode()
    assert '<svg class="report-chart__svg" role="img" aria-labelledby=' in page
    assert "<title id=" in page and "<desc id=" in page
    assert f"{scenario.strands[0].title}: £200.00" in page  # the description says the figures
    assert scenario.strands[0].specific.hex_colour in page
    assert "<script" not in page.split('<div class="nice-padding">')[-1].split("</main>")[0]


def test_buy_in_trend_is_a_line(logged_in, scenario):
    page = logged_in.get(url("buy-in", year="2020/21", la="R01")).content.decode()
    assert "<polyline" in page and "2019/20: 25.0%" in page


# --- queries do not grow with the data ---------------------------------------------------


def _grow(w, n):
    """n more schools, each with a run, places, a waiting list, evaluations, impact
    follow-ups, an invoice, a credit note and a payment, all in 2020/21 in LA R01."""
    from datetime import date

    for i in range(n):
        school = w.school(f"Grown School {i}", w.r01, phase="secondary" if i % 2 else "primary")
        run = w.run(w.course_a if i % 2 else w.course_b, at(2020, 10 + i % 3, 1 + i))
        places = w.places(run, school, 3, "attended")
        w.waiting(run, school, 2)
        for place in places:
            w.evaluate(place, 3, 4, 5, comments=f"Comment {i}")
            ImpactFollowUp.objects.create(enrolment=place, delegate_answer="Better.",
                                          delegate_answered_at=at(2020, 12, 1))  # fmt: skip
        invoice, lines = w.invoice(
            school, date(2020, 10 + i % 3, 2), [(p, Decimal(100), Decimal(20)) for p in places]
        )
        w.credit(lines[0], date(2020, 12, 1))
        w.pay(invoice, Decimal(120), date(2020, 12, 2))


def _service_queries(slug):
    filters = read_filters(QueryDict("year=2020/21"), services.REPORTS[slug].thresholds)
    with CaptureQueriesContext(connection) as ctx:
        services.REPORTS[slug].build(filters)
    return len(ctx)


@pytest.mark.parametrize("slug", REPORTS)
def test_query_count_does_not_grow_with_rows(
    client, manager, scenario, slug, django_assert_max_num_queries
):
    client.force_login(manager)
    client.get(url(slug, year="2020/21"))  # warm the per-request caches (site, menus)
    small = _service_queries(slug)
    with CaptureQueriesContext(connection) as page:
        client.get(url(slug, year="2020/21"))
    _grow(scenario, 12)
    assert _service_queries(slug) == small
    with django_assert_max_num_queries(len(page)):
        response = client.get(url(slug, year="2020/21"))
    assert response.status_code == 200
