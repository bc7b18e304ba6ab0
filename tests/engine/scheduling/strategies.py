"""Random small meeting instances for property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from kbridge.engine.scheduling import (
    Meeting,
    MeetingInstance,
    Participant,
    Priority,
    SchedulingError,
    Table,
)


@st.composite
def small_instances(draw: st.DrawFn, max_meetings: int = 5, allow_locks: bool = True):
    n_slots = draw(st.integers(2, 4))
    n_people = draw(st.integers(2, 5))
    people = []
    for i in range(n_people):
        available = draw(
            st.one_of(st.none(), st.frozensets(st.integers(0, n_slots - 1), max_size=n_slots))
        )
        people.append(Participant(f"p{i}", available=available))
    ids = [p.id for p in people]
    n_tables = draw(st.integers(1, 2))
    tables = []
    for t in range(n_tables):
        reserved = draw(
            st.one_of(st.just(frozenset()), st.frozensets(st.sampled_from(ids), max_size=1))
        )
        tables.append(Table(f"t{t}", reserved_for=reserved))
    meetings = []
    for k in range(draw(st.integers(1, max_meetings))):
        pair = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        priority = draw(st.sampled_from([Priority.MEET, Priority.MEET, Priority.MUST_MEET]))
        length = draw(st.sampled_from([1, 1, 1, 2]))
        locked_slot = None
        if allow_locks and draw(st.integers(0, 5)) == 0:
            locked_slot = draw(st.integers(0, n_slots - length))
        meetings.append(Meeting(f"m{k}", tuple(pair), priority, length, locked_slot))
    sessions = None
    if n_slots >= 4 and draw(st.booleans()):
        sessions = tuple(0 if s < n_slots // 2 else 1 for s in range(n_slots))
    instance = MeetingInstance(n_slots, tuple(people), tuple(meetings), tuple(tables), sessions)
    try:
        instance.validate()
    except SchedulingError:
        # Clashing locks are an input error, tested on their own; draw something else.
        from hypothesis import assume

        assume(False)
    return instance
