"""Large-neighbourhood search for holes, with CP-SAT solving each neighbourhood exactly.

At 2,500 meetings one CP-SAT model of the whole event spends seconds in presolve before its first
improvement. Holes, however, are local: a participant's idle time depends on a few slots of one
session. So we repeatedly free the meetings of a handful of slots (everything else stays put),
let CP-SAT re-time them optimally for the holes of the people involved, and keep the result when
it is no worse. Every neighbourhood keeps the same meetings and the same tables-per-slot counts,
so weighted placed, fairness and kept meetings never change.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Mapping

from ortools.sat.python import cp_model

from kbridge.engine.scheduling.model import MeetingInstance

# meeting index -> (start slot, reserved table or None), as in :mod:`.meetings`
Assignment = dict[int, tuple[int, str | None]]


def person_holes(instance: MeetingInstance, pid: str, busy: set[int]) -> int:
    """Holes of one participant given their busy slots (same rule as :mod:`.metrics`)."""
    person = instance.participant_map()[pid]
    by_session: dict[int, list[int]] = defaultdict(list)
    for s in busy:
        by_session[instance.session_of(s)].append(s)
    holes = 0
    for session, slots in by_session.items():
        for s in range(min(slots), max(slots) + 1):
            if (
                s not in busy
                and s not in instance.breaks
                and instance.session_of(s) == session
                and person.is_available(s)
            ):
                holes += 1
    return holes


def _one(value: object) -> bool:
    """Whether a busy/mark entry is the constant 1 (CP-SAT expressions refuse ``==`` tests)."""
    return isinstance(value, int) and value == 1


def _sessions(instance: MeetingInstance) -> list[list[int]]:
    by_session: dict[int, list[int]] = defaultdict(list)
    for s in range(instance.n_slots):
        by_session[instance.session_of(s)].append(s)
    return list(by_session.values())


def improve_holes(
    instance: MeetingInstance,
    assignment: Assignment,
    fixed: set[int],
    deadline: float,
    seed: int = 0,
    windows: tuple[int, ...] = (2, 3),
    per_window: float = 0.1,
) -> Assignment:
    """Reduce holes by re-timing meetings slot-window by slot-window until ``deadline``.

    ``fixed`` meetings (locked or kept on a re-run) never move.
    """
    rng = random.Random(seed)
    meetings = instance.meetings
    tables = instance.table_map()
    general = sum(1 for t in instance.tables if not t.reserved_for)
    current = dict(assignment)
    slots = [s for s in range(instance.n_slots) if s not in instance.breaks]
    if len(slots) < 2 or not current:
        return current
    if any(m.length > 1 for m in meetings) and any(m.locked_table for m in meetings):
        # The main model then treats locked general tables one by one; this search counts
        # general tables only, so it stays out rather than risk a wrong count.
        return current
    sessions: dict[int, list[int]] = defaultdict(list)
    for s in range(instance.n_slots):
        sessions[instance.session_of(s)].append(s)
    session_list = _sessions(instance)
    stale = 0
    while time.perf_counter() < deadline and stale < 200:
        # Pairs of slots are solved to optimality in milliseconds; triples reach further. Mixing
        # both was the best of the settings measured (docs/benchmarks/scheduling.md).
        window = min(rng.choice(windows), len(slots))
        if rng.random() < 0.5 and len(sessions) > 1:
            chosen = set()
            for k, session in enumerate(rng.sample(sorted(sessions), 2)):
                pool = [s for s in sessions[session] if s not in instance.breaks]
                share = window // 2 + (window % 2 if k == 0 else 0)
                chosen.update(rng.sample(pool, min(len(pool), share)))
        else:
            session = rng.choice(sorted(sessions))
            pool = [s for s in sessions[session] if s not in instance.breaks]
            chosen = set(rng.sample(pool, min(len(pool), window)))
        improved = _improve_window(
            instance,
            current,
            fixed,
            chosen,
            tables,
            general,
            deadline,
            meetings,
            per_window,
            session_list,
        )
        stale = 0 if improved else stale + 1
    return current


def _improve_window(
    instance: MeetingInstance,
    current: Assignment,
    fixed: set[int],
    chosen: set[int],
    tables: Mapping[str, object],
    general: int,
    deadline: float,
    meetings: tuple,
    per_window: float,
    session_list: list[list[int]],
) -> bool:
    released = [
        i
        for i, (t, _) in current.items()
        if i not in fixed
        and not meetings[i].locked
        and all(s in chosen for s in range(t, t + meetings[i].length))
    ]
    if len(released) < 2:
        return False
    released_set = set(released)
    person_busy: set[tuple[str, int]] = set()
    general_used: dict[int, int] = defaultdict(int)
    reserved_used: set[tuple[str, int]] = set()
    for i, (t, table) in current.items():
        if i in released_set:
            continue
        m = meetings[i]
        for s in range(t, t + m.length):
            for p in m.participants:
                person_busy.add((p, s))
            if table is None:
                general_used[s] += 1
            else:
                reserved_used.add((table, s))
    model = cp_model.CpModel()
    busy_vars: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    general_vars: dict[int, list] = defaultdict(list)
    reserved_vars: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    choice: dict[tuple[int, int, str | None], cp_model.IntVar] = {}
    people: set[str] = set()
    for i in released:
        m = meetings[i]
        people.update(m.participants)
        reserved = [t.id for t in instance.eligible_tables(m) if t.reserved_for]
        row = []
        for t in instance.free_starts(m):
            span = range(t, t + m.length)
            if not all(s in chosen for s in span):
                continue
            if any((p, s) in person_busy for p in m.participants for s in span):
                continue
            options: list[str | None] = [None] if general else []
            options += [r for r in reserved if all((r, s) not in reserved_used for s in span)]
            for table in options:
                v = model.new_bool_var("")
                choice[(i, t, table)] = v
                row.append(v)
                for s in span:
                    for p in m.participants:
                        busy_vars[(p, s)].append(v)
                    if table is None:
                        general_vars[s].append(v)
                    else:
                        reserved_vars[(table, s)].append(v)
        model.add_exactly_one(row)
    for vs in busy_vars.values():
        if len(vs) > 1:
            model.add_at_most_one(vs)
    for vs in reserved_vars.values():
        if len(vs) > 1:
            model.add_at_most_one(vs)
    for s, vs in general_vars.items():
        model.add(sum(vs) <= general - general_used[s])
    # Holes of the people involved. Only slots where someone is or may be busy ("candidates")
    # get variables; the stretch between two candidates counts its available slots at once.
    hole_terms: list[tuple[int, cp_model.IntVar]] = []
    constant = 0
    before_total = 0
    busy_now: dict[str, set[int]] = defaultdict(set)
    for i, (t, _) in current.items():
        for p in meetings[i].participants:
            if p in people:
                busy_now[p].update(range(t, t + meetings[i].length))
    participants = instance.participant_map()
    for pid in people:
        before_total += person_holes(instance, pid, busy_now[pid])
        person = participants[pid]
        for session_slots in session_list:
            if not chosen.intersection(session_slots):
                continue  # untouched session: constant for this person
            busy: dict[int, object] = {}
            for slot in session_slots:
                if (pid, slot) in person_busy:
                    busy[slot] = 1
                elif busy_vars.get((pid, slot)):
                    busy[slot] = sum(busy_vars[(pid, slot)])
            if len(busy) < 2:
                continue
            ks = sorted(busy)
            before: dict[int, object] = {}
            after: dict[int, object] = {}
            for marks, order in ((before, ks), (after, ks[::-1])):
                prev: object = 0
                for k in order:
                    if _one(busy[k]) or _one(prev):
                        marks[k] = prev = 1  # someone is surely busy here or earlier
                        continue
                    v = model.new_bool_var("")
                    model.add(v >= busy[k])
                    if not isinstance(prev, int):
                        model.add_implication(prev, v)
                    marks[k] = prev = v
            for k in ks[1:-1]:
                if _one(busy[k]):
                    continue
                if isinstance(before[k], int) and isinstance(after[k], int):
                    hole = model.new_bool_var("")
                    model.add(hole >= 1 - busy[k])
                else:
                    hole = model.new_bool_var("")
                    model.add(hole >= before[k] + after[k] - 1 - busy[k])
                hole_terms.append((1, hole))
            for k, k2 in zip(ks, ks[1:], strict=False):
                gap = sum(
                    1
                    for slot in range(k + 1, k2)
                    if slot not in instance.breaks and person.is_available(slot)
                )
                if gap == 0:
                    continue
                if isinstance(before[k], int) and isinstance(after[k2], int):
                    constant += gap  # fixed meetings on both sides: those slots are holes
                    continue
                bridge = model.new_bool_var("")
                model.add(bridge >= before[k] + after[k2] - 1)
                hole_terms.append((gap, bridge))
        # Sessions the window does not touch are constant for this person and cancel out.
        before_total -= sum(
            person_holes(instance, pid, {x for x in busy_now[pid] if x in set(slots)})
            for slots in session_list
            if not chosen.intersection(slots)
        )
    model.minimize(sum(k * v for k, v in hole_terms) + constant)
    for (i, t, table), v in choice.items():
        model.add_hint(v, int(current[i] == (t, table)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(
        0.01, min(per_window, deadline - time.perf_counter())
    )
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    value = round(solver.objective_value)
    if value > before_total:
        return False
    # Equal-holes moves are taken too: they shift the search to new neighbourhoods.
    for (i, t, table), v in choice.items():
        if solver.boolean_value(v):
            current[i] = (t, table)
    return value < before_total
