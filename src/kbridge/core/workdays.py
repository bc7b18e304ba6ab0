"""Working days in Korea: weekends and public holidays (공휴일) excluded.

Deadlines counted in working days (the appeal window, the time to accept a waitlist offer or
an agreement) end at 23:59:59 KST of the last working day, so a person always has whole days.
Holidays, substitute holidays (대체공휴일) included, come from the ``holidays`` package's
South Korea calendar (``holidays.country_holidays("KR")``); election days it does not know in
advance are not counted as holidays.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

KST = ZoneInfo("Asia/Seoul")


@lru_cache(maxsize=16)
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KR", years=[year])


def is_working_day(day: date) -> bool:
    """Monday–Friday and not a Korean public holiday."""
    return day.weekday() < 5 and day not in _calendar(day.year)


def holiday_name(day: date) -> str | None:
    """The holiday's name (in the ``holidays`` package's language) or None."""
    return _calendar(day.year).get(day)


def add_working_days(start: datetime, days: int) -> datetime:
    """The end (23:59:59 KST, as an aware datetime) of the ``days``-th working day after the
    KST day of ``start``. ``days`` >= 1; ValueError otherwise. Example: announced on Friday
    2026-09-18, 7 working days skip the weekends and 추석 (2026-09-24–26) and end on
    Thursday 2026-10-01 23:59:59 KST."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day = start.astimezone(KST).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=KST)


def working_days_left(now: datetime, until: datetime) -> int:
    """Working days from the KST day after ``now`` through the KST day of ``until`` (0 when
    ``until`` is today or past)."""
    day, end = now.astimezone(KST).date(), until.astimezone(KST).date()
    count = 0
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
