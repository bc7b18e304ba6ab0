"""The 1:1 meeting scheduler: optimality against brute force, hard rules, re-runs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from kbridge.engine.scheduling import (
    Meeting,
    MeetingInstance,
    Participant,
    Placement,
    Priority,
    SchedulingError,
    SolveOptions,
    Table,
    greedy_schedule,
    reschedule,
    solve_meetings,
)
from kbridge.engine.scheduling.metrics import (
    covered_participants,
    holes_per_participant,
    objective_vector,
    total_holes,
    violations,
)

from .bruteforce import best
from .strategies import small_instances

FAST = SolveOptions(time_limit=10.0, workers=1)


def people(*ids: str, **available: set[int]) -> tuple[Participant, ...]:
    return tuple(
        Participant(i, available=frozenset(available[i]) if i in available else None) for i in ids
    )


def tables(n: int) -> tuple[Table, ...]:
    return tuple(Table(f"t{i}") for i in range(n))


def test_places_everything_that_fits_without_double_booking():
    instance = MeetingInstance(
        n_slots=3,
        participants=people("acme", "s1", "s2", "s3"),
        meetings=(
            Meeting("m1", ("s1", "acme")),
            Meeting("m2", ("s2", "acme")),
            Meeting("m3", ("s3", "acme")),
        ),
        tables=tables(1),
    )
    schedule = solve_meetings(instance, FAST)
    assert sorted(p.slot for p in schedule.placements) == [0, 1, 2]
    assert schedule.unplaced == ()
    assert violations(instance, schedule.placements) == []
    assert schedule.optimal
    assert schedule.gap == 0.0


@settings(max_examples=60, derandomize=True, deadline=None)
@given(small_instances())
def test_equals_the_exhaustive_optimum(instance):
    expected = best(instance, FAST)
    if expected is None:
        with pytest.raises(SchedulingError):
            solve_meetings(instance, FAST)
        return
    schedule = solve_meetings(instance, FAST)
    assert violations(instance, schedule.placements) == []
    assert schedule.optimal
    assert objective_vector(instance, schedule.placements, FAST) == expected
    assert schedule.placed_weight == expected[0]
    assert schedule.holes == -expected[2]


@settings(max_examples=40, derandomize=True, deadline=None)
@given(small_instances())
def test_greedy_is_feasible_and_never_better_than_optimal(instance):
    if best(instance, FAST) is None:
        return
    greedy = greedy_schedule(instance)
    ours = solve_meetings(instance, FAST)
    if any(m.locked for m in instance.meetings) and len(greedy) < sum(
        m.locked for m in instance.meetings
    ):
        return  # greedy gave up on a locked meeting it could not seat; the solver did not
    assert violations(instance, greedy) == []
    assert objective_vector(instance, greedy, FAST) <= objective_vector(
        instance, ours.placements, FAST
    )


def test_availability_is_respected():
    instance = MeetingInstance(
        n_slots=4,
        participants=people("acme", "s1", acme={2, 3}, s1={0, 1, 2}),
        meetings=(Meeting("m1", ("s1", "acme")),),
        tables=tables(1),
    )
    assert solve_meetings(instance, FAST).placements == (Placement("m1", 2, "t0"),)


def test_a_long_meeting_needs_consecutive_free_slots_in_one_session():
    instance = MeetingInstance(
        n_slots=4,
        participants=people("acme", "s1"),
        meetings=(Meeting("m1", ("s1", "acme"), length=2),),
        tables=tables(1),
        sessions=(0, 0, 0, 1),
        breaks=frozenset({1}),
    )
    # Slots 0-1 cross the break, 2-3 cross the session boundary: nothing fits.
    schedule = solve_meetings(instance, FAST)
    assert schedule.placements == ()
    assert [e.code for e in schedule.explanations] == ["no_common_slot"]


def test_must_meets_come_before_meets():
    instance = MeetingInstance(
        n_slots=1,
        participants=people("acme", "s1", "s2"),
        meetings=(
            Meeting("casual", ("s1", "acme")),
            Meeting("important", ("s2", "acme"), Priority.MUST_MEET),
        ),
        tables=tables(1),
    )
    schedule = solve_meetings(instance, FAST)
    assert [p.meeting_id for p in schedule.placements] == ["important"]
    assert schedule.placed_weight == 10


def test_nobody_is_left_without_a_meeting_when_one_fits():
    # Two table-slots, three requests of equal weight: placing a1 and a2 would leave d and e
    # with nothing although their meeting fits.
    instance = MeetingInstance(
        n_slots=2,
        participants=people("a", "b", "c", "d", "e"),
        meetings=(
            Meeting("a1", ("a", "b")),
            Meeting("a2", ("a", "c")),
            Meeting("de", ("d", "e")),
        ),
        tables=tables(1),
    )
    schedule = solve_meetings(instance, FAST)
    assert "de" in {p.meeting_id for p in schedule.placements}
    assert covered_participants(instance, schedule.placements) == 4


def test_holes_are_minimised_where_greedy_leaves_one():
    # Greedy seats s1 first at slot 0, then s2 can only come at slot 2: acme waits in slot 1.
    instance = MeetingInstance(
        n_slots=3,
        participants=people("acme", "s1", "s2", s2={0, 2}),
        meetings=(Meeting("m1", ("s1", "acme")), Meeting("m2", ("s2", "acme"))),
        tables=tables(1),
    )
    greedy = greedy_schedule(instance)
    ours = solve_meetings(instance, FAST)
    assert holes_per_participant(instance, greedy)["acme"] == 1
    assert total_holes(instance, ours.placements) == 0
    assert ours.holes == 0


def test_unavailable_slots_and_other_sessions_are_not_holes():
    instance = MeetingInstance(
        n_slots=6,
        participants=people("acme", "s1", "s2", "s3", acme={0, 2, 3, 4, 5}),
        meetings=(
            Meeting("m1", ("s1", "acme")),
            Meeting("m2", ("s2", "acme")),
            Meeting("m3", ("s3", "acme")),
        ),
        tables=tables(1),
        sessions=(0, 0, 0, 1, 1, 1),
    )
    placements = [Placement("m1", 0, "t0"), Placement("m2", 2, "t0"), Placement("m3", 5, "t0")]
    # Slot 1: acme is away; slots 3-4 precede acme's only afternoon meeting.
    assert holes_per_participant(instance, placements) == {"acme": 0, "s1": 0, "s2": 0, "s3": 0}


def test_reserved_tables_host_only_their_participants():
    instance = MeetingInstance(
        n_slots=1,
        participants=people("acme", "globex", "s1", "s2"),
        meetings=(Meeting("m1", ("s1", "acme")), Meeting("m2", ("s2", "globex"))),
        tables=(Table("booth", reserved_for=frozenset({"acme"})), Table("t0")),
    )
    schedule = solve_meetings(instance, FAST)
    assert schedule.placement_map() == {
        "m1": Placement("m1", 0, "booth"),
        "m2": Placement("m2", 0, "t0"),
    }


def test_locked_meetings_stay_even_outside_availability():
    instance = MeetingInstance(
        n_slots=3,
        participants=people("acme", "s1", "s2", s1={0}),
        meetings=(
            Meeting("m1", ("s1", "acme"), locked_slot=2, locked_table="t1"),
            Meeting("m2", ("s2", "acme")),
        ),
        tables=tables(2),
    )
    schedule = solve_meetings(instance, FAST)
    assert schedule.placement_map()["m1"] == Placement("m1", 2, "t1")
    assert schedule.warnings == ("locked meeting 'm1' is in slot 2 where 's1' is unavailable",)
    assert violations(instance, schedule.placements) == []


def test_clashing_locks_are_an_input_error():
    instance = MeetingInstance(
        n_slots=2,
        participants=people("acme", "s1", "s2"),
        meetings=(
            Meeting("m1", ("s1", "acme"), locked_slot=0),
            Meeting("m2", ("s2", "acme"), locked_slot=0),
        ),
        tables=tables(2),
    )
    with pytest.raises(SchedulingError, match="both need 'acme' in slot 0"):
        solve_meetings(instance, FAST)


def test_unknown_participant_is_an_input_error():
    instance = MeetingInstance(1, people("acme"), (Meeting("m1", ("acme", "ghost")),), tables(1))
    with pytest.raises(SchedulingError, match="unknown participant 'ghost'"):
        solve_meetings(instance, FAST)


def test_long_meetings_avoid_tables_that_locked_meetings_hold():
    # m2 spans slots 0-1 and m3, m4 hold t0 and t1 in slots 1 and 0: only t2 is free for both
    # slots, although counting tables per slot alone would allow t0 or t1.
    instance = MeetingInstance(
        n_slots=3,
        participants=people("a", "b", "c", "d", "e", "f", "g", "h"),
        meetings=(
            Meeting("m2", ("a", "b"), length=2, locked_slot=0),
            Meeting("m3", ("c", "d"), locked_slot=1, locked_table="t0"),
            Meeting("m4", ("e", "f"), locked_slot=0, locked_table="t1"),
            Meeting("m5", ("g", "h"), length=2),
        ),
        tables=tables(3),
    )
    schedule = solve_meetings(instance, FAST)
    assert schedule.placement_map()["m2"] == Placement("m2", 0, "t2")
    assert schedule.placement_map()["m5"] == Placement("m5", 1, "t1")
    assert violations(instance, schedule.placements) == []


def test_locked_meetings_that_cannot_all_get_tables_are_an_input_error():
    instance = MeetingInstance(
        n_slots=2,
        participants=people("a", "b", "c", "d"),
        meetings=(
            Meeting("m1", ("a", "b"), locked_slot=0),
            Meeting("m2", ("c", "d"), locked_slot=0),
        ),
        tables=tables(1),
    )
    with pytest.raises(SchedulingError):
        solve_meetings(instance, FAST)


def test_rescheduling_with_nothing_changed_moves_nothing():
    instance = MeetingInstance(
        n_slots=4,
        participants=people("acme", "globex", "s1", "s2", "s3", s3={1, 2}),
        meetings=tuple(
            Meeting(f"{s}-{c}", (s, c)) for s in ("s1", "s2", "s3") for c in ("acme", "globex")
        ),
        tables=tables(2),
    )
    first = solve_meetings(instance, FAST)
    again = reschedule(instance, first.placements, FAST)
    assert again.changes is not None
    assert again.changes.moved == ()
    assert again.changes.table_changed == ()
    assert again.placements == first.placements


@settings(max_examples=25, derandomize=True, deadline=None)
@given(small_instances(allow_locks=False))
def test_rescheduling_an_optimal_schedule_moves_nothing(instance):
    first = solve_meetings(instance, FAST)
    again = reschedule(instance, first.placements, FAST)
    assert again.changes is not None
    assert (again.changes.moved, again.changes.added) == ((), ())


def test_a_cancellation_moves_nobody_else_and_is_reported():
    instance = MeetingInstance(
        n_slots=3,
        participants=people("acme", "s1", "s2", "s3"),
        meetings=tuple(Meeting(f"m{i}", (f"s{i}", "acme")) for i in (1, 2, 3)),
        tables=tables(1),
    )
    first = solve_meetings(instance, FAST)
    smaller = MeetingInstance(3, instance.participants, instance.meetings[1:], instance.tables)
    again = reschedule(smaller, first.placements, FAST)
    assert again.changes is not None
    assert again.changes.cancelled == ("m1",)
    assert again.changes.moved == ()
    assert [p for p in first.placements if p.meeting_id != "m1"] == list(again.placements)


def test_a_new_meeting_moves_as_few_as_possible():
    # acme meets s1 in slot 0 and s2 in slot 1; the new must-meet with s3 (free only in slot 0)
    # forces exactly one move: s1 to slot 2.
    participants = people("acme", "s1", "s2", "s3", s3={0})
    before = MeetingInstance(
        3,
        participants,
        (Meeting("m1", ("s1", "acme")), Meeting("m2", ("s2", "acme"))),
        tables(1),
    )
    previous = [Placement("m1", 0, "t0"), Placement("m2", 1, "t0")]
    after = MeetingInstance(
        3,
        participants,
        (*before.meetings, Meeting("m3", ("s3", "acme"), Priority.MUST_MEET)),
        tables(1),
    )
    again = reschedule(after, previous, FAST)
    assert again.changes is not None
    assert [(m.meeting_id, m.before.slot, m.after.slot) for m in again.changes.moved] == [
        ("m1", 0, 2)
    ]
    assert again.changes.added == (Placement("m3", 0, "t0"),)


def test_locked_meetings_never_move_on_a_rerun():
    participants = people("acme", "s1", "s2", s2={0})
    instance = MeetingInstance(
        2,
        participants,
        (
            Meeting("m1", ("s1", "acme"), locked_slot=0),
            Meeting("m2", ("s2", "acme"), Priority.MUST_MEET),
        ),
        tables(1),
    )
    again = reschedule(instance, [Placement("m1", 0, "t0")], FAST)
    assert again.placement_map()["m1"] == Placement("m1", 0, "t0")
    assert again.unplaced == ("m2",)
    assert again.changes is not None
    assert again.changes.moved == ()
