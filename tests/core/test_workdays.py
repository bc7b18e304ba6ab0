"""Working days on the Korean calendar (weekends and South Korean public holidays excluded)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kbridge.core.i18n import KST
from kbridge.core.workdays import add_working_days, is_working_day


def test_a_friday_offer_with_three_working_days_is_due_on_wednesday_same_time():
    friday = datetime(2026, 12, 4, 17, 0, tzinfo=KST)
    assert add_working_days(friday, 3) == datetime(2026, 12, 9, 17, 0, tzinfo=KST)


def test_chuseok_and_the_weekend_are_skipped():
    # 2026-09-24..26 is Chuseok (Thu–Sat), 27 a Sunday: the next working day is Monday 28.
    assert add_working_days(datetime(2026, 9, 23, 10, 0, tzinfo=KST), 1) == datetime(
        2026, 9, 28, 10, 0, tzinfo=KST)


def test_substitute_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 3, 2))  # 삼일절 fell on a Sunday
    assert not is_working_day(date(2026, 10, 5))  # 개천절 fell on a Saturday
    assert is_working_day(date(2026, 10, 6))


def test_days_are_counted_on_kst_dates_whatever_the_zone_given():
    # 16:00 UTC on Friday is 01:00 KST on Saturday: counting starts from Saturday's date.
    start = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    assert add_working_days(start, 1) == datetime(2026, 12, 7, 1, 0, tzinfo=KST)
    assert add_working_days(start, 0) == start


def test_naive_datetimes_and_negative_days_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add_working_days(datetime(2026, 12, 4, 9, 0), 1)
    with pytest.raises(ValueError, match="days"):
        add_working_days(datetime(2026, 12, 4, 9, 0, tzinfo=KST), -1)
