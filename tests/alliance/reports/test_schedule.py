"""The report schedule an agreement sets (alliance/report_schedule.py): pure dates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbridge.alliance.report_schedule import (
    FINAL_REPORT_DAYS,
    KST,
    OUTCOME_YEARS,
    REPORT_LEAD_DAYS,
    add_years,
    plan_reports,
    reminder_due,
    reminder_moment,
)

D = dt.date


def test_a_two_tranche_agreement_gets_an_interim_a_final_and_annual_outcome_reports():
    plan = plan_reports(D(2027, 1, 1), D(2027, 10, 31), [D(2027, 1, 1), D(2027, 6, 1)])

    assert [(p.sequence, p.kind, p.unlocks_tranche) for p in plan] == [
        (1, "interim", 2), (2, "final", None),
        *[(2 + y, "outcome", None) for y in range(1, OUTCOME_YEARS + 1)]]
    interim, final, first_year = plan[0], plan[1], plan[2]
    # Due two weeks before the tranche, covering the agreement's start until the day before.
    assert interim.due_on == D(2027, 6, 1) - dt.timedelta(days=REPORT_LEAD_DAYS) == D(2027, 5, 18)
    assert (interim.period_starts_on, interim.period_ends_on) == (D(2027, 1, 1), D(2027, 5, 17))
    # The final report: the rest of the agreement, due 30 days after it ends.
    assert (final.period_starts_on, final.period_ends_on) == (D(2027, 5, 18), D(2027, 10, 31))
    assert final.due_on == D(2027, 11, 30) == D(2027, 10, 31) + dt.timedelta(FINAL_REPORT_DAYS)
    # Each outcome year starts the day after the agreement (or the previous year) ends.
    assert (first_year.period_starts_on, first_year.period_ends_on) == (D(2027, 11, 1),
                                                                       D(2028, 10, 31))
    assert plan[-1].period_ends_on == D(2027 + OUTCOME_YEARS, 10, 31)


def test_one_tranche_means_no_interim_report():
    plan = plan_reports(D(2027, 1, 1), D(2027, 10, 31), [D(2027, 1, 1)])
    assert [p.kind for p in plan] == ["final"] + ["outcome"] * OUTCOME_YEARS
    assert plan[0].period_starts_on == D(2027, 1, 1)


def test_a_tranche_too_soon_after_the_previous_report_is_still_preceded_by_its_report():
    # Tranches 2 and 3 a day apart, tranche 2 on the first day: each report covers at least
    # one day and is due before (or on) nothing earlier than the previous one.
    plan = plan_reports(D(2027, 1, 1), D(2027, 10, 31),
                        [D(2027, 1, 1), D(2027, 1, 1), D(2027, 3, 2), D(2027, 3, 3)])
    interims = [p for p in plan if p.kind == "interim"]
    assert [p.unlocks_tranche for p in interims] == [2, 3, 4]
    assert interims[0].due_on == D(2027, 1, 2)
    assert interims[1].due_on == D(2027, 2, 16)
    assert interims[2].due_on == D(2027, 2, 17)


@settings(max_examples=60, deadline=None)
@given(start=st.dates(D(2024, 1, 1), D(2030, 12, 31)), days=st.integers(1, 1000),
       offsets=st.lists(st.integers(0, 1000), max_size=5))
def test_periods_follow_each_other_without_gap_or_overlap(start, days, offsets):
    end = start + dt.timedelta(days=days)
    tranche_dates = [start] + [min(start + dt.timedelta(days=o), end) for o in offsets]
    plan = plan_reports(start, end, tranche_dates)

    assert plan[0].period_starts_on == start
    for before, after in zip(plan, plan[1:], strict=False):
        assert after.period_starts_on == before.period_ends_on + dt.timedelta(days=1)
        assert after.due_on > before.due_on
    for p in plan:
        assert p.period_starts_on <= p.period_ends_on < p.due_on
    assert [p.sequence for p in plan] == list(range(1, len(plan) + 1))
    assert [p.unlocks_tranche for p in plan if p.kind == "interim"] == list(
        range(2, len(tranche_dates) + 1))


def test_an_agreement_that_does_not_end_after_it_starts_is_refused():
    with pytest.raises(ValueError):
        plan_reports(D(2027, 1, 1), D(2027, 1, 1), [D(2027, 1, 1)])


def test_years_from_29_february_land_on_28_february():
    assert add_years(D(2028, 2, 29), 1) == D(2029, 2, 28)
    assert add_years(D(2028, 2, 29), 4) == D(2032, 2, 29)


def at(y, m, d, h=0, minute=0):
    return dt.datetime(y, m, d, h, minute, tzinfo=KST)


def test_reminders_go_out_at_nine_in_the_morning_kst_30_and_14_days_before():
    due = D(2027, 5, 31)
    assert reminder_moment(due, 30) == at(2027, 5, 1, 9)
    assert reminder_moment(due, 14) == at(2027, 5, 17, 9)
    assert reminder_due(due, at(2027, 5, 1, 8, 59)) is None
    assert reminder_due(due, at(2027, 5, 1, 9)) == 30
    assert reminder_due(due, at(2027, 5, 17, 8, 59)) == 30
    assert reminder_due(due, at(2027, 5, 17, 9)) == 14
    assert reminder_due(due, at(2027, 5, 31, 23, 59)) == 14
    # After the due day: overdue, no more reminders.
    assert reminder_due(due, at(2027, 6, 1, 0)) is None
    # In UTC: 00:00 UTC on 1 May is 09:00 KST.
    assert reminder_due(due, dt.datetime(2027, 5, 1, 0, tzinfo=dt.UTC)) == 30
