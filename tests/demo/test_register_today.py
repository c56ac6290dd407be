"""The demo's open register has its last session today, whatever the weekday (README: a
facilitator can take a register today); past sessions fall on school days."""

import datetime as dt
from unittest import mock

import pytest

from demo import bookings as demo_bookings

WEEK = [dt.date(2026, 11, 30) + dt.timedelta(days=n) for n in range(7)]  # Monday to Sunday


@pytest.mark.parametrize("today", WEEK, ids=lambda d: d.strftime("%A"))
def test_the_open_registers_session_is_today_on_every_weekday(today):
    with mock.patch.object(demo_bookings.timezone, "localdate", return_value=today):
        assert demo_bookings._school_day_ago(0) == today


def test_past_sessions_fall_on_school_days():
    sunday = WEEK[6]
    with mock.patch.object(demo_bookings.timezone, "localdate", return_value=sunday):
        assert demo_bookings._school_day_ago(14) == dt.date(2026, 11, 20)  # Sunday 22nd → Fri
        assert demo_bookings._school_day_ago(1) == dt.date(2026, 12, 4)  # Saturday → Friday
