"""Working days in Korea: weekends and public holidays do not count (core/workdays.py)."""

from datetime import date, datetime

import pytest

from kbridge.core.workdays import KST, add_working_days, is_working_day, working_days_left


def test_chuseok_and_weekends_are_skipped():
    # Friday 18 September 2026; 추석 is 24–26 September.
    announced = datetime(2026, 9, 18, 10, 0, tzinfo=KST)
    assert add_working_days(announced, 3) == datetime(2026, 9, 23, 23, 59, 59, tzinfo=KST)
    assert add_working_days(announced, 4) == datetime(2026, 9, 28, 23, 59, 59, tzinfo=KST)
    assert add_working_days(announced, 7) == datetime(2026, 10, 1, 23, 59, 59, tzinfo=KST)


def test_the_day_is_the_korean_day_not_the_utc_day():
    # 23:30 UTC on Sunday is already Monday 08:30 in Seoul: one working day ends Tuesday.
    from datetime import UTC

    late_sunday_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert add_working_days(late_sunday_utc, 1).date() == date(2026, 12, 1)


def test_holidays_and_weekends():
    assert not is_working_day(date(2026, 10, 9))   # 한글날
    assert not is_working_day(date(2026, 12, 25))  # 성탄절
    assert not is_working_day(date(2026, 12, 5))   # Saturday
    assert is_working_day(date(2026, 12, 1))


def test_days_left_and_bad_input():
    now = datetime(2026, 9, 18, 10, 0, tzinfo=KST)
    assert working_days_left(now, add_working_days(now, 7)) == 7
    assert working_days_left(now, now) == 0
    with pytest.raises(ValueError):
        add_working_days(now, 0)
