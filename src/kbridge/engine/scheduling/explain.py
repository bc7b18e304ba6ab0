"""Why a meeting is not in the schedule, as a reason code with parameters and in English.

The explainer looks at the final schedule only, so it explains what the operator sees. For each
start slot where all participants are available it records what stands in the way (another
meeting of one of them, or every table they may use being taken) and then names the primary
reason, in this order:

``no_common_slot``
    the participants are never all available for the meeting's length;
``no_table``
    the event has no table this meeting may use;
``solver_stopped``
    a slot and table are free: the solver hit its time limit before finding it;
``locked_conflict``
    every possible slot is blocked by a locked meeting;
``table_capacity``
    in some slots all participants are free but every usable table is taken;
``lower_priority``
    in every possible slot one of them has a meeting of higher priority;
``participants_busy``
    in every possible slot one of them has another meeting of equal or lower priority, and
    (when the schedule is proven optimal) moving those cannot place more weight.

``params`` holds only ids, slots and strings so the web layer can translate and link them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kbridge.engine.scheduling.model import (
    Explanation,
    MeetingInstance,
    Placement,
    SolveOptions,
)

NO_COMMON_SLOT = "no_common_slot"
NO_TABLE = "no_table"
SOLVER_STOPPED = "solver_stopped"
LOCKED_CONFLICT = "locked_conflict"
TABLE_CAPACITY = "table_capacity"
LOWER_PRIORITY = "lower_priority"
PARTICIPANTS_BUSY = "participants_busy"


def explain_unplaced(
    instance: MeetingInstance,
    placements: Iterable[Placement],
    options: SolveOptions | None = None,
    schedule_is_optimal: bool = True,
) -> list[Explanation]:
    """One :class:`Explanation` per meeting of the instance that has no placement."""
    options = options or SolveOptions()
    placements = list(placements)
    meetings = instance.meeting_map()
    names = {p.id: p.name or p.id for p in instance.participants}
    placed = {p.meeting_id: p for p in placements}
    person_at: dict[tuple[str, int], str] = {}
    table_at: dict[tuple[str, int], str] = {}
    occupied: dict[int, set[str]] = {s: set() for s in range(instance.n_slots)}
    for p in placements:
        m = meetings[p.meeting_id]
        for s in range(p.slot, p.slot + m.length):
            for person in m.participants:
                person_at[(person, s)] = m.id
            table_at[(p.table_id, s)] = m.id
            occupied[s].add(p.table_id)

    any_locked = any(m.locked for m in instance.meetings)
    result = []
    for m in instance.meetings:
        if m.id in placed:
            continue
        people = list(m.participants)
        starts = instance.free_starts(m)
        tables = [t.id for t in instance.eligible_tables(m)]
        table_set = set(tables)
        if not starts:
            never = [p for p in people if not instance.free_starts_for([p], m.length)]
            params: dict[str, object] = {
                "participants": people,
                "length": m.length,
                "never_available": never,
            }
            result.append(_make(m.id, NO_COMMON_SLOT, params, names))
            continue
        if not tables:
            result.append(_make(m.id, NO_TABLE, {"participants": people}, names))
            continue
        slots: list[_Slot] = []
        for start in starts:
            span = range(start, start + m.length)
            busy = {
                person: sorted({person_at[(person, s)] for s in span if (person, s) in person_at})
                for person in people
            }
            taken = set().union(*(occupied[s] for s in span))
            free = [t for t in tables if t not in taken]
            slots.append(
                _Slot(start, {k: v for k, v in busy.items() if v}, free[0] if free else None)
            )
        weight = options.weight(m)
        base = {"participants": people, "priority": str(m.priority), "length": m.length}
        insertable = [d for d in slots if not d.busy and d.free_table is not None]
        if insertable:
            d = insertable[0]
            params = {**base, "slot": d.slot, "table": d.free_table}
            result.append(_make(m.id, SOLVER_STOPPED, params, names))
            continue
        locked: list[list[str]] = []
        for d in slots if any_locked else []:
            if d.busy:
                locked.append(sorted(i for i in d.blockers() if meetings[i].locked))
                continue
            occupants = {
                table_at[(t, s)]
                for s in range(d.slot, d.slot + m.length)
                for t in occupied[s]
                if t in table_set
            }
            # Blocked by tables only if every occupant of a usable table is locked.
            locked.append(sorted(occupants) if all(meetings[o].locked for o in occupants) else [])
        if locked and all(locked):
            params = {**base, "slots": [d.slot for d in slots], "locked": _union(locked)}
            result.append(_make(m.id, LOCKED_CONFLICT, params, names))
            continue
        table_full = [d.slot for d in slots if not d.busy]
        if table_full:
            params = {**base, "slots": table_full}
            result.append(_make(m.id, TABLE_CAPACITY, params, names))
            continue
        higher = [
            sorted(i for i in d.blockers() if options.weight(meetings[i]) > weight) for d in slots
        ]
        busy_detail = [{"slot": d.slot, "busy": d.busy} for d in slots]
        if all(higher):
            params = {**base, "higher": _union(higher), "slots": busy_detail}
            result.append(_make(m.id, LOWER_PRIORITY, params, names))
            continue
        params = {**base, "slots": busy_detail, "optimal": schedule_is_optimal}
        result.append(_make(m.id, PARTICIPANTS_BUSY, params, names))
    return result


@dataclass(frozen=True, slots=True)
class _Slot:
    """What stands in the way of one possible start of an unplaced meeting."""

    slot: int
    busy: dict[str, list[str]]  # participant -> their meetings overlapping this start
    free_table: str | None

    def blockers(self) -> set[str]:
        return {mid for ids in self.busy.values() for mid in ids}


def _union(lists: Iterable[list[str]]) -> list[str]:
    return sorted({i for ids in lists for i in ids})


def _make(
    meeting_id: str, code: str, params: Mapping[str, object], names: Mapping[str, str]
) -> Explanation:
    return Explanation(meeting_id, code, params, render(meeting_id, code, params, names))


def render(
    meeting_id: str, code: str, params: Mapping[str, object], names: Mapping[str, str]
) -> str:
    """English rendering of a reason; the web layer renders the same codes through gettext."""
    people = params.get("participants", [])
    assert isinstance(people, list)
    who = " and ".join(names.get(p, p) for p in people)

    def slot_list(key: str) -> str:
        values = params.get(key, [])
        assert isinstance(values, list)
        slots = [v["slot"] if isinstance(v, dict) else v for v in values]
        return ", ".join(str(s) for s in slots)

    if code == NO_COMMON_SLOT:
        never = params.get("never_available") or []
        assert isinstance(never, list)
        if never:
            absent = ", ".join(names.get(p, p) for p in never)
            return f"Meeting {meeting_id}: {absent} has no free time of {params['length']} slot(s)."
        return (
            f"Meeting {meeting_id}: {who} have no common free time of {params['length']} slot(s)."
        )
    if code == NO_TABLE:
        return f"Meeting {meeting_id}: no table may be used by {who}."
    if code == SOLVER_STOPPED:
        return (
            f"Meeting {meeting_id}: slot {params['slot']} at table {params['table']} is free; the "
            "solver stopped at its time limit before placing it."
        )
    if code == LOCKED_CONFLICT:
        locked = ", ".join(str(i) for i in params["locked"])  # type: ignore[union-attr]
        return (
            f"Meeting {meeting_id}: every common free slot of {who} ({slot_list('slots')}) is "
            f"blocked by locked meetings ({locked})."
        )
    if code == TABLE_CAPACITY:
        return (
            f"Meeting {meeting_id}: {who} are both free in slot(s) {slot_list('slots')}, but every "
            "table they may use is taken then."
        )
    if code == LOWER_PRIORITY:
        higher = ", ".join(str(i) for i in params["higher"])  # type: ignore[union-attr]
        return (
            f"Meeting {meeting_id} ({params['priority']}) has lower priority than {higher}, which "
            f"take every common free slot of {who} ({slot_list('slots')})."
        )
    if code == PARTICIPANTS_BUSY:
        values = params.get("slots", [])
        assert isinstance(values, list)
        parts = []
        for d in values:
            busy = "; ".join(
                f"{names.get(p, p)} has {', '.join(ids)}" for p, ids in d["busy"].items()
            )
            parts.append(f"slot {d['slot']}: {busy}")
        tail = (
            " The schedule is proven optimal: placing it means displacing at least as much."
            if params.get("optimal")
            else ""
        )
        return f"Meeting {meeting_id}: in every common free slot of {who} someone is busy ({'; '.join(parts)}).{tail}"
    return f"Meeting {meeting_id}: {code}"
