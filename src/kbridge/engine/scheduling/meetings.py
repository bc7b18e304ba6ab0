"""Optimal 1:1 meeting schedules: HiGHS decides what is placed, CP-SAT when.

Model (after Bofill et al., "Constraint solving approaches to the business-to-business meeting
scheduling problem", JAIR 73, 2022, extended with priorities, reserved tables and re-runs), all
variables 0/1:

* ``x[i, t]`` — meeting ``i`` starts in slot ``t``; only starts where all its participants are
  available for the whole meeting exist, so availability costs no constraint at all.
* ``y[i, t, r]`` — it sits at reserved table ``r``; reserved tables get an at-most-one per slot.
* ``cover[p]`` — participant ``p`` has at least one meeting (the fairness objective).
* Everybody is in at most one meeting per slot; per slot, meetings not at a reserved table are at
  most the number of general tables. General tables are interchangeable, so this count is exact
  (interval graphs are perfect) and :mod:`.tables` hands out the actual tables afterwards. The
  model has one variable per (meeting, feasible start) instead of per (meeting, start, table):
  60 times smaller at 60 tables.

Objectives are lexicographic:

1. weighted meetings placed (maximise);
2. fairness: participants with at least one meeting (maximise);
3. on a re-run only: previously placed meetings kept in their slot (maximise = fewest moves);
4. holes: idle available slots between a participant's meetings of a session (minimise).

Stages 1 and 2 are one mixed-integer program solved by HiGHS (``scipy.optimize.milp``) with the
objective ``(participants + 1) * weight + covered``, exactly lexicographic because ``covered``
never exceeds the number of participants. Its linear relaxation is tight on these problems, so
HiGHS proves the optimum at or near the root, where CP-SAT's search did not close the gap in 20 s
at 2,500 meetings. Stage 3 is a second HiGHS program with stages 1-2 frozen as constraints.

Stage 4 keeps the placed meetings (and, on a re-run, the kept ones in their slots) and only
re-times the rest with CP-SAT: one exact model for small events, a slot-window
large-neighbourhood search (:mod:`.holes`) for large ones. The holes bound is weak (often 0),
which the reported gap shows honestly. Every stage starts from
the previous stage's schedule, so one cut short by the time limit is never worse than it.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from kbridge.engine.scheduling.explain import explain_unplaced
from kbridge.engine.scheduling.greedy import greedy_schedule
from kbridge.engine.scheduling.holes import improve_holes
from kbridge.engine.scheduling.metrics import total_holes
from kbridge.engine.scheduling.model import (
    Changes,
    MeetingInstance,
    MeetingSchedule,
    Move,
    Placement,
    SchedulingError,
    SolveOptions,
    StageReport,
    placements_by_id,
)
from kbridge.engine.scheduling.tables import assign_tables

# meeting index -> (start slot, reserved table or None): the schedule carried between stages
Assignment = dict[int, tuple[int, str | None]]
Row = tuple[list[int], list[int], float, float]  # columns, coefficients, lower, upper
EXACT_HOLES_LIMIT = 300  # placed meetings up to which one CP-SAT model minimises holes


@dataclass
class _Rows:
    """A 0/1 model over a subset of the meetings, independent of the solver that reads it."""

    n_cols: int = 0
    x: dict[tuple[int, int], int] = field(default_factory=dict)
    y: dict[tuple[int, int, str], int] = field(default_factory=dict)
    cover: dict[str, int] = field(default_factory=dict)
    amo: list[list[int]] = field(default_factory=list)  # at-most-one groups
    linear: list[Row] = field(default_factory=list)
    busy: dict[tuple[str, int], list[int]] = field(default_factory=dict)

    def new(self) -> int:
        self.n_cols += 1
        return self.n_cols - 1

    def columns(self, assignment: Assignment) -> list[int]:
        """Column values of a schedule; meetings or starts this model lacks are left out."""
        values = [0] * self.n_cols
        for i, (t, table) in assignment.items():
            c = self.x.get((i, t))
            if c is None:
                continue
            values[c] = 1
            if table is not None and (i, t, table) in self.y:
                values[self.y[(i, t, table)]] = 1
        for (pid, _), cols in self.busy.items():
            if pid in self.cover and any(values[c] for c in cols):
                values[self.cover[pid]] = 1
        return values

    def assignment(self, values: list[int]) -> Assignment:
        result: Assignment = {}
        for (i, t), c in self.x.items():
            if values[c]:
                result[i] = (t, None)
        for (i, t, r), c in self.y.items():
            if values[c]:
                result[i] = (t, r)
        return result

    def satisfied_by(self, values: list[int]) -> bool:
        if any(sum(values[c] for c in group) > 1 for group in self.amo):
            return False
        return all(
            lo <= sum(values[c] * k for c, k in zip(cols, coefs, strict=True)) <= hi
            for cols, coefs, lo, hi in self.linear
        )


def _build(
    instance: MeetingInstance,
    *,
    only: Iterable[int] | None = None,
    pins: Mapping[int, int] | None = None,
    exact: bool = False,
    fairness: bool = False,
) -> _Rows:
    """Rows for the meetings ``only`` (default all); ``pins`` fix starts; ``exact`` places all."""
    rows = _Rows()
    pins = pins or {}
    # A general table holding a locked meeting is no longer interchangeable with the others: a
    # long meeting could need it across the locked one. Such tables are modelled one by one,
    # like reserved tables. With one-slot meetings each slot is independent and counting suffices.
    explicit = (
        {m.locked_table for m in instance.meetings if m.locked_table is not None}
        if any(m.length > 1 for m in instance.meetings)
        else set()
    )
    general = sum(1 for t in instance.tables if not t.reserved_for and t.id not in explicit)
    busy: dict[tuple[str, int], list[int]] = defaultdict(list)
    general_use: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    reserved_use: dict[tuple[str, int], list[int]] = defaultdict(list)
    of_person: dict[str, list[int]] = defaultdict(list)
    tables = instance.table_map()
    indices = range(len(instance.meetings)) if only is None else sorted(only)
    for i in indices:
        m = instance.meetings[i]
        if m.locked:
            starts = [m.locked_slot]
        elif i in pins:
            starts = [pins[i]]
        else:
            starts = instance.free_starts(m)
        reserved = [t.id for t in instance.eligible_tables(m) if t.reserved_for or t.id in explicit]
        locked_table = tables.get(m.locked_table) if m.locked_table else None
        if locked_table is not None:
            explicit_table = locked_table.reserved_for or locked_table.id in explicit
            reserved = [locked_table.id] if explicit_table else []
        row = []
        for t in starts:
            xc = rows.x[(i, t)] = rows.new()
            row.append(xc)
            ys = [rows.y.setdefault((i, t, r), rows.new()) for r in reserved]
            if ys:
                lower = 0 if locked_table is not None else -math.inf
                rows.linear.append(([*ys, xc], [1] * len(ys) + [-1], lower, 0))
            for s in range(t, t + m.length):
                for p in m.participants:
                    busy[(p, s)].append(xc)
                cols, coefs = general_use[s]
                cols.extend([xc, *ys])
                coefs.extend([1] + [-1] * len(ys))
                for r, yc in zip(reserved, ys, strict=True):
                    reserved_use[(r, s)].append(yc)
            for p in m.participants:
                of_person[p].append(xc)
        if m.locked or exact:
            rows.linear.append((row, [1] * len(row), 1, 1))
        elif len(row) > 1:
            rows.amo.append(row)
    rows.busy = dict(busy)
    rows.amo.extend(v for v in busy.values() if len(v) > 1)
    rows.amo.extend(v for v in reserved_use.values() if len(v) > 1)
    for cols, coefs in general_use.values():
        if sum(1 for k in coefs if k > 0) > general:
            rows.linear.append((cols, coefs, -math.inf, general))
    if fairness:
        for p in instance.participants:
            if of_person.get(p.id):
                cc = rows.cover[p.id] = rows.new()
                cols = [cc, *of_person[p.id]]
                rows.linear.append((cols, [1] + [-1] * (len(cols) - 1), -math.inf, 0))
    return rows


def _milp(
    rows: _Rows, objective: Mapping[int, int], extra: list[Row], seconds: float
) -> tuple[list[int] | None, int | None, float]:
    """Maximise an integer objective with HiGHS; return (values, proven upper bound, seconds)."""
    if rows.n_cols == 0:  # nothing can be placed at all; HiGHS rejects empty programs
        return [], 0, 0.0
    cost = np.zeros(rows.n_cols)
    for c, k in objective.items():
        cost[c] = -k
    data: list[int] = []
    ri: list[int] = []
    ci: list[int] = []
    lower: list[float] = []
    upper: list[float] = []
    for k, group in enumerate(rows.amo):
        ri.extend([k] * len(group))
        ci.extend(group)
        data.extend([1] * len(group))
        lower.append(-math.inf)
        upper.append(1)
    for k, (cols, coefs, lo, hi) in enumerate([*rows.linear, *extra], start=len(rows.amo)):
        ri.extend([k] * len(cols))
        ci.extend(cols)
        data.extend(coefs)
        lower.append(lo)
        upper.append(hi)
    constraints = []
    if upper:
        matrix = csr_array((data, (ri, ci)), shape=(len(upper), rows.n_cols))
        constraints.append(LinearConstraint(matrix, np.array(lower), np.array(upper)))
    started = time.perf_counter()
    result = milp(
        cost,
        constraints=constraints,
        integrality=np.ones(rows.n_cols),
        bounds=Bounds(0, 1),
        options={"time_limit": max(0.1, seconds), "mip_rel_gap": 0.0},
    )
    elapsed = time.perf_counter() - started
    if result.status == 2:  # infeasible: only locked meetings can make it so
        raise SchedulingError("no schedule satisfies the locked meetings (too few tables?)")
    values = None if result.x is None else [round(v) for v in result.x]
    if values is not None and not rows.satisfied_by(values):
        values = None  # never trust a rounded solution blindly
    dual = getattr(result, "mip_dual_bound", None)
    bound = math.floor(-dual + 1e-6) if dual is not None and math.isfinite(dual) else None
    return values, bound, elapsed


def _hole_terms(
    model: cp_model.CpModel,
    instance: MeetingInstance,
    busy_vars: Mapping[tuple[str, int], list[cp_model.IntVar]],
) -> list[cp_model.IntVar]:
    """Hole indicators: slot ``s`` is a hole of ``p`` if ``p`` meets before and after it.

    ``before[s] >= busy[s]`` and ``before[s] >= before[s-1]`` (and the mirror ``after``) are only
    lower bounds, but minimising holes pushes them down to the exact "met before/after" values.
    """
    people = instance.participant_map()
    sessions: dict[int, list[int]] = defaultdict(list)
    for s in range(instance.n_slots):
        sessions[instance.session_of(s)].append(s)
    participants = sorted({p for p, _ in busy_vars})
    holes: list[cp_model.IntVar] = []
    for pid in participants:
        person = people[pid]
        for slots in sessions.values():
            busy = {s: busy_vars.get((pid, s), []) for s in slots}
            active = [s for s in slots if busy[s]]
            if len(active) < 2:
                continue
            window = [s for s in slots if active[0] <= s <= active[-1]]
            marks: list[dict[int, cp_model.IntVar]] = []
            for order in (window, window[::-1]):
                seen: dict[int, cp_model.IntVar] = {}
                prev = None
                for s in order:
                    v = model.new_bool_var("")
                    if busy[s]:
                        model.add(v >= sum(busy[s]))
                    if prev is not None:
                        model.add_implication(prev, v)
                    seen[s] = prev = v
                marks.append(seen)
            before, after = marks
            for s in window[1:-1]:
                if s in instance.breaks or not person.is_available(s):
                    continue
                hole = model.new_bool_var("")
                model.add(hole >= before[s] + after[s] - 1 - sum(busy[s]))
                holes.append(hole)
    return holes


def _minimise_holes(
    instance: MeetingInstance,
    assignment: Assignment,
    pins: Mapping[int, int],
    seconds: float,
    options: SolveOptions,
    preferred: Mapping[str, str],
) -> tuple[StageReport, Assignment]:
    """Re-time the placed meetings (pinned ones stay) to minimise holes, from ``assignment``.

    Up to ``EXACT_HOLES_LIMIT`` placed meetings one CP-SAT model proves the optimum; beyond,
    :func:`.holes.improve_holes` searches slot windows, which improves far faster at event scale
    than one model of everything (see docs/benchmarks/scheduling.md) but proves no bound
    beyond 0.
    """
    if len(assignment) > EXACT_HOLES_LIMIT:
        before = total_holes(instance, _decode(instance, assignment, preferred))
        started = time.perf_counter()
        fixed = set(pins) | {i for i in assignment if instance.meetings[i].locked}
        found = improve_holes(
            instance, assignment, fixed, time.perf_counter() + seconds, seed=options.seed
        )
        elapsed = time.perf_counter() - started
        after = total_holes(instance, _decode(instance, found, preferred))
        if after <= before:
            assignment, before = found, after
        report = StageReport("holes", "min", before, 0, before == 0, elapsed, "cp-sat-lns")
        return report, assignment
    rows = _build(instance, only=assignment, pins=pins, exact=True)
    model = cp_model.CpModel()
    xs = [model.new_bool_var("") for _ in range(rows.n_cols)]
    for group in rows.amo:
        model.add_at_most_one(xs[c] for c in group)
    for cols, coefs, lo, hi in rows.linear:
        expr = sum(k * xs[c] for c, k in zip(cols, coefs, strict=True))
        if lo == hi:
            model.add(expr == int(lo))
            continue
        if math.isfinite(hi):
            model.add(expr <= int(hi))
        if math.isfinite(lo):
            model.add(expr >= int(lo))
    busy_vars = {key: [xs[c] for c in cols] for key, cols in rows.busy.items()}
    holes = _hole_terms(model, instance, busy_vars)
    model.minimize(sum(holes))
    for c, value in enumerate(rows.columns(assignment)):
        model.add_hint(xs[c], value)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = options.workers
    solver.parameters.random_seed = options.seed
    # Probing pays off when proving; here the search needs solutions early (measured: first
    # improvement at 1.3 s instead of 3.8 s at 2,500 meetings).
    solver.parameters.cp_model_probing_level = 0
    started = time.perf_counter()
    status = solver.solve(model)
    elapsed = time.perf_counter() - started
    before = total_holes(instance, _decode(instance, assignment, preferred))
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = rows.assignment([int(solver.boolean_value(v)) for v in xs])
        after = total_holes(instance, _decode(instance, found, preferred))
        bound = math.ceil(solver.best_objective_bound - 1e-6)
        if after <= before:
            assignment, before = found, after
    else:
        bound = 0
    bound = min(bound, before)
    report = StageReport("holes", "min", before, bound, before == bound, elapsed, "cp-sat")
    return report, assignment


def solve_meetings(
    instance: MeetingInstance,
    options: SolveOptions | None = None,
    previous: Iterable[Placement] | None = None,
) -> MeetingSchedule:
    """Schedule the instance's meetings; with ``previous``, re-schedule moving as few as possible.

    Side effects: none; raises :class:`SchedulingError` when the instance contradicts itself.
    Locked meetings never move. With ``previous`` the result's ``changes`` lists what moved, what
    only changed table, what was added and what was cancelled.
    """
    options = options or SolveOptions()
    # Leave time for tables, explanations and changes (measured ~0.4 ms per meeting) so the
    # whole call, not only the solvers, stays within the time limit.
    reserve = min(0.3 * options.time_limit, 0.05 + 0.0004 * len(instance.meetings))
    deadline = time.perf_counter() + options.time_limit - reserve
    warnings = instance.validate()
    index = {m.id: i for i, m in enumerate(instance.meetings)}
    weights = [options.weight(m) for m in instance.meetings]
    previous_list = list(previous) if previous is not None else None
    old: Assignment = {}
    for p in previous_list or []:
        i = index.get(p.meeting_id)
        if i is not None:
            old[i] = (p.slot, p.table_id)
    preferred = {p.meeting_id: p.table_id for p in previous_list or []}

    rows = _build(instance, fairness=options.fairness)
    start = None
    if old and rows.satisfied_by(rows.columns(old)):
        start = rows.columns(old)
    x_weight = {c: weights[i] for (i, _), c in rows.x.items()}
    scale = len(rows.cover) + 1

    def score(values: list[int]) -> tuple[int, int]:
        return (
            sum(k * values[c] for c, k in x_weight.items()),
            sum(values[c] for c in rows.cover.values()),
        )

    keep = {rows.x[(i, t)]: 1 for i, (t, _) in old.items() if (i, t) in rows.x}

    def rank(values: list[int]) -> tuple[int, int, int]:
        return (*score(values), sum(values[c] for c in keep))

    n_later = (previous_list is not None) + options.minimize_holes
    # Stages 1-2 decide what is placed: they may take most of the budget, and when HiGHS is
    # done early (the usual case) everything left goes to the later stages anyway.
    budget = (deadline - time.perf_counter()) * (0.7 if n_later else 1.0)
    objective = dict.fromkeys(rows.cover.values(), 1)
    objective.update({c: scale * k for c, k in x_weight.items()})
    values, bound, seconds = _milp(rows, objective, [], budget)
    proven = (
        values is not None
        and bound is not None
        and sum(k * values[c] for c, k in objective.items()) >= bound
    )
    if not proven:
        # HiGHS stopped before proving its schedule optimal, and its first incumbent can be the
        # empty schedule: the greedy one competes.
        greedy = {index[p.meeting_id]: (p.slot, p.table_id) for p in greedy_schedule(instance)}
        greedy_values = rows.columns(greedy)
        if values is None or score(values) < score(greedy_values):
            values = greedy_values
    candidates = [] if start is None else [start]
    in_place_seconds = 0.0
    if keep and (start is None or score(start) < score(values)):
        # Something must change. Try without moving anything first: previous meetings may only
        # stay or drop. This small program settles the common re-runs (cancellations, a few
        # additions) in a fraction of the full "fewest moves" program's time.
        share = (deadline - time.perf_counter()) * 0.6
        pinned, in_place_seconds = _keep_in_place(instance, options, old, rows, weights, share)
        if pinned is not None:
            candidates.append(pinned)
    # Among equally good schedules, the one keeping most previous meetings in place wins.
    values = max([values, *candidates], key=rank)
    weight, covered = score(values)
    if bound is None:
        weight_bound, covered_bound = sum(weights), len(rows.cover)
    else:
        weight_bound = bound // scale
        covered_bound = bound - scale * weight if weight_bound == weight else len(rows.cover)
        covered_bound = min(covered_bound, len(rows.cover))
    stages = [
        StageReport(
            "weighted_placed", "max", weight, weight_bound, weight == weight_bound, seconds, "highs"
        )
    ]
    if options.fairness:
        stages.append(
            StageReport(
                "participants_covered",
                "max",
                covered,
                covered_bound,
                covered == covered_bound,
                seconds,
                "highs",
            )
        )

    pins: dict[int, int] = {}
    if previous_list is not None:
        kept_now = sum(values[c] for c in keep)
        freeze = [(list(x_weight), list(x_weight.values()), weight, math.inf)]
        if options.fairness:
            cover_cols = list(rows.cover.values())
            freeze.append((cover_cols, [1] * len(cover_cols), covered, math.inf))
        bound, seconds = len(keep), in_place_seconds
        if kept_now < len(keep):
            budget = (deadline - time.perf_counter()) / n_later
            found, bound, more = _milp(rows, keep, freeze, budget)
            seconds += more
            if found is not None and sum(found[c] for c in keep) > kept_now:
                values = found
            kept_now = sum(values[c] for c in keep)
        kept_bound = len(keep) if bound is None else min(bound, len(keep))
        stages.append(
            StageReport(
                "previous_kept",
                "max",
                kept_now,
                kept_bound,
                kept_now == kept_bound,
                seconds,
                "highs",
            )
        )
        assignment = rows.assignment(values)
        pins = {i: t for i, (t, _) in assignment.items() if i in old and old[i][0] == t}
    assignment = rows.assignment(values)
    if options.minimize_holes:
        report, assignment = _minimise_holes(
            instance, assignment, pins, deadline - time.perf_counter(), options, preferred
        )
        stages.append(report)

    placements = _decode(instance, assignment, preferred)
    placed_ids = {p.meeting_id for p in placements}
    unplaced = tuple(m.id for m in instance.meetings if m.id not in placed_ids)
    explanations = explain_unplaced(
        instance, placements, options, schedule_is_optimal=stages[0].optimal
    )
    changes = _changes(instance, previous_list, placements) if previous_list is not None else None
    return MeetingSchedule(
        placements=tuple(placements),
        unplaced=unplaced,
        explanations=tuple(explanations),
        stages=tuple(stages),
        placed_weight=stages[0].objective,
        weight_bound=stages[0].bound,
        holes=total_holes(instance, placements),
        warnings=tuple(warnings),
        changes=changes,
    )


def _keep_in_place(
    instance: MeetingInstance,
    options: SolveOptions,
    old: Assignment,
    rows: _Rows,
    weights: list[int],
    seconds: float,
) -> tuple[list[int] | None, float]:
    """Best schedule in which previous meetings keep their slot or drop, as columns of ``rows``.

    Objective ``K * (scale * weight + covered) + kept`` with ``K`` above the number of kept
    meetings: lexicographic, and exact in double precision at event scale (about 1e10).
    """
    pins = {i: t for i, (t, _) in old.items() if (i, t) in rows.x}
    pinned = _build(instance, pins=pins, fairness=options.fairness)
    kept = [pinned.x[(i, t)] for i, t in pins.items()]
    big, scale = len(kept) + 1, len(pinned.cover) + 1
    objective = dict.fromkeys(pinned.cover.values(), big)
    for (i, _), c in pinned.x.items():
        objective[c] = big * scale * weights[i]
    for c in kept:
        objective[c] += 1
    found, _, elapsed = _milp(pinned, objective, [], seconds)
    if found is None:
        return None, elapsed
    return rows.columns(pinned.assignment(found)), elapsed


def reschedule(
    instance: MeetingInstance,
    previous: Iterable[Placement],
    options: SolveOptions | None = None,
) -> MeetingSchedule:
    """Re-optimise after cancellations or new meetings, moving as few placed meetings as possible.

    A named alias of ``solve_meetings(instance, options, previous)`` so callers say what they mean.
    """
    return solve_meetings(instance, options, previous=previous)


def _decode(
    instance: MeetingInstance, assignment: Assignment, preferred: Mapping[str, str]
) -> list[Placement]:
    """Placements in instance order, with tables handed out by :func:`assign_tables`."""
    starts: dict[str, int] = {}
    fixed: dict[str, str] = {}
    for i, (t, table) in assignment.items():
        m = instance.meetings[i]
        starts[m.id] = t
        if table is not None:  # a reserved (or explicitly modelled) table the solver chose
            fixed[m.id] = table
        if m.locked_table is not None:
            fixed[m.id] = m.locked_table
    tables = assign_tables(instance, starts, fixed, preferred)
    return [
        Placement(m.id, starts[m.id], tables[m.id]) for m in instance.meetings if m.id in starts
    ]


def _changes(
    instance: MeetingInstance, previous: list[Placement], placements: list[Placement]
) -> Changes:
    before = placements_by_id(previous)
    after = placements_by_id(placements)
    known = instance.meeting_map()
    moved, table_changed, added = [], [], []
    for m in instance.meetings:
        old, new = before.get(m.id), after.get(m.id)
        if old is None:
            if new is not None:
                added.append(new)
        elif new is None or new.slot != old.slot:
            moved.append(Move(m.id, old, new))
        elif new.table_id != old.table_id:
            table_changed.append(Move(m.id, old, new))
    cancelled = tuple(mid for mid in before if mid not in known)
    return Changes(tuple(moved), tuple(table_changed), tuple(added), cancelled)
