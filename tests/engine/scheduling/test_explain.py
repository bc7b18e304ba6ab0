"""Every unplaced meeting gets a reason code, its parameters and an English sentence."""

from __future__ import annotations

from hypothesis import given, settings

from kbridge.engine.scheduling import (
    Meeting,
    MeetingInstance,
    Participant,
    Placement,
    Priority,
    SolveOptions,
    Table,
    explain_unplaced,
    solve_meetings,
)

from .strategies import small_instances

FAST = SolveOptions(time_limit=10.0, workers=1)


def person(pid: str, *slots: int, name: str = "") -> Participant:
    return Participant(pid, name=name, available=frozenset(slots) if slots else None)


def only_explanation(instance: MeetingInstance):
    schedule = solve_meetings(instance, FAST)
    assert len(schedule.explanations) == 1
    return schedule.explanations[0]


def test_no_common_slot():
    instance = MeetingInstance(
        3,
        (person("acme", 0, name="ACME Corp"), person("s1", 1, 2, name="Startup One")),
        (Meeting("m1", ("s1", "acme")),),
        (Table("t0"),),
    )
    e = only_explanation(instance)
    assert e.code == "no_common_slot"
    assert e.params == {"participants": ["s1", "acme"], "length": 1, "never_available": []}
    assert e.text == "Meeting m1: Startup One and ACME Corp have no common free time of 1 slot(s)."


def test_someone_never_available():
    instance = MeetingInstance(
        2,
        (Participant("acme", available=frozenset()), person("s1")),
        (Meeting("m1", ("s1", "acme")),),
        (Table("t0"),),
    )
    e = only_explanation(instance)
    assert (e.code, e.params["never_available"]) == ("no_common_slot", ["acme"])


def test_no_table_they_may_use():
    instance = MeetingInstance(
        1,
        (person("acme"), person("globex"), person("s1")),
        (Meeting("m1", ("s1", "acme")),),
        (Table("booth", reserved_for=frozenset({"globex"})),),
    )
    assert only_explanation(instance).code == "no_table"


def test_table_capacity():
    instance = MeetingInstance(
        1,
        (person("a"), person("b"), person("c"), person("d")),
        (Meeting("ab", ("a", "b")), Meeting("cd", ("c", "d"))),
        (Table("t0"),),
    )
    e = only_explanation(instance)
    assert e.code == "table_capacity"
    assert e.params["slots"] == [0]


def test_lower_priority():
    instance = MeetingInstance(
        1,
        (person("acme"), person("s1"), person("s2")),
        (
            Meeting("casual", ("s1", "acme")),
            Meeting("important", ("s2", "acme"), Priority.MUST_MEET),
        ),
        (Table("t0"), Table("t1")),
    )
    e = only_explanation(instance)
    assert e.meeting_id == "casual"
    assert e.code == "lower_priority"
    assert e.params["higher"] == ["important"]
    assert e.params["slots"] == [{"slot": 0, "busy": {"acme": ["important"]}}]
    assert e.text == (
        "Meeting casual (meet) has lower priority than important, which take every common free "
        "slot of s1 and acme (0)."
    )


def test_participants_busy_with_equal_priority():
    instance = MeetingInstance(
        1,
        (person("acme"), person("s1"), person("s2")),
        (Meeting("m1", ("s1", "acme")), Meeting("m2", ("s2", "acme"))),
        (Table("t0"), Table("t1")),
    )
    e = only_explanation(instance)
    assert e.code == "participants_busy"
    other = "m1" if e.meeting_id == "m2" else "m2"
    assert e.params["slots"] == [{"slot": 0, "busy": {"acme": [other]}}]
    assert e.params["optimal"] is True


def test_locked_conflict():
    instance = MeetingInstance(
        2,
        (person("acme"), person("s1", 0), person("s2")),
        (
            Meeting("fixed", ("s2", "acme"), Priority.MEET, locked_slot=0),
            Meeting("m1", ("s1", "acme"), Priority.MUST_MEET),
        ),
        (Table("t0"),),
    )
    e = only_explanation(instance)
    assert (e.meeting_id, e.code, e.params["locked"]) == ("m1", "locked_conflict", ["fixed"])


def test_a_free_slot_means_the_solver_stopped():
    instance = MeetingInstance(
        2, (person("a"), person("b")), (Meeting("ab", ("a", "b")),), (Table("t0"),)
    )
    # An empty schedule, as if the solver had been stopped before placing anything.
    (e,) = explain_unplaced(instance, [], FAST, schedule_is_optimal=False)
    assert (e.code, e.params["slot"], e.params["table"]) == ("solver_stopped", 0, "t0")


def test_placed_meetings_get_no_explanation():
    instance = MeetingInstance(
        1, (person("a"), person("b")), (Meeting("ab", ("a", "b")),), (Table("t0"),)
    )
    assert explain_unplaced(instance, [Placement("ab", 0, "t0")]) == []


@settings(max_examples=40, derandomize=True, deadline=None)
@given(small_instances())
def test_every_unplaced_meeting_of_an_optimal_schedule_has_a_real_reason(instance):
    try:
        schedule = solve_meetings(instance, FAST)
    except ValueError:
        return  # infeasible locks, covered elsewhere
    assert [e.meeting_id for e in schedule.explanations] == list(schedule.unplaced)
    for e in schedule.explanations:
        # A proven-optimal schedule never has a free slot and table left for a missing meeting.
        assert e.code != "solver_stopped"
        assert e.text.startswith(f"Meeting {e.meeting_id}")
