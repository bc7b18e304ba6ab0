"""Personal agendas, CSV and iCalendar files, with times in the event's own time zone.

The engine counts in slots; people read clock times. An :class:`EventClock` maps slots to
timezone-aware datetimes in the event's zone, either as an event start plus a fixed slot length
or as an explicit start per slot for multi-day events.

The event's zone (see :func:`event_zone`) is, in this order: an explicit IANA name
(``"Europe/Paris"``, read through :mod:`zoneinfo`, daylight saving included); else ``Asia/Seoul``
for a naive start or one at ``+09:00``; else the fixed offset of the start (no daylight saving:
give the IANA name when the event crosses a clock change). Slots are elapsed time (slot ``s``
starts ``s * slot_minutes`` real minutes after the start), and days, hence default sessions, are
the event zone's calendar days: a Paris event is cut at midnight in Paris, not at KST midnight.
A slot that itself straddles local midnight belongs to no day and becomes a break.
Korean events keep ``Asia/Seoul`` and behave exactly as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from kbridge.engine import tabular
from kbridge.engine.scheduling.model import MeetingInstance, Placement
from kbridge.engine.scheduling.presentations import PresentationInstance, PresentationSchedule

KST = ZoneInfo("Asia/Seoul")
_KST_OFFSET = timedelta(hours=9)


def event_zone(start: datetime | None = None, time_zone: str | tzinfo | None = None) -> tzinfo:
    """The zone whose calendar days and clock times an event uses.

    ``time_zone`` (an IANA name such as ``"Europe/Paris"`` or a :class:`tzinfo`) wins. Without
    it: ``Asia/Seoul`` when ``start`` is missing, naive or at ``+09:00`` (Korean events, the usual
    case); otherwise the fixed UTC offset of ``start`` (e.g. ``+02:00``), which knows no daylight
    saving. Raises :class:`ValueError` for an unknown or malformed IANA name.
    """
    if isinstance(time_zone, tzinfo):
        return time_zone
    if time_zone is not None:
        name = str(time_zone).strip()
        try:
            return ZoneInfo(name)
        except (ValueError, LookupError, OSError) as error:  # not found, malformed, a folder
            raise ValueError(f"unknown time zone {name!r} (expected an IANA name)") from error
    if start is None or start.tzinfo is None:
        return KST
    offset = start.utcoffset()
    if offset is None or offset == _KST_OFFSET:
        return KST
    return start.tzinfo if isinstance(start.tzinfo, ZoneInfo) else timezone(offset)


@dataclass(frozen=True, slots=True)
class EventClock:
    """Slot ``s`` starts ``s * slot_minutes`` real minutes after ``start``, or at
    ``slot_starts[s]`` when given; every slot lasts ``slot_minutes``.

    ``tz`` is the event's zone; ``None`` derives it from ``start`` by :func:`event_zone`
    (``Asia/Seoul`` for a naive or ``+09:00`` start). Naive datetimes are read in that zone.
    Arithmetic is done in UTC, so a slot grid across a daylight-saving change keeps its real
    length (on 2026-10-25 in Paris, 60-minute slots from midnight give 25 slots that day).
    """

    start: datetime
    slot_minutes: int
    slot_starts: tuple[datetime, ...] | None = None
    tz: tzinfo | None = None

    @property
    def zone(self) -> tzinfo:
        return self.tz if self.tz is not None else event_zone(self.start)

    def _aware(self, value: datetime) -> datetime:
        return value.replace(tzinfo=self.zone) if value.tzinfo is None else value

    def begin(self, slot: int) -> datetime:
        if self.slot_starts is not None:
            value = self._aware(self.slot_starts[slot])
        else:
            minutes = timedelta(minutes=self.slot_minutes * slot)
            value = self._aware(self.start).astimezone(UTC) + minutes
        return value.astimezone(self.zone)

    def end(self, slot: int, length: int = 1) -> datetime:
        """End of a block of ``length`` slots starting at ``slot``."""
        last = self.begin(slot + length - 1).astimezone(UTC)
        return (last + timedelta(minutes=self.slot_minutes)).astimezone(self.zone)

    def sessions(self, n_slots: int) -> tuple[int, ...]:
        """One session per calendar day of the event's zone: no meeting spans local midnight.

        Session numbers count the days in order (0 for the first day with a slot).
        """
        dates = [self.begin(s).date() for s in range(n_slots)]
        index = {d: i for i, d in enumerate(sorted(set(dates)))}
        return tuple(index[d] for d in dates)

    def midnight_slots(self, n_slots: int) -> frozenset[int]:
        """Slots that themselves straddle local midnight (e.g. 23:15-00:15 with 60-minute slots).

        No day can hold them, so instances built from a clock treat them as breaks.
        """
        return frozenset(
            s
            for s in range(n_slots)
            if self.begin(s).date() != (self.end(s) - timedelta(microseconds=1)).date()
        )


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
    """The header, then one row per person and item (owners sorted), times in ISO 8601 in
    the event's own zone."""
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
    """One person's agenda as an iCalendar file (RFC 5545) in the items' time zone.

    Items in an IANA zone (``Asia/Seoul``, ``Europe/Paris``) get that VTIMEZONE; items in a bare
    UTC offset, which has no VTIMEZONE, and times that a daylight-saving change makes
    ambiguous or impossible are written in UTC, so every calendar reads them right. Text
    passes :func:`kbridge.engine.tabular.clean_text` (no control characters).

    UIDs are ``<item>-<owner>@<uid_domain>`` so re-exports update events instead of duplicating
    them. ``stamp`` (DTSTAMP) defaults to now in UTC; pass one for reproducible files.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//K-Bridge//Scheduling//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", tabular.clean_text(calendar_name))
    stamp = stamp or datetime.now(UTC)
    for a in items:
        event = Event()
        event.add("uid", f"{a.item_id}-{a.owner}@{uid_domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", _ics_time(a.start))
        event.add("dtend", _ics_time(a.end))
        # Control characters are not allowed in iCalendar text (RFC 5545, 3.3.11).
        event.add("summary", tabular.clean_text(a.title))
        event.add("location", tabular.clean_text(a.place))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _ics_time(value: datetime) -> datetime:
    """``value`` itself when its zone has an IANA name and the local time is unambiguous,
    else the same instant in UTC.

    A local time inside a daylight-saving change (02:30 on the night Paris turns its clocks
    back happens twice; 02:30 on the night they go forward never happens) cannot be written
    with a TZID: RFC 5545, 3.3.5, reads such a time as its first occurrence, which moves a
    meeting by an hour. UTC names the instant exactly.
    """
    if not isinstance(value.tzinfo, ZoneInfo):
        return value.astimezone(UTC)
    other_fold = value.replace(fold=1 - value.fold)
    if other_fold.utcoffset() != value.utcoffset():
        return value.astimezone(UTC)
    return value
