"""Report figures against the hand-counted world in conftest.py."""

from decimal import Decimal

import pytest
from django.http import QueryDict

from core.academic_year import AcademicYear
from reports import services
from reports.filters import read_filters

pytestmark = pytest.mark.django_db


def filters_for(report, **params):
    query = QueryDict(mutable=True)
    query.update(params)
    return read_filters(query, services.REPORTS[report].thresholds)


def rows_by_label(table):
    return {row[0]: row[1:] for row in table.rows}


# --- the academic year -------------------------------------------------------------------


def test_academic_year_turns_on_1_september():
    from datetime import date

    assert AcademicYear.of(date(2020, 8, 31)).label == "2019/20"
    assert AcademicYear.of(date(2020, 9, 1)).label == "2020/21"
    assert AcademicYear.parse("2020/21") == AcademicYear.parse("2020-2021") == AcademicYear(2020)
    for bad in ("2020/22", "twenty", "2020", ""):
        with pytest.raises(ValueError):
            AcademicYear.parse(bad)


# --- income ------------------------------------------------------------------------------


def test_income_by_strand_month_and_la_is_net_of_credit_notes(scenario):
    w = scenario
    result = services.income(filters_for("income", year="2020/21", la="R01"))
    by_strand = rows_by_label(result.table("by-strand"))
    assert by_strand[w.strands[0].title] == [Decimal(400), Decimal(200), Decimal(200)]
    assert by_strand[w.strands[1].title] == [Decimal(300), Decimal(0), Decimal(300)]
    assert by_strand[services.NO_STRAND] == [Decimal(500), Decimal(0), Decimal(500)]
    assert result.table("by-strand").footer == ["Total", Decimal(1200), Decimal(200), Decimal(1000)]

    by_month = rows_by_label(result.table("by-month"))
    assert by_month["September 2020"] == [Decimal(400), Decimal(200), Decimal(200)]
    assert by_month["October 2020"] == [Decimal(500), Decimal(0), Decimal(500)]
    assert by_month["January 2021"] == [Decimal(300), Decimal(0), Decimal(300)]
    assert by_month["August 2021"] == [Decimal(0), Decimal(0), Decimal(0)]

    assert rows_by_label(result.table("by-la")) == {
        "Rowanshire": [Decimal(1200), Decimal(200), Decimal(1000)]
    }


def test_an_invoice_on_31_august_is_the_year_before(scenario):
    result = services.income(filters_for("income", year="2019/20", la="R01"))
    assert rows_by_label(result.table("by-month"))["August 2020"] == [
        Decimal(100),
        Decimal(0),
        Decimal(100),
    ]
    assert result.table("by-strand").footer[3] == Decimal(100)


def test_income_strand_filter_keeps_that_strands_lines(scenario):
    w = scenario
    result = services.income(
        filters_for("income", year="2020/21", la="R01", strand=w.strands[1].slug)
    )
    assert [row[0] for row in result.table("by-strand").rows] == [w.strands[1].title]
    assert result.table("by-strand").footer[3] == Decimal(300)


def test_invoiced_against_paid_by_month_of_issue(scenario):
    result = services.income(filters_for("income", year="2020/21", la="R01"))
    paid = rows_by_label(result.table("invoiced-paid"))
    # invoices, invoiced, credit notes, paid, outstanding
    assert paid["September 2020"] == [1, Decimal(480), Decimal(240), Decimal(240), Decimal(0)]
    assert paid["October 2020"] == [1, Decimal(600), Decimal(0), Decimal(0), Decimal(600)]
    assert paid["January 2021"] == [1, Decimal(300), Decimal(0), Decimal(300), Decimal(0)]
    assert result.table("invoiced-paid").footer[5] == Decimal(600)


def test_forecast_counts_confirmed_places_on_runs_still_to_come(world):
    from datetime import timedelta

    from django.utils import timezone

    w = world
    la = w.la("R03", "Forecastshire")
    school = w.school("Gorse Primary", la)
    soon = w.run(w.course_a, timezone.now() + timedelta(days=30))
    places = w.places(soon, school, 2, "confirmed")
    w.places(soon, school, 1, "pending_approval")
    w.places(soon, school, 1, "cancelled")
    w.invoice(school, timezone.localdate(), [(places[0], Decimal(200), Decimal(40))])

    result = services.income(filters_for("income", la="R03"))
    forecast = result.table("forecast")
    assert forecast.footer == ["Total", 2, Decimal(400), Decimal(200), Decimal(200)]


# --- buy-in ------------------------------------------------------------------------------


def test_buy_in_is_the_share_of_open_schools_that_bought(scenario):
    result = services.buy_in(filters_for("buy-in", year="2020/21", la="R01"))
    headline = {label: value for label, value, _ in result.headline}
    assert headline["Open schools"] == 4  # Elm is closed; Damson, closing, is still open
    assert headline["Bought in (a place or a package)"] == 2  # Ash and Cedar
    assert headline["Buy-in"] == 50.0
    assert rows_by_label(result.table("by-la")) == {"Rowanshire": [4, 2, 50.0]}
    consortium = rows_by_label(result.table("by-consortium"))["Reports consortium"]
    assert consortium[:2] == [3, 2]
    assert consortium[2] == pytest.approx(66.67, abs=0.01)
    assert rows_by_label(result.table("by-phase")) == {
        "Primary": [2, 1, 50.0],
        "Secondary": [2, 1, 50.0],
    }
    assert [row[0] for row in result.table("not-bought").rows] == ["Beech Primary", "Damson High"]


def test_buy_in_trend_puts_31_august_in_the_year_before(scenario):
    result = services.buy_in(filters_for("buy-in", year="2020/21", la="R01"))
    trend = rows_by_label(result.table("trend"))
    assert list(trend) == ["2016/17", "2017/18", "2018/19", "2019/20", "2020/21"]
    assert trend["2019/20"] == [1, 25.0]  # Beech, on the run of 31 August
    assert trend["2020/21"] == [2, 50.0]


def test_partner_las_only_without_an_la_filter(scenario):
    result = services.buy_in(filters_for("buy-in", year="2020/21"))
    names = [row[0] for row in result.table("by-la").rows]
    assert "Rowanshire" in names and "Reedham" not in names


# --- fill rates and demand ---------------------------------------------------------------


def test_fill_rates_per_run_and_strand(scenario):
    w = scenario
    result = services.fill_rates(filters_for("fill-rates", year="2020/21"))
    by_run = {row[0]: row[4:] for row in result.table("by-run").rows}
    # capacity, booked, attended, no-shows, waiting, fill
    assert by_run[w.run_sep.reference] == [10, 3, 2, 1, 2, 30.0]
    assert by_run[w.run_jan.reference] == [5, 5, 4, 0, 3, 100.0]
    assert w.run_aug.reference not in by_run  # 31 August: the year before
    strands = rows_by_label(result.table("by-strand"))
    assert strands[w.strands[0].title] == [10, 3, 2, 1, 2, 30.0]


def test_fill_rates_for_one_la_count_its_places_only(scenario):
    w = scenario
    result = services.fill_rates(filters_for("fill-rates", year="2020/21", la="R02"))
    by_run = {row[0]: row[4:] for row in result.table("by-run").rows}
    assert by_run[w.run_jan.reference] == [5, 1, 1, 0, 0, 20.0]


def test_runs_below_minimum_numbers_soon_are_flagged(world):
    from datetime import timedelta

    from django.utils import timezone

    w = world
    la = w.la("R04", "Flagshire")
    school = w.school("Holly Primary", la)
    now = timezone.now()
    thin = w.run(w.course_a, now + timedelta(days=5), capacity=10)
    w.places(thin, school, 2, "confirmed")
    small = w.run(w.course_a, now + timedelta(days=6), capacity=3)  # minimum capped at 3
    w.places(small, school, 2, "confirmed")
    full_small = w.run(w.course_a, now + timedelta(days=6), capacity=2)
    w.places(full_small, school, 2, "confirmed")
    later = w.run(w.course_a, now + timedelta(days=30), capacity=10)

    result = services.fill_rates(filters_for("fill-rates", minimum="8", days="14"))
    flagged = {row[0]: row[3:] for row in result.table("below-minimum").rows}
    assert flagged[thin.reference] == [10, 8, 2, 6]
    assert flagged[small.reference] == [3, 3, 2, 1]
    assert full_small.reference not in flagged
    assert later.reference not in flagged
    assert later.reference in {
        row[0]
        for row in services.fill_rates(filters_for("fill-rates", days="31"))
        .table("below-minimum")
        .rows
    }


def test_a_runs_own_minimum_overrides_the_reports(world):
    from datetime import timedelta

    from django.utils import timezone

    w = world
    school = w.school("Rowan Primary", w.la("R05", "Minshire"))
    now = timezone.now()
    demanding = w.run(w.course_a, now + timedelta(days=5), capacity=20)
    demanding.minimum_places = 12
    demanding.save()
    w.places(demanding, school, 10, "confirmed")  # above the report's 8, below its own 12
    relaxed = w.run(w.course_a, now + timedelta(days=5), capacity=20)
    relaxed.minimum_places = 4
    relaxed.save()
    w.places(relaxed, school, 5, "confirmed")  # below the report's 8, above its own 4

    result = services.fill_rates(filters_for("fill-rates", minimum="8", days="14"))
    flagged = {row[0]: row[3:] for row in result.table("below-minimum").rows}
    assert flagged[demanding.reference] == [20, 12, 10, 2]
    assert relaxed.reference not in flagged


def test_the_database_refuses_a_minimum_of_nothing(world):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    run = world.run(world.course_a, timezone.now(), capacity=5)
    run.minimum_places = 0
    with pytest.raises(IntegrityError), transaction.atomic():
        run.save()


def test_demand_lists_courses_with_waiting_lists_over_the_threshold(scenario):
    w = scenario
    result = services.demand(filters_for("demand", year="2020/21", waiting="2"))
    rows = rows_by_label(result.table("demand"))
    assert list(rows) == [w.course_b.title]  # 3 waiting; course A has 2, not more than 2
    assert rows[w.course_b.title][1:4] == [3, 1, 1]
    assert "Schedule another run" in rows[w.course_b.title][-1]
    assert (
        services.demand(filters_for("demand", year="2020/21", waiting="3")).table("demand").rows
        == []
    )


def test_a_cpd_leads_group_on_a_waiting_list_counts_each_colleague(scenario):
    """Course A has 2 waiting alone; a lead's group of 3 on the same run makes 5 people, so it
    is now over a threshold of 4."""
    from bookings.models import WaitingListEntry

    w = scenario
    WaitingListEntry.objects.create(
        run=w.run_sep, person=w.booker, school=w.ash, added_by=w.booker, is_group=True, places=3
    )
    rows = rows_by_label(
        services.demand(filters_for("demand", year="2020/21", waiting="4")).table("demand")
    )
    assert rows[w.run_sep.course.title][1] == 5


# --- evaluation --------------------------------------------------------------------------


def test_average_ratings_by_strand_course_and_facilitator(scenario):
    w = scenario
    result = services.evaluation(filters_for("evaluation", year="2020/21", la="R01"))
    two = Decimal("0.01")
    strands = rows_by_label(result.table("by-strand"))
    assert strands[w.strands[0].title] == [
        2, Decimal("4.50"), Decimal("5.00"), Decimal("4.00"), Decimal("4.50")
    ]  # fmt: skip
    assert strands[w.strands[1].title] == [
        1, Decimal("2.00"), Decimal("3.00"), Decimal("4.00"), Decimal("3.00")
    ]  # fmt: skip
    courses = rows_by_label(result.table("by-course"))
    assert courses[w.course_a.title][0] == 2
    facilitators = rows_by_label(result.table("by-facilitator"))
    # Facilitator One led run SEP; Two leads course B, whose run names nobody.
    assert facilitators["Reports Facilitator One"][3] == Decimal("4.00").quantize(two)
    assert facilitators["Reports Facilitator Two"] == [
        1, Decimal("2.00"), Decimal("3.00"), Decimal("4.00"), Decimal("3.00")
    ]  # fmt: skip
    comments = [row[3] for row in result.table("comments").rows]
    assert comments == ["Too fast.", "Practical and clear."]  # latest first


def test_impact_follow_up_summary(scenario):
    w = scenario
    result = services.evaluation(filters_for("evaluation", year="2020/21", la="R01"))
    impact = rows_by_label(result.table("impact"))
    assert impact[w.strands[0].title] == [2, 1, 50.0, 0, 0.0]
    answers = result.table("impact-answers").rows
    assert [row[2] for row in answers] == ["I use exit tickets daily."]
