"""Independent checks and measures of a meeting schedule.

These functions do not trust the solver: they recompute feasibility and quality from the
placements alone, so tests, the greedy baseline and the benchmark all judge schedules by the same
ruler.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from kbridge.engine.scheduling.model import MeetingInstance, Placement, SolveOptions


def violations(instance: MeetingInstance, placements: Iterable[Placement]) -> list[str]:
    """Every hard rule a schedule breaks, in English; an empty list means it is feasible.

    Rules: known meetings placed once, inside the event and one session, not in a break; nobody
    and no table double-booked; tables used only by people they are reserved for; locks kept;
    availability respected for unlocked meetings.
    """
    problems: list[str] = []
    meetings = instance.meeting_map()
    tables = instance.table_map()
    people = instance.participant_map()
    person_at: dict[tuple[str, int], str] = {}
    table_at: dict[tuple[str, int], str] = {}
    seen: set[str] = set()
    for p in placements:
        m = meetings.get(p.meeting_id)
        if m is None:
            problems.append(f"unknown meeting {p.meeting_id!r}")
            continue
        if p.meeting_id in seen:
            problems.append(f"meeting {m.id!r} placed twice")
        seen.add(m.id)
        table = tables.get(p.table_id)
        if table is None:
            problems.append(f"meeting {m.id!r} at unknown table {p.table_id!r}")
        elif table.reserved_for and not table.reserved_for & set(m.participants):
            problems.append(f"meeting {m.id!r} at table {table.id!r} reserved for others")
        span = range(p.slot, p.slot + m.length)
        if p.slot < 0 or span.stop > instance.n_slots:
            problems.append(f"meeting {m.id!r} outside the event")
            continue
        if m.locked_slot is not None and p.slot != m.locked_slot:
            problems.append(f"locked meeting {m.id!r} moved from slot {m.locked_slot}")
        if m.locked_table is not None and p.table_id != m.locked_table:
            problems.append(f"locked meeting {m.id!r} moved from table {m.locked_table!r}")
        if not m.locked:
            if any(instance.session_of(s) != instance.session_of(p.slot) for s in span):
                problems.append(f"meeting {m.id!r} spans two sessions")
            if any(s in instance.breaks for s in span):
                problems.append(f"meeting {m.id!r} is in a break")
        for s in span:
            for person in m.participants:
                if not m.locked and not people[person].is_available(s):
                    problems.append(f"meeting {m.id!r} in slot {s} where {person!r} is unavailable")
                other = person_at.setdefault((person, s), m.id)
                if other != m.id:
                    problems.append(f"{person!r} double-booked in slot {s}: {other!r}, {m.id!r}")
            other = table_at.setdefault((p.table_id, s), m.id)
            if other != m.id:
                problems.append(
                    f"table {p.table_id!r} double-booked in slot {s}: {other!r}, {m.id!r}"
                )
    for m in instance.meetings:
        if m.locked and m.id not in seen:
            problems.append(f"locked meeting {m.id!r} not placed")
    return problems


def busy_slots(instance: MeetingInstance, placements: Iterable[Placement]) -> dict[str, set[int]]:
    """Slots in which each participant sits in a meeting."""
    meetings = instance.meeting_map()
    busy: dict[str, set[int]] = defaultdict(set)
    for p in placements:
        m = meetings[p.meeting_id]
        for person in m.participants:
            busy[person].update(range(p.slot, p.slot + m.length))
    return busy


def holes_per_participant(
    instance: MeetingInstance, placements: Iterable[Placement]
) -> dict[str, int]:
    """Idle slots between a participant's first and last meeting of each session.

    Following the business-to-business scheduling literature, a hole is time a participant has to
    wait at the venue between two of their meetings. Slots they declared unavailable and event
    breaks are not holes: they chose or were given that time off. Every participant appears in the
    result, with 0 when they have no holes.
    """
    busy = busy_slots(instance, placements)
    result: dict[str, int] = {}
    for person in instance.participants:
        slots = busy.get(person.id, set())
        by_session: dict[int, list[int]] = defaultdict(list)
        for s in slots:
            by_session[instance.session_of(s)].append(s)
        holes = 0
        for session, session_slots in by_session.items():
            for s in range(min(session_slots), max(session_slots) + 1):
                if (
                    s not in slots
                    and s not in instance.breaks
                    and instance.session_of(s) == session
                    and person.is_available(s)
                ):
                    holes += 1
        result[person.id] = holes
    return result


def total_holes(instance: MeetingInstance, placements: Iterable[Placement]) -> int:
    return sum(holes_per_participant(instance, placements).values())


def placed_weight(
    instance: MeetingInstance, placements: Iterable[Placement], options: SolveOptions | None = None
) -> int:
    """The first objective: sum of the priority weights of the placed meetings."""
    options = options or SolveOptions()
    meetings = instance.meeting_map()
    return sum(options.weight(meetings[p.meeting_id]) for p in placements)


def covered_participants(instance: MeetingInstance, placements: Iterable[Placement]) -> int:
    """The fairness objective: participants who have at least one placed meeting."""
    return len(busy_slots(instance, placements))


def objective_vector(
    instance: MeetingInstance, placements: Iterable[Placement], options: SolveOptions | None = None
) -> tuple[int, int, int]:
    """(weighted placed, participants covered, -holes): larger is better, compared in order."""
    placements = list(placements)
    return (
        placed_weight(instance, placements, options),
        covered_participants(instance, placements),
        -total_holes(instance, placements),
    )
