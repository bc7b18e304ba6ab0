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
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kbridge.engine.scheduling.export import EventClock, event_zone
from kbridge.engine.scheduling.model import (
    Meeting,
    MeetingInstance,
    MeetingSchedule,
    Participant,
    Placement,
    Priority,
    SchedulingError,
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


def clock_from_json(data: dict[str, Any]) -> EventClock | None:
    """The event's clock from ``start``/``slot_starts``, ``slot_minutes`` and ``time_zone``.

    ``None`` when the instance has no times. Raises :class:`SchedulingError` for an unknown
    ``time_zone``.
    """
    if "slot_starts" in data:
        starts = tuple(datetime.fromisoformat(s) for s in data["slot_starts"])
        start = starts[0]
    elif "start" in data:
        starts, start = None, datetime.fromisoformat(data["start"])
    else:
        return None
    try:
        zone = event_zone(start, data.get("time_zone"))
    except ValueError as error:
        raise SchedulingError(str(error)) from error
    return EventClock(start, int(data.get("slot_minutes", 30)), starts, zone)


def meetings_from_json(data: dict[str, Any]) -> MeetingInstance:
    n_slots = int(data["n_slots"])
    sessions = data.get("sessions")
    breaks = frozenset(data.get("breaks", []))
    clock = clock_from_json(data)
    if sessions is None and clock is not None:
        sessions = clock.sessions(n_slots)
        breaks |= clock.midnight_slots(n_slots)
    return MeetingInstance(
        n_slots=n_slots,
        participants=tuple(
            Participant(
                str(p["id"]),
                p.get("name", ""),
                None if p.get("available") is None else frozenset(p["available"]),
            )
            for p in data["participants"]
        ),
        meetings=tuple(
            Meeting(
                str(m["id"]),
                tuple(str(x) for x in m["participants"]),
                Priority(m.get("priority", "meet")),
                int(m.get("length", 1)),
                m.get("locked_slot"),
                m.get("locked_table"),
            )
            for m in data["meetings"]
        ),
        tables=tuple(
            Table(str(t["id"]), t.get("name", ""), frozenset(t.get("reserved_for", [])))
            for t in data["tables"]
        ),
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


def placements_from_json(items: list[dict[str, Any]]) -> list[Placement]:
    return [Placement(str(p["meeting_id"]), int(p["slot"]), str(p["table_id"])) for p in items]


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


def presentations_from_json(data: dict[str, Any]) -> PresentationInstance:
    def person(p: dict[str, Any]) -> Person:
        return Person(str(p["id"]), p.get("name", ""), frozenset(p.get("blocked", [])))

    return PresentationInstance(
        n_slots=int(data["n_slots"]),
        startups=tuple(person(p) for p in data["startups"]),
        members=tuple(person(p) for p in data["members"]),
        panels=tuple(
            Panel(str(p["id"]), tuple(str(m) for m in p["members"]), p.get("name", ""))
            for p in data["panels"]
        ),
        rooms=tuple(Room(str(r["id"]), r.get("name", "")) for r in data["rooms"]),
        pitches=tuple(
            Pitch(str(p["id"]), str(p["startup"]), str(p["panel"]), int(p.get("length", 1)))
            for p in data["pitches"]
        ),
        breaks=frozenset(data.get("breaks", [])),
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
