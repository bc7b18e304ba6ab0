"""When milestone reports are due: pure date arithmetic (standard library only), tested on its
own (tests/alliance/reports/test_schedule.py). The service that stores the plan is
``alliance.services.reports.schedule_reports``.

An agreement (협약) running ``starts_on`` – ``ends_on`` with funding tranches paid on
``tranche_dates`` (sorted; the first is paid at signing) gets, in this order:

* **interim reports**, one before each tranche after the first: due ``REPORT_LEAD_DAYS``
  days before the tranche's date, covering the days since the previous report's period
  (the first from ``starts_on``) until the day before it is due; the tranche is held until
  it is approved (``unlocks_tranche``);
* a **final report** for the rest of the agreement, due ``FINAL_REPORT_DAYS`` days after
  ``ends_on``;
* **annual outcome reports** for ``OUTCOME_YEARS`` years after the agreement, each covering
  one year from the day after ``ends_on`` and due ``FINAL_REPORT_DAYS`` days after its year
  ends: jobs, follow-on investment and overseas revenue keep coming after the funding stops,
  and the ministry counts them (docs/alliance.md, "Milestone reports").

Reminders go out ``REMINDER_DAYS`` (30 and 14) days before ``due_on``, from
``REMINDER_HOUR`` o'clock KST that day (:func:`reminder_due`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Days an interim report is due before the tranche it releases: two weeks for the operator
#: to review it (and the startup to fix a returned one) before the payment date.
REPORT_LEAD_DAYS = 14
#: Days after a period ends that its final or annual outcome report is due.
FINAL_REPORT_DAYS = 30
#: Years of annual outcome reports after the agreement ends (see docs/alliance.md).
OUTCOME_YEARS = 3
#: Days before ``due_on`` that a reminder goes out, earliest first.
REMINDER_DAYS = (30, 14)
#: The hour (KST) reminders go out on their day: office hours, not midnight.
REMINDER_HOUR = 9
KST = dt.timezone(dt.timedelta(hours=9), "KST")

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class PlannedReport:
    """One report of the plan: ``kind`` is ``"interim"``, ``"final"`` or ``"outcome"``;
    ``unlocks_tranche`` the tranche number (1 = first) it releases, None for the others."""

    sequence: int
    kind: str
    period_starts_on: dt.date
    period_ends_on: dt.date
    due_on: dt.date
    unlocks_tranche: int | None


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` moved by whole years (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def plan_reports(starts_on: dt.date, ends_on: dt.date,
                 tranche_dates: list[dt.date]) -> list[PlannedReport]:
    """The reports of an agreement, numbered from 1 in due order (see the module doc).

    Each period lasts at least one day and starts the day after the previous one ends, so the
    periods cover ``starts_on`` to the end of the last outcome year without gap or overlap.
    An interim report whose tranche comes too soon after the previous report (less than
    ``REPORT_LEAD_DAYS`` + 1 days) is due the day after the previous period ends, still before
    its tranche is released. Raises ``ValueError`` when ``ends_on`` is not after
    ``starts_on``.
    """
    if ends_on <= starts_on:
        raise ValueError("the agreement must end after it starts")
    plan: list[PlannedReport] = []
    period_start = starts_on
    for number, paid_on in enumerate(sorted(tranche_dates)[1:], 2):
        due_on = max(paid_on - dt.timedelta(days=REPORT_LEAD_DAYS), period_start + _DAY)
        if due_on > ends_on:  # only when a tranche is paid on the last days of the period
            due_on = max(ends_on, period_start + _DAY)
        plan.append(PlannedReport(len(plan) + 1, "interim", period_start, due_on - _DAY,
                                  due_on, number))
        period_start = due_on
    final_end = max(ends_on, period_start)
    plan.append(PlannedReport(len(plan) + 1, "final", period_start, final_end,
                              final_end + dt.timedelta(days=FINAL_REPORT_DAYS), None))
    previous_end = final_end
    for year in range(1, OUTCOME_YEARS + 1):
        year_end = add_years(ends_on, year)
        if year_end <= previous_end:
            continue  # only when the final period ran a year past ``ends_on``
        plan.append(PlannedReport(len(plan) + 1, "outcome", previous_end + _DAY, year_end,
                                  year_end + dt.timedelta(days=FINAL_REPORT_DAYS), None))
        previous_end = year_end
    return plan


def reminder_moment(due_on: dt.date, days_before: int) -> dt.datetime:
    """When the reminder ``days_before`` days before ``due_on`` goes out (aware, KST)."""
    day = due_on - dt.timedelta(days=days_before)
    return dt.datetime(day.year, day.month, day.day, REMINDER_HOUR, tzinfo=KST)


def reminder_due(due_on: dt.date, now: dt.datetime) -> int | None:
    """Which reminder is due at ``now`` (aware) for a report due on ``due_on``: 14 from its
    moment until the end of ``due_on``, 30 from its moment until the 14-day one, None
    before the first and after ``due_on`` (an overdue report is the operator's to chase)."""
    if now.astimezone(KST).date() > due_on:
        return None
    for days in sorted(REMINDER_DAYS):
        if now >= reminder_moment(due_on, days):
            return days
    return None
