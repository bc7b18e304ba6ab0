"""Working days in Korea: weekends and South Korean public holidays excluded.

Deadlines counted in working days (a waitlist offer's answer, an appeal window) are counted
on the Korean calendar whatever the server's time zone: the days are KST dates, and a day is
a working day when it is Monday to Friday and not a public holiday of South Korea in the
``holidays`` package (``holidays.country_holidays("KR")``: the statutory holidays, the lunar
ones — 설날, 추석, 부처님오신날 — and the substitute holidays 대체공휴일, election days
included).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from kbridge.core.i18n import KST


@lru_cache(maxsize=64)
def _korean_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("KR", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a South Korean public holiday."""
    return day.weekday() < 5 and day not in _korean_holidays(day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` moved forward by ``days`` working days, at the same KST time of day.

    ``start`` must be aware (UTC or any zone); the result is aware, in KST. The days counted
    are the KST dates after ``start``'s that are working days (:func:`is_working_day`), so an
    offer made on Friday 17:00 KST with 3 working days is due Wednesday 17:00 KST, and one made
    on a holiday counts from the next working day. ``days`` = 0 returns ``start`` (in KST).
    Errors: ``ValueError`` for a naive ``start`` or a negative ``days``.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("add_working_days needs an aware datetime")
    if days < 0:
        raise ValueError(f"days must be >= 0; got {days}")
    local = start.astimezone(KST)
    day = local.date()
    left = days
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return datetime.combine(day, local.timetz()).replace(tzinfo=KST)
