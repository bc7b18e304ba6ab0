"""The slot-window search used for holes at event scale."""

from __future__ import annotations

import time

from kbridge.engine.scheduling import SolveOptions, greedy_schedule, solve_meetings
from kbridge.engine.scheduling.generate import random_meeting_instance
from kbridge.engine.scheduling.holes import improve_holes
from kbridge.engine.scheduling.meetings import EXACT_HOLES_LIMIT, _decode
from kbridge.engine.scheduling.metrics import placed_weight, total_holes, violations

INSTANCE = random_meeting_instance(
    participants=250, meetings=700, slots=10, tables=40, reserved_tables=4, sessions=2, seed=5
)


def test_improving_holes_keeps_the_meetings_and_the_rules():
    index = {m.id: i for i, m in enumerate(INSTANCE.meetings)}
    tables = INSTANCE.table_map()
    start = {
        index[p.meeting_id]: (p.slot, p.table_id if tables[p.table_id].reserved_for else None)
        for p in greedy_schedule(INSTANCE)
    }
    before = _decode(INSTANCE, start, {})
    after_assignment = improve_holes(INSTANCE, start, set(), time.perf_counter() + 1.0, seed=1)
    after = _decode(INSTANCE, after_assignment, {})
    assert violations(INSTANCE, after) == []
    assert sorted(p.meeting_id for p in after) == sorted(p.meeting_id for p in before)
    assert total_holes(INSTANCE, after) <= total_holes(INSTANCE, before)


def test_fixed_meetings_do_not_move():
    index = {m.id: i for i, m in enumerate(INSTANCE.meetings)}
    tables = INSTANCE.table_map()
    start = {
        index[p.meeting_id]: (p.slot, p.table_id if tables[p.table_id].reserved_for else None)
        for p in greedy_schedule(INSTANCE)
    }
    fixed = set(list(start)[::2])
    after = improve_holes(INSTANCE, start, fixed, time.perf_counter() + 0.5, seed=2)
    assert {i: after[i] for i in fixed} == {i: start[i] for i in fixed}


def test_large_events_use_the_search_and_stay_optimal_in_what_they_place():
    options = SolveOptions(time_limit=5.0, workers=2)
    schedule = solve_meetings(INSTANCE, options)
    assert len(schedule.placements) > EXACT_HOLES_LIMIT
    assert schedule.stages[-1].solver == "cp-sat-lns"
    assert schedule.stages[0].optimal
    assert violations(INSTANCE, schedule.placements) == []
    assert placed_weight(INSTANCE, schedule.placements) == schedule.weight_bound
    assert schedule.holes <= total_holes(INSTANCE, greedy_schedule(INSTANCE))


def test_each_window_step_reports_exactly_whether_holes_went_down():
    import random

    from kbridge.engine.scheduling.holes import _improve_window, _sessions

    instance = random_meeting_instance(
        participants=60, meetings=200, slots=8, tables=12, reserved_tables=2, sessions=2, seed=4
    )
    index = {m.id: i for i, m in enumerate(instance.meetings)}
    tables = instance.table_map()
    current = {
        index[p.meeting_id]: (p.slot, p.table_id if tables[p.table_id].reserved_for else None)
        for p in greedy_schedule(instance)
    }
    general = sum(1 for t in instance.tables if not t.reserved_for)
    rng = random.Random(0)
    holes = total_holes(instance, _decode(instance, current, {}))
    for _ in range(40):
        chosen = set(rng.sample(range(8), rng.choice((2, 3))))
        improved = _improve_window(
            instance,
            current,
            set(),
            chosen,
            tables,
            general,
            time.perf_counter() + 5,
            instance.meetings,
            1.0,
            _sessions(instance),
        )
        after = total_holes(instance, _decode(instance, current, {}))
        assert (improved, after <= holes) == (after < holes, True)
        holes = after
    assert violations(instance, _decode(instance, current, {})) == []


def test_a_tiny_time_limit_still_returns_at_least_the_greedy_schedule():
    schedule = solve_meetings(INSTANCE, SolveOptions(time_limit=0.05, workers=1))
    greedy = greedy_schedule(INSTANCE)
    assert violations(INSTANCE, schedule.placements) == []
    assert placed_weight(INSTANCE, schedule.placements) >= placed_weight(INSTANCE, greedy)
