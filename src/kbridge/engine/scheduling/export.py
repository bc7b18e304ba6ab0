"""Personal agendas, CSV and iCalendar files, with times in Korea Standard Time.

The engine counts in slots; people read clock times. An :class:`EventClock` maps slots to
timezone-aware datetimes (``Asia/Seoul`` by default, through :mod:`zoneinfo`), either as an event
start plus a fixed slot length or as an explicit start per slot for multi-day events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from kbridge.engine import tabular
from kbridge.engine.scheduling.model import MeetingInstance, Placement
from kbridge.engine.scheduling.presentations import PresentationInstance, PresentationSchedule

KST = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True, slots=True)
class EventClock:
    """Slot ``s`` starts at ``start + s * slot_minutes``, or at ``slot_starts[s]`` when given.

    A naive ``start`` is read as KST. Every slot lasts ``slot_minutes``.
    """

    start: datetime
    slot_minutes: int
    slot_starts: tuple[datetime, ...] | None = None
    tz: ZoneInfo = KST

    def begin(self, slot: int) -> datetime:
        if self.slot_starts is not None:
            value = self.slot_starts[slot]
        else:
            value = self.start + timedelta(minutes=self.slot_minutes * slot)
        return value.replace(tzinfo=self.tz) if value.tzinfo is None else value.astimezone(self.tz)

    def end(self, slot: int, length: int = 1) -> datetime:
        """End of a block of ``length`` slots starting at ``slot``."""
        return self.begin(slot + length - 1) + timedelta(minutes=self.slot_minutes)

    def sessions(self, n_slots: int) -> tuple[int, ...]:
        """One session per calendar day (KST): holes never span the night."""
        days = sorted({self.begin(s).date() for s in range(n_slots)})
        index = {d: i for i, d in enumerate(days)}
        return tuple(index[self.begin(s).date()] for s in range(n_slots))


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """One entry of somebody's personal agenda."""

    owner: str
    item_id: str
    start: datetime
    end: datetime
    place: str
    with_ids: tuple[str, ...]
    with_names: tuple[str, ...]
    title: str


def meeting_agendas(
    instance: MeetingInstance, placements: Iterable[Placement], clock: EventClock
) -> dict[str, list[AgendaItem]]:
    """Every participant's meetings in time order (participants without meetings get [])."""
    meetings = instance.meeting_map()
    people = instance.participant_map()
    tables = instance.table_map()
    result: dict[str, list[AgendaItem]] = {p.id: [] for p in instance.participants}
    for p in placements:
        m = meetings[p.meeting_id]
        table = tables[p.table_id]
        for owner in m.participants:
            others = tuple(x for x in m.participants if x != owner)
            names = tuple(people[x].name or x for x in others)
            result[owner].append(
                AgendaItem(
                    owner=owner,
                    item_id=m.id,
                    start=clock.begin(p.slot),
                    end=clock.end(p.slot, m.length),
                    place=table.name or table.id,
                    with_ids=others,
                    with_names=names,
                    title=f"1:1 meeting with {', '.join(names)}",
                )
            )
    for items in result.values():
        items.sort(key=lambda a: (a.start, a.item_id))
    return result


def presentation_agendas(
    instance: PresentationInstance, schedule: PresentationSchedule, clock: EventClock
) -> dict[str, list[AgendaItem]]:
    """Each startup's pitches and each panel member's sessions, in time order."""
    pitches = {p.id: p for p in instance.pitches}
    panels = {p.id: p for p in instance.panels}
    rooms = {r.id: r for r in instance.rooms}
    names = {p.id: p.name or p.id for p in (*instance.startups, *instance.members)}
    result: dict[str, list[AgendaItem]] = defaultdict(list)
    for pp in schedule.pitches:
        pitch = pitches[pp.pitch_id]
        panel = panels[pitch.panel]
        room = rooms[pp.room_id]
        start, end = clock.begin(pp.slot), clock.end(pp.slot, pitch.length)
        place = room.name or room.id
        panel_name = panel.name or panel.id
        result[pitch.startup].append(
            AgendaItem(
                pitch.startup,
                pitch.id,
                start,
                end,
                place,
                panel.members,
                tuple(names[m] for m in panel.members),
                f"Pitch to {panel_name}",
            )
        )
        for member in panel.members:
            result[member].append(
                AgendaItem(
                    member,
                    pitch.id,
                    start,
                    end,
                    place,
                    (pitch.startup,),
                    (names[pitch.startup],),
                    f"{panel_name}: pitch by {names[pitch.startup]}",
                )
            )
    for items in result.values():
        items.sort(key=lambda a: (a.start, a.item_id))
    return dict(result)


AGENDA_HEADER = ("owner", "item", "start", "end", "place", "with", "title")


def agenda_rows(agendas: Mapping[str, list[AgendaItem]]) -> Iterator[tuple[str, ...]]:
    """The header, then one row per person and item (owners sorted), times in ISO 8601."""
    yield AGENDA_HEADER
    for owner in sorted(agendas):
        for a in agendas[owner]:
            yield (owner, a.item_id, a.start.isoformat(), a.end.isoformat(), a.place,
                   "; ".join(a.with_names), a.title)


def agendas_csv(agendas: Mapping[str, list[AgendaItem]]) -> str:
    """All agendas as one CSV for spreadsheets (:mod:`kbridge.engine.tabular`: UTF-8 BOM,
    CRLF, quoted text, formulas neutralised). Write it with ``newline=""``."""
    return tabular.csv_text(agenda_rows(agendas))


def agenda_ics(
    items: Iterable[AgendaItem],
    *,
    calendar_name: str,
    uid_domain: str = "kbridge.local",
    stamp: datetime | None = None,
) -> bytes:
    """One person's agenda as an iCalendar file (RFC 5545) with a VTIMEZONE for Asia/Seoul.

    UIDs are ``<item>-<owner>@<uid_domain>`` so re-exports update events instead of duplicating
    them. ``stamp`` (DTSTAMP) defaults to now in UTC; pass one for reproducible files.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//K-Bridge//Scheduling//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", calendar_name)
    stamp = stamp or datetime.now(UTC)
    for a in items:
        event = Event()
        event.add("uid", f"{a.item_id}-{a.owner}@{uid_domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", a.start)
        event.add("dtend", a.end)
        event.add("summary", a.title)
        event.add("location", a.place)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
