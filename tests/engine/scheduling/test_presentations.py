"""Presentation days: panels in rooms, everyone present, nobody in two places."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbridge.engine.scheduling.generate import random_presentation_instance
from kbridge.engine.scheduling.model import SchedulingError
from kbridge.engine.scheduling.presentations import (
    Panel,
    Person,
    Pitch,
    PresentationInstance,
    PresentationOptions,
    Room,
    greedy_presentations,
    presentation_violations,
    solve_presentations,
)

FAST = PresentationOptions(time_limit=10.0, workers=1)


def day(**overrides) -> PresentationInstance:
    values = {
        "n_slots": 8,
        "startups": (Person("s1"), Person("s2"), Person("s3", blocked=frozenset({0, 1}))),
        "members": (Person("j1"), Person("j2"), Person("j3", blocked=frozenset({5}))),
        "panels": (Panel("ai", ("j1", "j2")), Panel("bio", ("j2", "j3"))),
        "rooms": (Room("r1"), Room("r2")),
        "pitches": (
            Pitch("s1@ai", "s1", "ai"),
            Pitch("s2@ai", "s2", "ai"),
            Pitch("s3@ai", "s3", "ai"),
            Pitch("s1@bio", "s1", "bio"),
        ),
    }
    values.update(overrides)
    return PresentationInstance(**values)


def test_a_small_day_is_valid_and_optimal():
    instance = day()
    schedule = solve_presentations(instance, FAST)
    assert presentation_violations(instance, schedule) == []
    assert schedule.optimal
    # j2 sits on both panels, so the four pitches follow each other: no idle, 4 slots long.
    assert (schedule.idle, schedule.day_end, schedule.objective) == (0, 4, 4)
    assert schedule.bound == schedule.objective


def test_breaks_are_not_idle_and_nobody_pitches_in_them():
    instance = day(breaks=frozenset({1, 2}), pitches=day().pitches[:3])
    schedule = solve_presentations(instance, FAST)
    assert presentation_violations(instance, schedule) == []
    assert sorted(p.slot for p in schedule.pitches) == [0, 3, 4]
    assert schedule.idle == 0


def test_consecutive_blocks_can_be_required():
    # s3 is blocked until slot 2 and s1 pitches to bio as well: "ai" may have to wait.
    instance = day(
        startups=(Person("s1"), Person("s2", blocked=frozenset(range(1, 8)))),
        pitches=(
            Pitch("s1@ai", "s1", "ai", 2),
            Pitch("s2@ai", "s2", "ai"),
            Pitch("s1@bio", "s1", "bio"),
        ),
    )
    schedule = solve_presentations(
        instance, PresentationOptions(time_limit=10, workers=1, require_consecutive=True)
    )
    assert presentation_violations(instance, schedule) == []
    assert schedule.idle == 0


def test_impossible_days_are_reported():
    instance = day(startups=(Person("s1"), Person("s2"), Person("s3", blocked=frozenset(range(8)))))
    with pytest.raises(SchedulingError, match="s3@ai"):
        solve_presentations(instance, FAST)


def test_panels_share_rooms_when_there_are_fewer_rooms():
    instance = day(
        members=(Person("j1"), Person("j2"), Person("j3"), Person("j4")),
        panels=(Panel("ai", ("j1", "j2")), Panel("bio", ("j3", "j4"))),
        rooms=(Room("only"),),
    )
    schedule = solve_presentations(instance, FAST)
    assert presentation_violations(instance, schedule) == []
    assert {b.room_id for b in schedule.panels} == {"only"}
    assert schedule.day_end == 4


@settings(max_examples=15, derandomize=True, deadline=None)
@given(st.integers(0, 10_000))
def test_random_days_are_valid_and_never_worse_than_greedy(seed):
    instance = random_presentation_instance(
        startups=8,
        panels=2,
        members_per_panel=2,
        rooms=2,
        slots=24,
        breaks=frozenset({10, 11}),
        seed=seed,
    )
    try:
        greedy = greedy_presentations(instance)
    except SchedulingError:
        greedy = None
    try:
        schedule = solve_presentations(instance, FAST)
    except SchedulingError:
        # CP-SAT proved the day impossible (blocked hours collide); greedy cannot do better.
        assert greedy is None
        return
    assert presentation_violations(instance, schedule) == []
    if greedy is not None:
        assert presentation_violations(instance, greedy) == []
        assert schedule.objective <= greedy.objective
