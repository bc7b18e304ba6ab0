"""Input and output types of the 1:1 meeting scheduler.

Time is discrete: an event has ``n_slots`` consecutive slots numbered from 0, and a meeting
occupies ``length`` consecutive slots at one table. Everything here is a frozen dataclass so an
instance can be hashed, compared in tests and shared between the solver, the greedy baseline, the
explainer and the exporters without anyone mutating it behind the others' backs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property


class SchedulingError(ValueError):
    """The instance itself is inconsistent (unknown ids, clashing locks, ...).

    Raised before any solving: a solver cannot repair an instance that contradicts itself, and the
    operator needs to fix the data, not read an empty schedule.
    """


class Priority(StrEnum):
    """How much an accepted meeting matters; weights live in :class:`SolveOptions`."""

    MUST_MEET = "must_meet"
    MEET = "meet"


@dataclass(frozen=True, slots=True)
class Participant:
    """A person (startup representative, partner staff) who can sit in meetings.

    ``available`` is the set of slots the person can meet in; ``None`` means every slot, which is
    the usual case and keeps JSON instances short.
    """

    id: str
    name: str = ""
    available: frozenset[int] | None = None

    def is_available(self, slot: int) -> bool:
        return self.available is None or slot in self.available


@dataclass(frozen=True, slots=True)
class Table:
    """A place where one meeting happens per slot.

    A table with a non-empty ``reserved_for`` (e.g. a partner company's booth) only hosts meetings
    that involve at least one of those participants; those participants may still use the general
    tables. Tables without a reservation are interchangeable, which is what lets the solver decide
    slots first and hand out tables afterwards.
    """

    id: str
    name: str = ""
    reserved_for: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Meeting:
    """An accepted meeting request between two (or, rarely, more) participants.

    ``locked_slot`` pins the start slot and ``locked_table`` the table: locked meetings are placed
    exactly there even if that contradicts availability, because the operator decided so; the
    scheduler reports such contradictions as warnings instead of refusing the event.
    """

    id: str
    participants: tuple[str, ...]
    priority: Priority = Priority.MEET
    length: int = 1
    locked_slot: int | None = None
    locked_table: str | None = None

    @property
    def locked(self) -> bool:
        return self.locked_slot is not None


@dataclass(frozen=True)
class MeetingInstance:
    """One event's 1:1 meeting problem.

    ``sessions`` gives the session (day or half-day) of each slot; a meeting never spans two
    sessions and holes are only counted inside a session, so the lunch break is not a hole.
    ``None`` means the whole event is one session. ``breaks`` are slots in which nobody meets.
    Both rules hold for locked meetings too: a lock across a session boundary or over a break is
    an input error (:meth:`validate`), never placed. When the instance comes with clock times,
    sessions default to the calendar days of the event's own time zone
    (:func:`kbridge.engine.scheduling.export.event_zone`), not to Korean days.

    Look-ups are cached on the (frozen) instance because the solver, the greedy baseline and the
    explainer all ask them thousands of times; treat the returned dicts as read-only.
    """

    n_slots: int
    participants: tuple[Participant, ...]
    meetings: tuple[Meeting, ...]
    tables: tuple[Table, ...]
    sessions: tuple[int, ...] | None = None
    breaks: frozenset[int] = frozenset()

    def session_of(self, slot: int) -> int:
        return 0 if self.sessions is None else self.sessions[slot]

    @cached_property
    def _participants(self) -> dict[str, Participant]:
        return {p.id: p for p in self.participants}

    @cached_property
    def _meetings(self) -> dict[str, Meeting]:
        return {m.id: m for m in self.meetings}

    @cached_property
    def _tables(self) -> dict[str, Table]:
        return {t.id: t for t in self.tables}

    @cached_property
    def _masks(self) -> dict[str, int]:
        """Bit ``s`` set when the participant may meet in slot ``s`` (breaks removed)."""
        usable = sum(1 << s for s in range(self.n_slots) if s not in self.breaks)
        return {
            p.id: usable
            if p.available is None
            else usable & sum(1 << s for s in p.available if 0 <= s < self.n_slots)
            for p in self.participants
        }

    @cached_property
    def _starts_cache(self) -> dict[tuple[tuple[str, ...], int], list[int]]:
        return {}

    def participant_map(self) -> dict[str, Participant]:
        return self._participants

    def meeting_map(self) -> dict[str, Meeting]:
        return self._meetings

    def table_map(self) -> dict[str, Table]:
        return self._tables

    def eligible_tables(self, meeting: Meeting) -> list[Table]:
        """Tables the meeting may use: all general tables and the reserved ones of its people."""
        people = set(meeting.participants)
        return [t for t in self.tables if not t.reserved_for or t.reserved_for & people]

    def free_starts(self, meeting: Meeting) -> list[int]:
        """Start slots where every participant is available for the whole meeting.

        Locks are ignored here on purpose: this is the answer to "could they meet at all",
        used by the solver for unlocked meetings and by the explainer.
        """
        return self.free_starts_for(meeting.participants, meeting.length)

    def free_starts_for(self, participant_ids: Iterable[str], length: int) -> list[int]:
        """Start slots where all these participants are available for ``length`` slots.

        A start qualifies only if the whole span avoids breaks and stays in one session.
        """
        key = (tuple(participant_ids), length)
        cached = self._starts_cache.get(key)
        if cached is not None:
            return cached
        mask = (1 << self.n_slots) - 1
        for p in key[0]:
            mask &= self._masks[p]
        span = (1 << length) - 1
        starts = [
            start
            for start in range(self.n_slots - length + 1)
            if (mask >> start) & span == span
            and all(
                self.session_of(s) == self.session_of(start)
                for s in range(start + 1, start + length)
            )
        ]
        self._starts_cache[key] = starts
        return starts

    def validate(self) -> list[str]:
        """Raise :class:`SchedulingError` on contradictions; return soft warnings.

        Hard errors: unknown ids, duplicate ids, bad lengths, locks outside the event, locks that
        span two sessions (days) or cover a break, two locked meetings sharing a person or a table
        at the same time, a locked table the meeting may not use. Warnings: a locked meeting
        outside someone's availability.
        """
        errors: list[str] = []
        warnings: list[str] = []
        if self.n_slots <= 0:
            errors.append("n_slots must be positive")
        if self.sessions is not None and len(self.sessions) != self.n_slots:
            errors.append("sessions must give one session per slot")
        for kind, ids in (
            ("participant", [p.id for p in self.participants]),
            ("meeting", [m.id for m in self.meetings]),
            ("table", [t.id for t in self.tables]),
        ):
            seen: set[str] = set()
            for i in ids:
                if i in seen:
                    errors.append(f"duplicate {kind} id {i!r}")
                seen.add(i)
        pmap = self.participant_map()
        tmap = self.table_map()
        for t in self.tables:
            for p in sorted(t.reserved_for - pmap.keys()):
                errors.append(f"table {t.id!r} is reserved for unknown participant {p!r}")
        busy_person: dict[tuple[str, int], str] = {}
        busy_table: dict[tuple[str, int], str] = {}
        for m in self.meetings:
            if len(m.participants) < 2 or len(set(m.participants)) != len(m.participants):
                errors.append(f"meeting {m.id!r} needs at least two distinct participants")
            for p in m.participants:
                if p not in pmap:
                    errors.append(f"meeting {m.id!r} has unknown participant {p!r}")
            if m.length < 1:
                errors.append(f"meeting {m.id!r} has length {m.length} < 1")
            if m.locked_table is not None and m.locked_slot is None:
                errors.append(f"meeting {m.id!r} locks a table but not a slot")
            if m.locked_table is not None:
                table = tmap.get(m.locked_table)
                if table is None:
                    errors.append(f"meeting {m.id!r} is locked to unknown table {m.locked_table!r}")
                elif table.reserved_for and not table.reserved_for & set(m.participants):
                    errors.append(
                        f"meeting {m.id!r} is locked to table {table.id!r} reserved for others"
                    )
            if m.locked_slot is None or errors:
                continue
            span = range(m.locked_slot, m.locked_slot + m.length)
            if m.locked_slot < 0 or span.stop > self.n_slots:
                errors.append(f"locked meeting {m.id!r} does not fit in the event")
                continue
            crossed = sorted({self.session_of(s) for s in span})
            if len(crossed) > 1:
                errors.append(
                    f"locked meeting {m.id!r} (slots {span.start}-{span.stop - 1}) spans "
                    f"sessions {crossed[0]} and {crossed[-1]}: a meeting must stay in one day or "
                    "session"
                )
                continue
            in_break = [s for s in span if s in self.breaks]
            if in_break:
                errors.append(f"locked meeting {m.id!r} covers break slot {in_break[0]}")
                continue
            for s in span:
                for p in m.participants:
                    other = busy_person.setdefault((p, s), m.id)
                    if other != m.id:
                        errors.append(
                            f"locked meetings {other!r} and {m.id!r} both need {p!r} in slot {s}"
                        )
                    if not pmap[p].is_available(s):
                        warnings.append(
                            f"locked meeting {m.id!r} is in slot {s} where {p!r} is unavailable"
                        )
                if m.locked_table is not None:
                    other = busy_table.setdefault((m.locked_table, s), m.id)
                    if other != m.id:
                        errors.append(
                            f"locked meetings {other!r} and {m.id!r} both need table "
                            f"{m.locked_table!r} in slot {s}"
                        )
        if errors:
            raise SchedulingError("; ".join(errors))
        return warnings


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a meeting happens: its first slot and its table."""

    meeting_id: str
    slot: int
    table_id: str


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """Knobs of :func:`kbridge.engine.scheduling.solve_meetings`.

    ``time_limit`` is the wall-clock budget for all stages together. ``weights`` turns priorities
    into the first objective; the default 10:1 makes one must-meet worth ten ordinary meetings,
    which is strong without being an absolute rule. ``workers`` is the number of CP-SAT search
    threads.
    """

    time_limit: float = 10.0
    workers: int = 8
    weights: Mapping[Priority, int] = field(
        default_factory=lambda: {Priority.MUST_MEET: 10, Priority.MEET: 1}
    )
    fairness: bool = True
    minimize_holes: bool = True
    seed: int = 0

    def weight(self, meeting: Meeting) -> int:
        return int(self.weights[meeting.priority])


@dataclass(frozen=True, slots=True)
class StageReport:
    """One lexicographic stage: what it optimised, what it reached and what it proved.

    ``bound`` is the solver's proven bound on ``objective`` (an upper bound when maximising, a
    lower bound when minimising); ``optimal`` means the two meet. Stages solved together in one
    program report the same ``seconds``.
    """

    name: str
    sense: str
    objective: int
    bound: int
    optimal: bool
    seconds: float
    solver: str = ""

    @property
    def gap(self) -> float:
        """Relative gap ``|bound - objective| / max(1, |bound|)``, 0.0 when proven optimal."""
        return abs(self.bound - self.objective) / max(1, abs(self.bound))


@dataclass(frozen=True, slots=True)
class Move:
    """A meeting that was placed in the previous schedule and is placed differently now."""

    meeting_id: str
    before: Placement
    after: Placement | None  # None: the meeting was dropped from the schedule


@dataclass(frozen=True, slots=True)
class Changes:
    """What re-scheduling changed relative to the previous schedule.

    ``moved`` changed slot (or were dropped), ``table_changed`` kept their slot but not their
    table, ``added`` were not placed before and are now, ``cancelled`` were placed before but are
    no longer in the instance.
    """

    moved: tuple[Move, ...]
    table_changed: tuple[Move, ...]
    added: tuple[Placement, ...]
    cancelled: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a meeting is not in the schedule.

    ``code`` is stable and machine readable, ``params`` carries ids and slots for the web layer to
    translate, ``text`` is an English rendering for logs and the command line.
    """

    meeting_id: str
    code: str
    params: Mapping[str, object]
    text: str


@dataclass(frozen=True, slots=True)
class MeetingSchedule:
    """The solver's answer.

    ``placements`` is ordered like the instance's meetings. ``stages`` records every lexicographic
    stage; ``weight_bound`` and ``gap`` are the first stage's (the one that decides how many
    meetings are placed).
    """

    placements: tuple[Placement, ...]
    unplaced: tuple[str, ...]
    explanations: tuple[Explanation, ...]
    stages: tuple[StageReport, ...]
    placed_weight: int
    weight_bound: int
    holes: int
    warnings: tuple[str, ...] = ()
    changes: Changes | None = None

    @property
    def gap(self) -> float:
        return abs(self.weight_bound - self.placed_weight) / max(1, self.weight_bound)

    @property
    def optimal(self) -> bool:
        return all(s.optimal for s in self.stages)

    def placement_map(self) -> dict[str, Placement]:
        return {p.meeting_id: p for p in self.placements}


def placements_by_id(placements: Iterable[Placement]) -> dict[str, Placement]:
    """Index placements by meeting id (the previous schedule of a re-run, for instance)."""
    return {p.meeting_id: p for p in placements}
