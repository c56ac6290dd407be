"""Times and months as people read them (core.wording and the `wording` tag library)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from core.wording import clock, month_name


@pytest.mark.parametrize(
    ("when", "shown"),
    [
        (dt.time(9, 30), "9:30am"),
        (dt.time(14, 0), "2pm"),
        (dt.time(15, 45), "3:45pm"),
        (dt.time(12, 0), "midday"),
        (dt.time(12, 30), "12:30pm"),
        (dt.time(0, 0), "midnight"),
        (dt.time(0, 15), "12:15am"),
        (dt.time(9, 5), "9:05am"),
        (None, ""),
    ],
)
def test_a_time_reads_like_9_30am_or_2pm(when, shown):
    assert clock(when) == shown


def test_an_aware_time_is_shown_in_uk_time():
    summer = dt.datetime(2026, 6, 10, 8, 30, tzinfo=dt.UTC)  # 9:30am in London (BST)
    assert clock(summer) == "9:30am"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("2026-12", "December 2026"), (dt.date(2027, 1, 15), "January 2027"), ("", "")],
)
def test_a_month_reads_like_december_2026(value, shown):
    assert month_name(value) == shown


def test_the_template_filters_never_print_a_m_or_p_m():
    starts = dt.datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    ends = dt.datetime(2026, 12, 1, 14, 0, tzinfo=ZoneInfo("Europe/London"))
    html = Template(
        "{% load wording %}{{ starts|clock }} to {{ ends|clock }}, {{ period|month }}"
    ).render(Context({"starts": starts, "ends": ends, "period": "2026-12"}))
    assert html == "9:30am to 2pm, December 2026"
