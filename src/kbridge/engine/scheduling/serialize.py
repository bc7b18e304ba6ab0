"""JSON in and out for the command line (and for anything else that speaks JSON).

A meetings instance::

    {"n_slots": 16, "start": "2025-06-10T09:00", "slot_minutes": 20, "time_zone": "Asia/Seoul",
     "sessions": [0, 0, ..., 1], "breaks": [8],
     "participants": [{"id": "acme", "name": "ACME", "available": [0, 1, 2]}],
     "tables": [{"id": "t1", "name": "Table 1", "reserved_for": ["acme"]}],
     "meetings": [{"id": "m1", "participants": ["s1", "acme"], "priority": "must_meet",
                   "length": 1, "locked_slot": null, "locked_table": null}],
     "previous": [{"meeting_id": "m1", "slot": 3, "table_id": "t1"}]}

A presentations instance::

    {"n_slots": 54, "start": "2025-06-11T09:00", "slot_minutes": 10, "breaks": [18, 19],
     "startups": [{"id": "s1", "blocked": [0, 1]}], "members": [{"id": "j1"}],
     "panels": [{"id": "p1", "members": ["j1"]}], "rooms": [{"id": "r1"}],
     "pitches": [{"id": "s1@p1", "startup": "s1", "panel": "p1", "length": 2}]}

Only ``id`` fields and the structure are required; the rest has defaults. When ``sessions`` is
missing and ``start`` (or ``slot_starts``) is given, each calendar day *of the event's time zone*
is one session, so no meeting spans local midnight (a slot that itself straddles local midnight
becomes a break). The zone is ``time_zone`` (an IANA name,
daylight saving included); without it ``Asia/Seoul`` for a naive or ``+09:00`` start, else the
start's fixed UTC offset (see :func:`kbridge.engine.scheduling.export.event_zone`). Output times
are in that zone. Explicit ``sessions`` (and ``breaks``) always win over the derived days.

Reading is strict (:mod:`kbridge.engine.inputs`): a key this format does not know, a missing
required key, a value of the wrong type (slots and lengths are whole numbers, ids strings or whole
numbers), a slot outside ``0..n_slots-1``, an empty id, an id with white space around it or an
invisible character, the same id twice, or an id that names nobody (a meeting's participant, a
table's ``reserved_for``, a locked table, a panel member, a pitch's startup or panel) raises
:class:`~kbridge.engine.inputs.InputError` naming the file, the line of the object and where in
the document it is (``meetings[3].participants[1]``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from kbridge.engine.inputs import InputError, check_id, line_of
from kbridge.engine.scheduling.export import EventClock, event_zone
from kbridge.engine.scheduling.model import (
    Meeting,
    MeetingInstance,
    MeetingSchedule,
    Participant,
    Placement,
    Priority,
    Table,
)
from kbridge.engine.scheduling.presentations import (
    Panel,
    Person,
    Pitch,
    PresentationInstance,
    PresentationSchedule,
    Room,
)

MEETING_KEYS = {"n_slots", "start", "slot_minutes", "slot_starts", "time_zone", "sessions",
                "breaks", "participants", "tables", "meetings", "previous"}
PRESENTATION_KEYS = {"n_slots", "start", "slot_minutes", "slot_starts", "time_zone", "breaks",
                     "startups", "members", "panels", "rooms", "pitches"}


class _Reader:
    """Typed access to a parsed JSON document; every refusal names file, line and JSON path."""

    def __init__(self, path: str | Path) -> None:
        self.path = path

    def fail(self, node: Any, where: str, message: str) -> InputError:
        return InputError(self.path, line_of(node), f"{where}: {message}" if where else message)

    def obj(self, value: Any, where: str, keys: set[str], required: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            raise self.fail(value, where, f"expected an object, got {_kind(value)}")
        for key in value:
            if key not in keys:
                raise self.fail(value, where, f"unknown key {key!r} (known: {', '.join(sorted(keys))})")
        for key in required:
            if key not in value:
                raise self.fail(value, where, f"missing key {key!r}")
        return value

    def array(self, parent: dict, key: str, where: str, default: Any = ...) -> list:
        if key not in parent or (parent[key] is None and default is not ...):
            if default is ...:
                raise self.fail(parent, where, f"missing key {key!r}")
            return default
        value = parent[key]
        if not isinstance(value, list):
            raise self.fail(parent, _at(where, key), f"expected a list, got {_kind(value)}")
        return value

    def integer(self, parent: dict, value: Any, where: str, minimum: int | None = None,
                below: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(parent, where, f"expected a whole number, got {_kind(value)}")
        if minimum is not None and value < minimum:
            raise self.fail(parent, where, f"{value} is below {minimum}")
        if below is not None and value >= below:
            raise self.fail(parent, where, f"slot {value} is outside the event (0..{below - 1})")
        return value

    def ident(self, parent: Any, value: Any, where: str, what: str) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.fail(parent, where, f"a {what} id must be a string, got {_kind(value)}")
        try:
            return check_id(self.path, line_of(parent), str(value), what)
        except InputError as exc:
            raise self.fail(parent, where, exc.message) from None

    def text(self, parent: dict, key: str, where: str) -> str:
        value = parent.get(key, "")
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(parent, _at(where, key), f"expected a string, got {_kind(value)}")
        return value

    def slots(self, parent: dict, key: str, where: str, n_slots: int) -> frozenset[int] | None:
        if parent.get(key) is None:
            return None
        items = self.array(parent, key, where)
        seen: set[int] = set()
        for i, value in enumerate(items):
            slot = self.integer(parent, value, f"{_at(where, key)}[{i}]", 0, n_slots)
            if slot in seen:
                raise self.fail(parent, f"{_at(where, key)}[{i}]", f"slot {slot} appears twice")
            seen.add(slot)
        return frozenset(seen)

    def objects(self, parent: dict, key: str, where: str, keys: set[str],
                required: tuple[str, ...] = ("id",), default: Any = ...) -> list[tuple[str, dict]]:
        """(path, object) per element; ids (when required) unique within the list."""
        out = []
        seen: dict[str, str] = {}
        for i, item in enumerate(self.array(parent, key, where, default)):
            at = f"{_at(where, key)}[{i}]"
            self.obj(item if isinstance(item, dict) else _Located(item, parent), at, keys, required)
            if "id" in required:
                ident = self.ident(item, item["id"], f"{at}.id", _SINGULAR.get(key, key.rstrip("s")))
                if ident in seen:
                    raise self.fail(item, f"{at}.id", f"id {ident!r} appears again (first at {seen[ident]})")
                seen[ident] = at
            out.append((at, item))
        return out

    def refs(self, parent: dict, key: str, where: str, known: dict | set, what: str) -> tuple[str, ...]:
        out = []
        for i, value in enumerate(self.array(parent, key, where, [])):
            ident = self.ident(parent, value, f"{_at(where, key)}[{i}]", what)
            if ident not in known:
                raise self.fail(parent, f"{_at(where, key)}[{i}]", f"unknown {what} {ident!r}")
            out.append(ident)
        return tuple(out)


_SINGULAR = {"pitches": "pitch"}


class _Located:
    """A non-object where an object was expected, located at its parent's line."""

    def __init__(self, value: Any, parent: Any) -> None:
        self.value, self.line = value, line_of(parent)


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(value: Any) -> str:
    if isinstance(value, _Located):
        value = value.value
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false",
            type(None): "null"}.get(type(value), "a number")


def clock_from_json(data: dict[str, Any], path: str | Path = "instance") -> EventClock | None:
    """The event's clock (``start`` + ``slot_minutes``, or ``slot_starts``, and ``time_zone``),
    ``None`` without times; :class:`InputError` for malformed times or an unknown zone."""
    r = _Reader(path)
    minutes = r.integer(data, data.get("slot_minutes", 30), "slot_minutes", 1)

    def moment(value: Any, where: str) -> datetime:
        if not isinstance(value, str):
            raise r.fail(data, where, f"expected an ISO 8601 date-time string, got {_kind(value)}")
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise r.fail(data, where, f"{value!r} is not an ISO 8601 date-time") from None

    if "slot_starts" in data:
        items = r.array(data, "slot_starts", "")
        if not items:
            raise r.fail(data, "slot_starts", "is empty")
        starts = tuple(moment(s, f"slot_starts[{i}]") for i, s in enumerate(items))
        start = starts[0]
    elif "start" in data:
        starts, start = None, moment(data["start"], "start")
    else:
        return None
    zone = data.get("time_zone")
    if zone is not None and not isinstance(zone, str):
        raise r.fail(data, "time_zone", f"expected an IANA time zone name, got {_kind(zone)}")
    try:
        return EventClock(start, minutes, starts, event_zone(start, zone))
    except ValueError as error:
        raise r.fail(data, "time_zone", str(error)) from None


def meetings_from_json(data: dict[str, Any], path: str | Path = "instance") -> MeetingInstance:
    """A :class:`MeetingInstance` from the JSON above; :class:`InputError` on malformed input."""
    r = _Reader(path)
    r.obj(data, "", MEETING_KEYS, ("n_slots", "participants", "tables", "meetings"))
    n_slots = r.integer(data, data["n_slots"], "n_slots", 1)
    clock = clock_from_json(data, path)
    if clock is not None and clock.slot_starts is not None and len(clock.slot_starts) != n_slots:
        raise r.fail(data, "slot_starts", f"has {len(clock.slot_starts)} entries, n_slots is {n_slots}")
    sessions = data.get("sessions")
    if sessions is not None:
        items = r.array(data, "sessions", "")
        if len(items) != n_slots:
            raise r.fail(data, "sessions", f"has {len(items)} entries, n_slots is {n_slots}")
        sessions = tuple(r.integer(data, v, f"sessions[{i}]", 0) for i, v in enumerate(items))
    breaks = r.slots(data, "breaks", "", n_slots) or frozenset()
    if sessions is None and clock is not None:
        # Days of the event's own zone; a slot straddling local midnight becomes a break.
        sessions = clock.sessions(n_slots)
        breaks = frozenset(breaks) | clock.midnight_slots(n_slots)
    participants = []
    for at, p in r.objects(data, "participants", "", {"id", "name", "available"}):
        participants.append(Participant(str(p["id"]), r.text(p, "name", at),
                                        r.slots(p, "available", at, n_slots)))
    people = {p.id for p in participants}
    tables = []
    for at, t in r.objects(data, "tables", "", {"id", "name", "reserved_for"}):
        reserved = r.refs(t, "reserved_for", at, people, "participant")
        tables.append(Table(str(t["id"]), r.text(t, "name", at), frozenset(reserved)))
    table_ids = {t.id for t in tables}
    meetings = []
    keys = {"id", "participants", "priority", "length", "locked_slot", "locked_table"}
    for at, m in r.objects(data, "meetings", "", keys, ("id", "participants")):
        who = r.refs(m, "participants", at, people, "participant")
        priority = m.get("priority", "meet")
        if not isinstance(priority, str) or priority not in {str(p) for p in Priority}:
            raise r.fail(m, f"{at}.priority", f"{priority!r} is not one of "
                                              f"{', '.join(str(p) for p in Priority)}")
        length = r.integer(m, m.get("length", 1), f"{at}.length", 1)
        locked_slot = m.get("locked_slot")
        if locked_slot is not None:
            locked_slot = r.integer(m, locked_slot, f"{at}.locked_slot", 0, n_slots)
        locked_table = m.get("locked_table")
        if locked_table is not None:
            locked_table = r.ident(m, locked_table, f"{at}.locked_table", "table")
            if locked_table not in table_ids:
                raise r.fail(m, f"{at}.locked_table", f"unknown table {locked_table!r}")
        meetings.append(Meeting(str(m["id"]), who, Priority(priority), length, locked_slot, locked_table))
    return MeetingInstance(
        n_slots=n_slots,
        participants=tuple(participants),
        meetings=tuple(meetings),
        tables=tuple(tables),
        sessions=None if sessions is None else tuple(sessions),
        breaks=breaks,
    )


def meetings_to_json(instance: MeetingInstance) -> dict[str, Any]:
    return {
        "n_slots": instance.n_slots,
        "sessions": None if instance.sessions is None else list(instance.sessions),
        "breaks": sorted(instance.breaks),
        "participants": [
            {
                "id": p.id,
                "name": p.name,
                "available": None if p.available is None else sorted(p.available),
            }
            for p in instance.participants
        ],
        "tables": [
            {"id": t.id, "name": t.name, "reserved_for": sorted(t.reserved_for)}
            for t in instance.tables
        ],
        "meetings": [
            {
                "id": m.id,
                "participants": list(m.participants),
                "priority": str(m.priority),
                "length": m.length,
                "locked_slot": m.locked_slot,
                "locked_table": m.locked_table,
            }
            for m in instance.meetings
        ],
    }


def placements_from_json(items: list[dict[str, Any]], path: str | Path = "previous",
                         where: str = "placements") -> list[Placement]:
    """Placements of an earlier schedule (``meeting_id``, ``slot``, ``table_id``; ``start``/``end``
    are ignored). Ids may name meetings or tables the instance no longer has (cancelled, removed);
    the same meeting twice is refused."""
    r = _Reader(path)
    if not isinstance(items, list):
        raise r.fail(items, where, f"expected a list, got {_kind(items)}")
    out = []
    seen: dict[str, str] = {}
    for i, p in enumerate(items):
        at = f"{where}[{i}]"
        r.obj(p if isinstance(p, dict) else _Located(p, None), at,
              {"meeting_id", "slot", "table_id", "start", "end"}, ("meeting_id", "slot", "table_id"))
        meeting = r.ident(p, p["meeting_id"], f"{at}.meeting_id", "meeting")
        if meeting in seen:
            raise r.fail(p, f"{at}.meeting_id", f"meeting {meeting!r} is placed again (first at {seen[meeting]})")
        seen[meeting] = at
        slot = r.integer(p, p["slot"], f"{at}.slot", 0)
        out.append(Placement(meeting, slot, r.ident(p, p["table_id"], f"{at}.table_id", "table")))
    return out


def previous_from_json(data: Any, path: str | Path) -> list[Placement]:
    """The placements of a schedule file written by ``kbridge-schedule meetings --out``."""
    r = _Reader(path)
    if not isinstance(data, dict) or "placements" not in data:
        raise r.fail(data, "", "expected a schedule object with a 'placements' list")
    return placements_from_json(data["placements"], path)


def _placement(p: Placement, instance: MeetingInstance, clock: EventClock | None) -> dict:
    item: dict[str, Any] = {"meeting_id": p.meeting_id, "slot": p.slot, "table_id": p.table_id}
    if clock is not None:
        length = instance.meeting_map()[p.meeting_id].length
        item["start"] = clock.begin(p.slot).isoformat()
        item["end"] = clock.end(p.slot, length).isoformat()
    return item


def schedule_to_json(
    schedule: MeetingSchedule, instance: MeetingInstance, clock: EventClock | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        **({} if clock is None else {"time_zone": str(clock.zone)}),
        "placed": len(schedule.placements),
        "placed_weight": schedule.placed_weight,
        "weight_bound": schedule.weight_bound,
        "gap": schedule.gap,
        "optimal": schedule.optimal,
        "holes": schedule.holes,
        "stages": [
            {
                "name": s.name,
                "sense": s.sense,
                "objective": s.objective,
                "bound": s.bound,
                "optimal": s.optimal,
                "seconds": round(s.seconds, 3),
                "solver": s.solver,
            }
            for s in schedule.stages
        ],
        "placements": [_placement(p, instance, clock) for p in schedule.placements],
        "unplaced": list(schedule.unplaced),
        "explanations": [
            {"meeting_id": e.meeting_id, "code": e.code, "params": e.params, "text": e.text}
            for e in schedule.explanations
        ],
        "warnings": list(schedule.warnings),
    }
    if schedule.changes is not None:
        c = schedule.changes
        result["changes"] = {
            "moved": [
                {
                    "meeting_id": m.meeting_id,
                    "before": _placement(m.before, instance, clock),
                    "after": None if m.after is None else _placement(m.after, instance, clock),
                }
                for m in c.moved
            ],
            "table_changed": [
                {"meeting_id": m.meeting_id, "before": m.before.table_id, "after": m.after.table_id}
                for m in c.table_changed
                if m.after is not None
            ],
            "added": [_placement(p, instance, clock) for p in c.added],
            "cancelled": list(c.cancelled),
        }
    return result


def presentations_from_json(data: dict[str, Any], path: str | Path = "instance") -> PresentationInstance:
    """A :class:`PresentationInstance` from the JSON above; :class:`InputError` on malformed input."""
    r = _Reader(path)
    r.obj(data, "", PRESENTATION_KEYS, ("n_slots", "startups", "members", "panels", "rooms", "pitches"))
    n_slots = r.integer(data, data["n_slots"], "n_slots", 1)
    clock_from_json(data, path)

    def people(key: str) -> list[Person]:
        return [
            Person(str(p["id"]), r.text(p, "name", at), r.slots(p, "blocked", at, n_slots) or frozenset())
            for at, p in r.objects(data, key, "", {"id", "name", "blocked"})
        ]

    startups, members = people("startups"), people("members")
    member_ids = {m.id for m in members}
    panels = [
        Panel(str(p["id"]), r.refs(p, "members", at, member_ids, "member"), r.text(p, "name", at))
        for at, p in r.objects(data, "panels", "", {"id", "name", "members"}, ("id", "members"))
    ]
    rooms = [Room(str(x["id"]), r.text(x, "name", at)) for at, x in r.objects(data, "rooms", "", {"id", "name"})]
    startup_ids, panel_ids = {s.id for s in startups}, {p.id for p in panels}
    pitches = []
    for at, p in r.objects(data, "pitches", "", {"id", "startup", "panel", "length"},
                           ("id", "startup", "panel")):
        startup = r.ident(p, p["startup"], f"{at}.startup", "startup")
        if startup not in startup_ids:
            raise r.fail(p, f"{at}.startup", f"unknown startup {startup!r}")
        panel = r.ident(p, p["panel"], f"{at}.panel", "panel")
        if panel not in panel_ids:
            raise r.fail(p, f"{at}.panel", f"unknown panel {panel!r}")
        length = r.integer(p, p.get("length", 1), f"{at}.length", 1)
        pitches.append(Pitch(str(p["id"]), startup, panel, length))
    return PresentationInstance(
        n_slots=n_slots,
        startups=tuple(startups),
        members=tuple(members),
        panels=tuple(panels),
        rooms=tuple(rooms),
        pitches=tuple(pitches),
        breaks=r.slots(data, "breaks", "", n_slots) or frozenset(),
    )


def presentations_to_json(instance: PresentationInstance) -> dict[str, Any]:
    def person(p: Person) -> dict[str, Any]:
        return {"id": p.id, "name": p.name, "blocked": sorted(p.blocked)}

    return {
        "n_slots": instance.n_slots,
        "breaks": sorted(instance.breaks),
        "startups": [person(p) for p in instance.startups],
        "members": [person(p) for p in instance.members],
        "panels": [
            {"id": p.id, "name": p.name, "members": list(p.members)} for p in instance.panels
        ],
        "rooms": [{"id": r.id, "name": r.name} for r in instance.rooms],
        "pitches": [
            {"id": p.id, "startup": p.startup, "panel": p.panel, "length": p.length}
            for p in instance.pitches
        ],
    }


def presentation_schedule_to_json(
    schedule: PresentationSchedule, instance: PresentationInstance, clock: EventClock | None
) -> dict[str, Any]:
    lengths = {p.id: p.length for p in instance.pitches}

    def when(slot: int, length: int) -> dict[str, str]:
        if clock is None:
            return {}
        return {"start": clock.begin(slot).isoformat(), "end": clock.end(slot, length).isoformat()}

    return {
        "idle": schedule.idle,
        "day_end": schedule.day_end,
        "objective": schedule.objective,
        "bound": schedule.bound,
        "gap": schedule.gap,
        "optimal": schedule.optimal,
        "seconds": round(schedule.seconds, 3),
        "pitches": [
            {
                "pitch_id": p.pitch_id,
                "slot": p.slot,
                "room_id": p.room_id,
                **when(p.slot, lengths[p.pitch_id]),
            }
            for p in schedule.pitches
        ],
        "panels": [
            {
                "panel_id": b.panel_id,
                "room_id": b.room_id,
                "start": b.start,
                "end": b.end,
                "idle": b.idle,
            }
            for b in schedule.panels
        ],
    }
