"""Hand out tables once every meeting has a start slot.

The slot model only counts meetings against the number of general tables per slot (reserved
tables it decides explicitly). Intervals on identical tables form an interval graph, and interval
graphs are perfect: if at most ``k`` meetings overlap at any slot, ``k`` tables suffice, and the
greedy "sort by start, take any table free for the whole meeting" finds them. Locked tables and
kept previous tables can defeat the greedy in rare multi-slot cases; then a tiny CP-SAT model
solves the assignment exactly.
"""

from __future__ import annotations

from collections.abc import Mapping

from ortools.sat.python import cp_model

from kbridge.engine.scheduling.model import MeetingInstance, SchedulingError


def assign_tables(
    instance: MeetingInstance,
    starts: Mapping[str, int],
    fixed: Mapping[str, str] | None = None,
    preferred: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Return a table per meeting in ``starts``.

    ``fixed`` tables (locks, reserved tables the solver chose) are kept as given; the other
    meetings get general tables, their ``preferred`` one (the table they had before a re-run) when
    it is free. Raises :class:`SchedulingError` if no assignment exists.
    """
    fixed = dict(fixed or {})
    preferred = preferred or {}
    meetings = instance.meeting_map()
    general = [t.id for t in instance.tables if not t.reserved_for]
    occupied: dict[tuple[str, int], str] = {}

    def span(mid: str) -> range:
        return range(starts[mid], starts[mid] + meetings[mid].length)

    for mid, table in fixed.items():
        for s in span(mid):
            if occupied.setdefault((table, s), mid) != mid:
                raise SchedulingError(f"table {table!r} double-booked in slot {s}")
    result = dict(fixed)
    # Within a slot, meetings that had a table before choose first, so re-runs keep tables.
    pending = sorted(
        (m for m in starts if m not in fixed),
        key=lambda m: (starts[m], preferred.get(m) not in general, m),
    )
    for mid in pending:
        options = general
        want = preferred.get(mid)
        if want in general:
            options = [want, *general]
        table = next((t for t in options if all((t, s) not in occupied for s in span(mid))), None)
        if table is None:
            return _assign_exactly(instance, starts, fixed, preferred)
        result[mid] = table
        for s in span(mid):
            occupied[(table, s)] = mid
    return result


def _assign_exactly(
    instance: MeetingInstance,
    starts: Mapping[str, int],
    fixed: Mapping[str, str],
    preferred: Mapping[str, str],
) -> dict[str, str]:
    """Exact table assignment with CP-SAT, keeping as many preferred tables as possible."""
    meetings = instance.meeting_map()
    model = cp_model.CpModel()
    choice: dict[tuple[str, str], cp_model.IntVar] = {}
    use: dict[tuple[str, int], list[cp_model.IntVar]] = {}
    for mid, start in starts.items():
        m = meetings[mid]
        tables = [fixed[mid]] if mid in fixed else [t.id for t in instance.eligible_tables(m)]
        row = []
        for t in tables:
            var = model.new_bool_var(f"{mid}@{t}")
            choice[(mid, t)] = var
            row.append(var)
            for s in range(start, start + m.length):
                use.setdefault((t, s), []).append(var)
        model.add_exactly_one(row)
    for vars_ in use.values():
        model.add_at_most_one(vars_)
    model.maximize(sum(choice[(m, t)] for m, t in preferred.items() if (m, t) in choice))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise SchedulingError("no table assignment exists for these start slots")
    return {m: t for (m, t), var in choice.items() if solver.boolean_value(var)}
