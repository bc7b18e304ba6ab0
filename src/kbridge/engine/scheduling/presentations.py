"""Presentation days: shortlisted startups pitch to evaluation panels in rooms.

Rules: a panel sits in one room for one block of the day and hears its pitches one after the
other; every member of the panel must be free for each of its pitches (a member on two panels
can never be in both rooms at once); a startup pitches to one panel at a time, never in its
blocked slots, with an optional changeover between two of its pitches; nobody pitches in a
break. Objectives, lexicographic through weights: panel idle time inside its block (the panel
waiting for the next startup), then the length of the day.

Breaks are removed from the time line before solving ("working time"), so a break inside a
panel's block is neither idle time nor an obstacle, and a pitch never straddles a break. The
model is CP-SAT with interval variables: ``NoOverlap`` per panel, per startup and per member,
and per room over optional panel-block intervals (which room a panel gets is a decision).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from kbridge.engine.scheduling.model import SchedulingError


@dataclass(frozen=True, slots=True)
class Person:
    """A startup or a panel member; ``blocked`` are slots they cannot attend."""

    id: str
    name: str = ""
    blocked: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Panel:
    id: str
    members: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True, slots=True)
class Room:
    id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Pitch:
    """One startup presenting to one panel for ``length`` slots."""

    id: str
    startup: str
    panel: str
    length: int = 1


@dataclass(frozen=True, slots=True)
class PresentationInstance:
    n_slots: int
    startups: tuple[Person, ...]
    members: tuple[Person, ...]
    panels: tuple[Panel, ...]
    rooms: tuple[Room, ...]
    pitches: tuple[Pitch, ...]
    breaks: frozenset[int] = frozenset()

    def validate(self) -> None:
        """Raise :class:`SchedulingError` on unknown ids, empty panels or impossible lengths."""
        startups = {s.id for s in self.startups}
        members = {m.id for m in self.members}
        panels = {p.id for p in self.panels}
        errors = []
        if not self.rooms and self.pitches:
            errors.append("there are pitches but no rooms")
        for panel in self.panels:
            if not panel.members:
                errors.append(f"panel {panel.id!r} has no members")
            errors.extend(
                f"panel {panel.id!r} has unknown member {m!r}"
                for m in panel.members
                if m not in members
            )
        for p in self.pitches:
            if p.startup not in startups:
                errors.append(f"pitch {p.id!r} has unknown startup {p.startup!r}")
            if p.panel not in panels:
                errors.append(f"pitch {p.id!r} has unknown panel {p.panel!r}")
            if p.length < 1:
                errors.append(f"pitch {p.id!r} has length {p.length} < 1")
        if errors:
            raise SchedulingError("; ".join(errors))


@dataclass(frozen=True, slots=True)
class PresentationOptions:
    """``idle_weight`` prices one slot of panel idle time in slots of day length.

    The default 1 treats them alike: a panel waiting one slot costs as much as ending the day one
    slot later. ``require_consecutive`` makes zero idle time a hard rule instead.
    """

    time_limit: float = 5.0
    idle_weight: int = 1
    workers: int = 8
    seed: int = 0
    changeover: int = 0
    require_consecutive: bool = False


@dataclass(frozen=True, slots=True)
class PitchPlacement:
    pitch_id: str
    slot: int
    room_id: str


@dataclass(frozen=True, slots=True)
class PanelBlock:
    """A panel's room and block in real slots (``end`` exclusive) and its idle slots inside."""

    panel_id: str
    room_id: str
    start: int
    end: int
    idle: int


@dataclass(frozen=True, slots=True)
class PresentationSchedule:
    """The schedule, its panel idle slots and day end (real slots), the objective
    ``idle_weight * idle + working slots used`` and its proven lower ``bound``."""

    pitches: tuple[PitchPlacement, ...]
    panels: tuple[PanelBlock, ...]
    idle: int
    day_end: int
    objective: int
    bound: int
    optimal: bool
    seconds: float

    @property
    def gap(self) -> float:
        return abs(self.objective - self.bound) / max(1, abs(self.objective))


def _working(instance: PresentationInstance) -> list[int]:
    return [s for s in range(instance.n_slots) if s not in instance.breaks]


def _panel_absences(
    instance: PresentationInstance, panel: Panel, working: list[int]
) -> list[int]:
    """Working-time slots in which at least one member of the panel is blocked."""
    members = {m.id: m for m in instance.members}
    blocked = set().union(*(members[m].blocked for m in panel.members))
    return [c for c, real in enumerate(working) if real in blocked]


def _allowed_starts(instance: PresentationInstance, pitch: Pitch, working: list[int]) -> list[int]:
    """Working-time starts where the pitch fits without a break and everyone is present."""
    startups = {s.id: s for s in instance.startups}
    members = {m.id: m for m in instance.members}
    panel = next(p for p in instance.panels if p.id == pitch.panel)
    blocked = set(startups[pitch.startup].blocked)
    for m in panel.members:
        blocked |= members[m].blocked
    result = []
    for c in range(len(working) - pitch.length + 1):
        real = working[c : c + pitch.length]
        if real[-1] - real[0] != pitch.length - 1:
            continue  # would straddle a break
        if not blocked.intersection(real):
            result.append(c)
    return result


def solve_presentations(
    instance: PresentationInstance, options: PresentationOptions | None = None
) -> PresentationSchedule:
    """Schedule every pitch; raise :class:`SchedulingError` if that is impossible.

    Side effects: none.
    """
    options = options or PresentationOptions()
    instance.validate()
    working = _working(instance)
    horizon = len(working)
    model = cp_model.CpModel()
    starts: dict[str, cp_model.IntVar] = {}
    intervals: dict[str, cp_model.IntervalVar] = {}
    by_panel: dict[str, list[Pitch]] = defaultdict(list)
    by_startup: dict[str, list[Pitch]] = defaultdict(list)
    for pitch in instance.pitches:
        allowed = _allowed_starts(instance, pitch, working)
        if not allowed:
            raise SchedulingError(
                f"pitch {pitch.id!r}: no slot where {pitch.startup!r} and the whole panel "
                f"{pitch.panel!r} are present"
            )
        start = model.new_int_var_from_domain(
            cp_model.Domain.from_values(allowed), f"start_{pitch.id}"
        )
        starts[pitch.id] = start
        intervals[pitch.id] = model.new_fixed_size_interval_var(
            start, pitch.length, f"pitch_{pitch.id}"
        )
        by_panel[pitch.panel].append(pitch)
        by_startup[pitch.startup].append(pitch)
    for pitches in by_startup.values():
        if len(pitches) > 1:
            # The changeover is added to each pitch so two pitches keep that distance apart.
            model.add_no_overlap(
                model.new_fixed_size_interval_var(
                    starts[p.id], p.length + options.changeover, f"busy_{p.id}"
                )
                for p in pitches
            )
    panels_of: dict[str, list[str]] = defaultdict(list)
    for panel in instance.panels:
        for m in panel.members:
            panels_of[m].append(panel.id)
    for panel_ids in panels_of.values():
        if len(panel_ids) > 1:
            model.add_no_overlap(
                intervals[p.id] for pid in panel_ids for p in by_panel.get(pid, [])
            )
    # Rooms are interchangeable, so the i-th panel only considers the first i+1 rooms; with at
    # least as many rooms as panels that means one room each and no room decisions at all.
    busy_panels = [p.id for p in instance.panels if by_panel.get(p.id)]
    if len(instance.rooms) >= len(busy_panels):
        rooms_for = {pid: [instance.rooms[i]] for i, pid in enumerate(busy_panels)}
    else:
        rooms_for = {pid: list(instance.rooms[: i + 1]) for i, pid in enumerate(busy_panels)}
    room_blocks: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    block: dict[str, tuple[cp_model.IntVar, cp_model.IntVar]] = {}
    in_room: dict[tuple[str, str], cp_model.IntVar] = {}
    idle_terms = []
    ends = []
    for panel in instance.panels:
        pitches = by_panel.get(panel.id, [])
        if not pitches:
            continue
        model.add_no_overlap(intervals[p.id] for p in pitches)
        first = model.new_int_var(0, horizon, f"first_{panel.id}")
        last = model.new_int_var(0, horizon, f"last_{panel.id}")
        model.add_min_equality(first, [starts[p.id] for p in pitches])
        model.add_max_equality(last, [starts[p.id] + p.length for p in pitches])
        block[panel.id] = (first, last)
        ends.append(last)
        work = sum(p.length for p in pitches)
        # Implied by the no-overlap, but stating it gives the linear relaxation a real bound.
        model.add(last - first >= work)
        idle = last - first - work
        # A slot where a member is away, inside the block, is idle whatever the order of the
        # pitches: telling CP-SAT so lifts its lower bound (and proofs) on days with absences.
        away = _panel_absences(instance, panel, working)
        inside = []
        for b in away:
            started = model.new_bool_var("")
            running = model.new_bool_var("")
            model.add(first <= b).only_enforce_if(started)
            model.add(first >= b + 1).only_enforce_if(~started)
            model.add(last >= b + 1).only_enforce_if(running)
            model.add(last <= b).only_enforce_if(~running)
            both = model.new_bool_var("")
            model.add_bool_and([started, running]).only_enforce_if(both)
            model.add_bool_or([~started, ~running, both])
            inside.append(both)
        if inside:
            model.add(idle >= sum(inside))
        if options.require_consecutive:
            model.add(idle == 0)
        idle_terms.append(idle)
        choices = []
        for room in rooms_for[panel.id]:
            chosen = model.new_bool_var(f"{panel.id}_in_{room.id}")
            in_room[(panel.id, room.id)] = chosen
            choices.append(chosen)
            size = model.new_int_var(0, horizon, "")
            model.add(size == last - first)
            room_blocks[room.id].append(
                model.new_optional_interval_var(first, size, last, chosen, "")
            )
        model.add_exactly_one(choices)
    for intervals_ in room_blocks.values():
        model.add_no_overlap(intervals_)
    makespan = model.new_int_var(0, horizon, "makespan")
    if ends:
        model.add_max_equality(makespan, ends)
    model.minimize(options.idle_weight * sum(idle_terms) + makespan)

    try:  # the greedy day is a feasible first solution more often than not
        greedy = greedy_presentations(instance, options)
    except SchedulingError:
        greedy = None
    if greedy is not None and options.changeover == 0 and not options.require_consecutive:
        index = {c: i for i, c in enumerate(working)}
        for pp in greedy.pitches:
            model.add_hint(starts[pp.pitch_id], index[pp.slot])

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = options.time_limit
    solver.parameters.num_workers = options.workers
    solver.parameters.random_seed = options.seed
    started = time.perf_counter()
    status = solver.solve(model)
    elapsed = time.perf_counter() - started
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        reason = (
            "infeasible" if status == cp_model.INFEASIBLE else "no solution within the time limit"
        )
        raise SchedulingError(f"presentation day: {reason}")

    def real_start(c: int) -> int:
        return working[c]

    def real_end(c_end: int) -> int:
        return working[c_end - 1] + 1 if c_end > 0 else 0

    room_of = {p: r for (p, r), var in in_room.items() if solver.boolean_value(var)}
    placements = tuple(
        PitchPlacement(p.id, real_start(solver.value(starts[p.id])), room_of[p.panel])
        for p in instance.pitches
    )
    blocks = []
    idle_total = 0
    for panel in instance.panels:
        if panel.id not in block:
            continue
        first, last = (solver.value(v) for v in block[panel.id])
        idle = last - first - sum(p.length for p in by_panel[panel.id])
        idle_total += idle
        blocks.append(
            PanelBlock(panel.id, room_of[panel.id], real_start(first), real_end(last), idle)
        )
    day_end = real_end(solver.value(makespan)) if ends else 0
    objective = round(solver.objective_value)
    bound = math.ceil(solver.best_objective_bound - 1e-6)
    return PresentationSchedule(
        pitches=placements,
        panels=tuple(blocks),
        idle=idle_total,
        day_end=day_end,
        objective=objective,
        bound=bound,
        optimal=status == cp_model.OPTIMAL,
        seconds=elapsed,
    )


def greedy_presentations(
    instance: PresentationInstance, options: PresentationOptions | None = None
) -> PresentationSchedule:
    """Baseline: panels take rooms round-robin and hear pitches at the earliest free slot.

    It proves nothing (``bound`` is 0) and raises when it gets stuck.
    """
    options = options or PresentationOptions()
    instance.validate()
    working = _working(instance)
    startup_busy: set[tuple[str, int]] = set()
    member_busy: set[tuple[str, int]] = set()
    room_free: dict[str, int] = {r.id: 0 for r in instance.rooms}
    panels = {p.id: p for p in instance.panels}
    placements = []
    blocks = []
    idle_total = 0
    end_max = 0
    for panel in instance.panels:
        pitches = [p for p in instance.pitches if p.panel == panel.id]
        if not pitches:
            continue
        room = min(room_free, key=lambda r: (room_free[r], r))
        cursor = room_free[room]
        first = None
        for pitch in pitches:
            allowed = [c for c in _allowed_starts(instance, pitch, working) if c >= cursor]
            members = panels[pitch.panel].members
            chosen = None
            for c in allowed:
                span = range(c, c + pitch.length)
                if any((pitch.startup, s) in startup_busy for s in span):
                    continue
                if any((m, s) in member_busy for m in members for s in span):
                    continue
                chosen = c
                break
            if chosen is None:
                raise SchedulingError(f"greedy: no slot for pitch {pitch.id!r}")
            span = range(chosen, chosen + pitch.length)
            startup_busy.update((pitch.startup, s) for s in span)
            member_busy.update((m, s) for m in members for s in span)
            first = chosen if first is None else first
            cursor = chosen + pitch.length
            placements.append(PitchPlacement(pitch.id, working[chosen], room))
        assert first is not None
        idle = cursor - first - sum(p.length for p in pitches)
        idle_total += idle
        room_free[room] = cursor
        end_max = max(end_max, cursor)
        blocks.append(PanelBlock(panel.id, room, working[first], working[cursor - 1] + 1, idle))
    objective = options.idle_weight * idle_total + end_max
    day_end = working[end_max - 1] + 1 if end_max else 0
    return PresentationSchedule(
        tuple(placements), tuple(blocks), idle_total, day_end, objective, 0, False, 0.0
    )


def presentation_violations(
    instance: PresentationInstance, schedule: PresentationSchedule
) -> list[str]:
    """Independent check of the hard rules, in English; empty when the schedule is valid."""
    problems = []
    pitches = {p.id: p for p in instance.pitches}
    panels = {p.id: p for p in instance.panels}
    people = {p.id: p for p in (*instance.startups, *instance.members)}
    room_of_panel: dict[str, set[str]] = defaultdict(set)
    at: dict[tuple[str, int], str] = {}
    placed = set()
    for pp in schedule.pitches:
        pitch = pitches[pp.pitch_id]
        placed.add(pitch.id)
        room_of_panel[pitch.panel].add(pp.room_id)
        who = [pitch.startup, *panels[pitch.panel].members]
        for s in range(pp.slot, pp.slot + pitch.length):
            if s in instance.breaks or not 0 <= s < instance.n_slots:
                problems.append(f"pitch {pitch.id!r} in break or outside the day at slot {s}")
            for person in who:
                if s in people[person].blocked:
                    problems.append(f"pitch {pitch.id!r}: {person!r} is blocked in slot {s}")
                other = at.setdefault((person, s), pitch.id)
                if other != pitch.id:
                    problems.append(f"{person!r} in {other!r} and {pitch.id!r} in slot {s}")
            other = at.setdefault((f"room:{pp.room_id}", s), pitch.panel)
            if other != pitch.panel:
                problems.append(f"room {pp.room_id!r} holds panels {other!r} and {pitch.panel!r}")
    blocks = sorted(schedule.panels, key=lambda b: (b.room_id, b.start))
    for a, b in zip(blocks, blocks[1:], strict=False):
        if a.room_id == b.room_id and b.start < a.end:
            problems.append(f"panels {a.panel_id!r} and {b.panel_id!r} overlap in {a.room_id!r}")
    for pid, rooms in room_of_panel.items():
        if len(rooms) > 1:
            problems.append(f"panel {pid!r} moves between rooms {sorted(rooms)}")
    problems.extend(f"pitch {p!r} not scheduled" for p in pitches if p not in placed)
    return problems
