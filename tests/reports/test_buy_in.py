"""Buy-in against targets, and month by month, worked out by hand.

LA 991 Northshire (partner): 20 open primary schools and one closed.
  maintained M1–M10: M1–M3 booked places in July 2020 (count in September), M4–M8 in
    November 2020; M9's place still waits for its CPD lead, M10's was cancelled.
  academies A1–A10: A1–A5 are in the Northgate trust, whose account bought a package
    starting 1 October 2020; A6–A9 bought their own packages starting 1 February 2021;
    A10 nothing.
  → bought in: 8 + 5 + 4 = 17 of 20 = 85.0%.
LA 992 Southby (not a partner): O1, O2, open secondary schools; O1 booked in March 2021.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts import roles
from accounts.models import School, Trust
from billing import services as billing
from billing.models import Account, AccountPackage, Package
from bookings.models import Enrolment
from core.academic_year import AcademicYear
from reports import services
from reports.models import BuyInTarget
from reports.services.targets import set_buy_in_target
from tests.factories import cast

from .conftest import at
from .test_services import filters_for, rows_by_label

pytestmark = pytest.mark.django_db

YEAR = AcademicYear(2020)


def _school(world, name, la, type_group, phase="primary", status="open", trust=None):
    school = world.school(name, la, phase=phase, status=status)
    School.objects.filter(pk=school.pk).update(type_group=type_group, trust=trust)
    school.refresh_from_db()
    return school


def _booked(world, run, school, when, status="confirmed"):
    made = world.places(run, school, 1, status)
    Enrolment.objects.filter(pk__in=[e.pk for e in made]).update(created_at=when)


def _package(account, starts_on):
    package, _ = Package.objects.get_or_create(
        name="Silver", defaults={"kind": "discount", "price": Decimal("500.00"),
                                 "discount_percent": Decimal("10.00")}
    )  # fmt: skip
    AccountPackage.objects.create(
        account=account, package=package, starts_on=starts_on, ends_on=date(2021, 8, 31)
    )


@pytest.fixture
def northshire(world):
    w = world
    w.n = w.la("991", "Northshire")
    w.s = w.la("992", "Southby", partner=False)
    w.trust = Trust.objects.create(uid="T991", name="Northgate trust", billed_centrally=True)
    maintained = [_school(w, f"M{i}", w.n, "la_maintained") for i in range(1, 11)]
    academies = [
        _school(w, f"A{i}", w.n, "academy", trust=w.trust if i <= 5 else None) for i in range(1, 11)
    ]
    _school(w, "Closed primary", w.n, "la_maintained", status="closed")
    outside = [_school(w, f"O{i}", w.s, "academy", phase="secondary") for i in (1, 2)]
    jan = w.run(w.course_a, at(2021, 1, 15))
    jun = w.run(w.course_b, at(2021, 6, 10))
    for school in maintained[:3]:
        _booked(w, jan, school, at(2020, 7, 20))
    for school in maintained[3:8]:
        _booked(w, jan, school, at(2020, 11, 5))
    _booked(w, jan, maintained[8], at(2020, 11, 5), status="pending_approval")
    _booked(w, jan, maintained[9], at(2020, 11, 5), status="cancelled")
    trust_account = Account.objects.create(kind="trust", trust=w.trust)
    _package(trust_account, date(2020, 10, 1))
    for school in academies[5:9]:
        _package(billing.school_account(school), date(2021, 2, 1))
    _booked(w, jun, outside[0], at(2021, 3, 3))
    return w


def test_a_school_is_bought_in_by_a_place_or_a_package(northshire):
    result = services.buy_in(filters_for("buy-in", year="2020/21", la="991"))
    headline = {label: value for label, value, _ in result.headline}
    assert headline["Open schools"] == 20  # the closed one is not
    assert headline["Bought in (a place or a package)"] == 17  # 8 places + 5 trust + 4 own
    assert headline["Buy-in"] == 85.0
    assert [row[0] for row in result.table("not-bought").rows] == ["A10", "M10", "M9"]


def test_targets_against_actual(northshire):
    set_buy_in_target(YEAR, percent=Decimal("85"), local_authority=northshire.n)
    set_buy_in_target(YEAR, percent=Decimal("90"), phase="primary")
    set_buy_in_target(YEAR, percent=Decimal("100"), trust=northshire.trust)
    set_buy_in_target(YEAR.shifted(1), percent=Decimal("50"), phase="secondary")  # not this year
    table = services.buy_in(filters_for("buy-in", year="2020/21")).table("targets")
    assert rows_by_label(table) == {
        # open, bought, buy-in, target, met, more schools needed
        "Northshire": ["Local authority", 20, 17, 85.0, 85.0, "Yes", 0],
        # 90% of 20 is 18: one more school.
        "Primary": ["Phase", 20, 17, 85.0, 90.0, "Not yet", 1],
        "Northgate trust": ["Trust", 5, 5, 100.0, 100.0, "Yes", 0],
    }


def test_a_new_target_for_a_scope_replaces_its_old_one(northshire):
    set_buy_in_target(YEAR, percent=Decimal("80"), local_authority=northshire.n)
    set_buy_in_target(YEAR, percent=Decimal("85"), local_authority=northshire.n)
    assert list(BuyInTarget.objects.values_list("percent", flat=True)) == [Decimal("85.0")]


def test_progress_by_month_with_the_split(northshire):
    table = services.buy_in(filters_for("buy-in", year="2020/21")).table("progress")
    assert table.headings == [
        "Month", "Bought in", "Buy-in", "Maintained", "Academies", "Other in-area", "Out of area"
    ]  # fmt: skip
    rows = rows_by_label(table)
    assert len(rows) == 12
    # 22 open: 10 maintained, 10 academies, 2 out of area.
    assert rows["September 2020"][:1] + rows["September 2020"][2:] == [3, 30.0, 0.0, None, 0.0]
    assert rows["September 2020"][1] == pytest.approx(3 * 100 / 22)
    assert rows["October 2020"][0] == 8 and rows["October 2020"][3] == 50.0  # the trust's 5
    assert rows["November 2020"][0] == 13 and rows["November 2020"][2] == 80.0
    assert rows["January 2021"][0] == 13
    assert rows["February 2021"][0] == 17 and rows["February 2021"][3] == 90.0
    assert rows["March 2021"][0] == 18 and rows["March 2021"][5] == 50.0
    assert rows["August 2021"][0] == 18
    assert rows["August 2021"][1] == pytest.approx(18 * 100 / 22)


def test_progress_is_in_the_csv_export(client, northshire):
    client.force_login(cast.officer(roles.MANAGERS))
    url = reverse("reports:report", args=["buy-in"])
    response = client.get(
        url, {"year": "2020/21", "la": "991", "format": "csv", "table": "progress"}
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Month,Bought in,Buy-in,Maintained,Academies,Other in-area,Out of area"
    assert lines[1] == "September 2020,3,15.0,30.0,0.0,,"  # 3 of 20 in Northshire
    assert lines[-1] == "August 2021,17,85.0,80.0,90.0,,"
    page = client.get(url, {"year": "2020/21"}).content.decode()
    assert "Buy-in through the year" in page and "<svg" in page
    assert reverse("reports:buy_in_targets") in page


# --- the database keeps the rules ---------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"percent": Decimal("120"), "phase": "primary"},
        {"percent": Decimal("-1"), "phase": "primary"},
        {"percent": Decimal("50")},  # no scope
        {"percent": Decimal("50"), "phase": "primary", "trust": "T"},  # two scopes
    ],
)
def test_the_database_refuses_a_target_that_is_not_one(northshire, fields):
    if fields.get("trust"):
        fields["trust"] = northshire.trust
    with pytest.raises(IntegrityError), transaction.atomic():
        BuyInTarget.objects.create(start_year=2020, **fields)


# --- the targets page ---------------------------------------------------------------------

TARGETS = "reports:buy_in_targets"


@pytest.fixture
def manager_client(client, db):
    client.force_login(cast.officer(roles.MANAGERS))
    return client


@pytest.mark.parametrize(
    "data, message",
    [
        ({"phase": "primary", "percent": "120"}, "less than or equal to 100"),
        ({"percent": "85"}, "none was chosen"),
        ({"phase": "primary", "la": True, "percent": "85"}, "more than one was chosen"),
        ({"phase": "primary", "percent": "lots"}, "Enter a number"),
        ({"phase": "primary", "percent": "85", "year": "1999/00"}, "Select a valid choice"),
    ],
)
def test_bad_target_input_is_refused_with_a_message(manager_client, northshire, data, message):
    data = {"year": "2020/21", **data}
    if data.pop("la", None):
        data["local_authority"] = northshire.n.pk
    response = manager_client.post(reverse(TARGETS), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BuyInTarget.objects.exists()


def test_a_service_manager_sets_and_removes_a_target(manager_client, northshire):
    response = manager_client.post(
        reverse(TARGETS), {"year": "2020/21", "local_authority": northshire.n.pk, "percent": "85"}
    )
    assert response.status_code == 302
    target = BuyInTarget.objects.get()
    assert (target.start_year, target.local_authority, target.percent) == (
        2020, northshire.n, Decimal("85.0")
    )  # fmt: skip
    page = manager_client.get(reverse(TARGETS), {"year": "2020/21"}).content.decode()
    assert "Northshire" in page and "85.0%" in page
    manager_client.post(reverse(TARGETS), {"remove": target.pk})
    assert not BuyInTarget.objects.exists()


def test_a_teacher_cannot_reach_the_targets(client, people, northshire):
    target = set_buy_in_target(YEAR, percent=Decimal("85"), local_authority=northshire.n)
    client.force_login(people["teacher_a"])
    # The admin refuses a school's people outright, as it does the other reports.
    assert client.get(reverse(TARGETS)).status_code == 403
    assert client.post(reverse(TARGETS), {"remove": target.pk}).status_code == 403
    assert client.post(reverse(TARGETS), {"phase": "primary", "percent": "10"}).status_code == 403
    assert list(BuyInTarget.objects.all()) == [target]


@pytest.mark.parametrize("group", [roles.BOOKINGS, roles.FINANCE])
def test_other_staff_are_refused_the_targets(client, northshire, group):
    target = set_buy_in_target(YEAR, percent=Decimal("85"), local_authority=northshire.n)
    client.force_login(cast.officer(group))
    assert client.get(reverse(TARGETS)).status_code == 403
    assert client.post(reverse(TARGETS), {"remove": target.pk}).status_code == 403
    assert BuyInTarget.objects.filter(pk=target.pk).exists()


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse(TARGETS))
    assert response.status_code == 302 and "login" in response["Location"]
