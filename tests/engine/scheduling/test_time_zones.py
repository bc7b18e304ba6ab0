"""Events outside Korea: days, sessions and clock times follow the event's own time zone."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from kbridge.engine.inputs import InputError
from kbridge.engine.scheduling import SchedulingError, SolveOptions, solve_meetings
from kbridge.engine.scheduling.cli import main
from kbridge.engine.scheduling.export import KST, agenda_ics, event_zone, meeting_agendas
from kbridge.engine.scheduling.serialize import clock_from_json, meetings_from_json

PARIS = ZoneInfo("Europe/Paris")
OPTIONS = SolveOptions(time_limit=5, workers=1)


def paris_event(**extra) -> dict:
    """14:00-18:00 in Paris (+02:00), 30-minute slots; both free only 16:30-17:30 (slots 5, 6).

    17:00 in Paris is midnight in Seoul: cutting days at KST midnight splits the only free hour.
    """
    data = {
        "n_slots": 8,
        "start": "2026-06-10T14:00:00+02:00",
        "slot_minutes": 30,
        "participants": [{"id": "acme", "available": [5, 6]}, {"id": "s1", "available": [5, 6]}],
        "tables": [{"id": "t1"}],
        "meetings": [
            {"id": "m1", "participants": ["s1", "acme"], "priority": "must_meet", "length": 2}
        ],
    }
    data.update(extra)
    return data


def test_paris_meeting_across_kst_midnight_is_placed_at_local_time(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps(paris_event()), encoding="utf-8")
    out, ics = tmp_path / "s.json", tmp_path / "ics"
    assert main(["meetings", str(event), "--out", str(out), "--ics-dir", str(ics)]) == 0
    result = json.loads(out.read_text())
    assert result["unplaced"] == [] and result["explanations"] == []
    [placement] = result["placements"]
    assert placement["slot"] == 5
    assert (placement["start"], placement["end"]) == (
        "2026-06-10T16:30:00+02:00",
        "2026-06-10T17:30:00+02:00",
    )
    # The calendar file says the same instant (a bare offset has no VTIMEZONE: written in UTC).
    [event_ics] = Calendar.from_ical((ics / "acme.ics").read_bytes()).walk("VEVENT")
    assert event_ics.decoded("dtstart") == datetime(2026, 6, 10, 16, 30, tzinfo=PARIS)


def test_an_explicit_iana_zone_is_used_for_days_and_calendars():
    data = paris_event(time_zone="Europe/Paris")
    instance = meetings_from_json(data)
    assert instance.sessions == (0,) * 8
    schedule = solve_meetings(instance, OPTIONS)
    assert [(p.meeting_id, p.slot) for p in schedule.placements] == [("m1", 5)]
    clock = clock_from_json(data)
    agendas = meeting_agendas(instance, schedule.placements, clock)
    [item] = agendas["acme"]
    assert item.start.tzinfo is PARIS and item.start.hour == 16 and item.start.minute == 30
    text = agenda_ics(agendas["acme"], calendar_name="x", stamp=clock.begin(0)).decode()
    assert "TZID:Europe/Paris" in text
    assert "DTSTART;TZID=Europe/Paris:20260610T163000" in text


def test_a_naive_start_is_read_in_the_named_zone():
    data = paris_event(start="2026-06-10T14:00", time_zone="Europe/Paris")
    clock = clock_from_json(data)
    assert clock.begin(5).isoformat() == "2026-06-10T16:30:00+02:00"


def test_a_locked_meeting_across_the_old_kst_cut_stays_where_the_operator_put_it():
    data = paris_event()
    data["meetings"][0]["locked_slot"] = 5
    schedule = solve_meetings(meetings_from_json(data), OPTIONS)
    assert [(p.slot, p.table_id) for p in schedule.placements] == [(5, "t1")]
    assert schedule.warnings == ()


def test_a_locked_meeting_across_local_midnight_is_refused_not_placed(tmp_path, capsys):
    data = {
        "n_slots": 4,
        "start": "2026-06-10T23:00:00",
        "time_zone": "Europe/Paris",
        "slot_minutes": 30,
        "participants": [{"id": "a"}, {"id": "b"}],
        "tables": [{"id": "t1"}],
        "meetings": [{"id": "late", "participants": ["a", "b"], "length": 2, "locked_slot": 1}],
    }
    instance = meetings_from_json(data)
    assert instance.sessions == (0, 0, 1, 1)
    with pytest.raises(SchedulingError, match="'late'.*spans sessions 0 and 1"):
        solve_meetings(instance, OPTIONS)
    event = tmp_path / "event.json"
    event.write_text(json.dumps(data), encoding="utf-8")
    assert main(["meetings", str(event)]) == 1
    assert "'late'" in capsys.readouterr().err


def test_a_free_meeting_never_crosses_local_midnight():
    data = {
        "n_slots": 4,
        "start": "2026-06-10T23:00:00+02:00",
        "time_zone": "Europe/Paris",
        "slot_minutes": 30,
        "participants": [{"id": "a", "available": [1, 2]}, {"id": "b"}],
        "tables": [{"id": "t1"}],
        "meetings": [{"id": "m", "participants": ["a", "b"], "length": 2}],
    }
    schedule = solve_meetings(meetings_from_json(data), OPTIONS)
    assert schedule.unplaced == ("m",)


def test_a_slot_straddling_local_midnight_is_a_break():
    data = paris_event(start="2026-06-10T22:15", time_zone="Europe/Paris", slot_minutes=60)
    data["participants"] = [{"id": "acme"}, {"id": "s1"}]
    data["meetings"][0]["length"] = 1
    instance = meetings_from_json(data)
    assert instance.breaks == {1}  # 23:15-00:15
    assert instance.sessions == (0, 0, 1, 1, 1, 1, 1, 1)
    data["meetings"][0]["locked_slot"] = 1
    with pytest.raises(SchedulingError, match="covers break slot 1"):
        meetings_from_json(data).validate()


def test_a_locked_meeting_over_a_break_is_refused():
    data = paris_event(breaks=[6])
    data["meetings"][0]["locked_slot"] = 5
    with pytest.raises(SchedulingError, match="'m1' covers break slot 6"):
        meetings_from_json(data).validate()


def test_daylight_saving_end_in_paris_gives_a_25_hour_day():
    # 2026-10-25: clocks go back from 03:00 CEST to 02:00 CET in Paris.
    data = {
        "n_slots": 27,
        "start": "2026-10-25T00:00",
        "time_zone": "Europe/Paris",
        "slot_minutes": 60,
        "participants": [{"id": "a", "available": [23, 24, 25]}, {"id": "b"}],
        "tables": [{"id": "t1"}],
        "meetings": [{"id": "m", "participants": ["a", "b"], "length": 2}],
    }
    clock = clock_from_json(data)
    begins = [clock.begin(s) for s in range(27)]
    assert [b.isoformat() for b in begins[1:4]] == [
        "2026-10-25T01:00:00+02:00",
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:00:00+01:00",
    ]
    utc = [b.astimezone(UTC) for b in begins]
    assert all(b - a == timedelta(hours=1) for a, b in zip(utc, utc[1:], strict=False))
    assert clock.end(24).isoformat() == "2026-10-26T00:00:00+01:00"
    instance = meetings_from_json(data)
    assert instance.sessions == (0,) * 25 + (1,) * 2
    schedule = solve_meetings(instance, OPTIONS)
    # Slots 23-24 (22:00-24:00 local) are the only same-day pair; 24-25 would cross midnight.
    assert [p.slot for p in schedule.placements] == [23]


def test_daylight_saving_start_in_paris_gives_a_23_hour_day():
    clock = clock_from_json(
        {"start": "2026-03-29T00:00", "time_zone": "Europe/Paris", "slot_minutes": 60}
    )
    assert clock.sessions(25) == (0,) * 23 + (1,) * 2
    assert clock.begin(2).isoformat() == "2026-03-29T03:00:00+02:00"


def test_korean_events_keep_kst():
    for start in ("2025-06-10T09:00", "2025-06-10T09:00:00+09:00"):
        clock = clock_from_json({"start": start, "slot_minutes": 20})
        assert clock.zone is KST
        assert clock.begin(3).isoformat() == "2025-06-10T10:00:00+09:00"
    assert event_zone() is KST
    clock = clock_from_json({"start": "2025-06-10T23:00+09:00", "slot_minutes": 60})
    assert clock.sessions(3) == (0, 1, 1)


def test_an_unknown_time_zone_is_an_input_error(tmp_path, capsys):
    for name in ("Europe/Pariss", "Europe", "../etc/passwd", ""):
        # An input error like every other malformed value: it names the file and the key.
        with pytest.raises(InputError, match="time_zone: unknown time zone"):
            clock_from_json(paris_event(time_zone=name))
    event = tmp_path / "event.json"
    event.write_text(json.dumps(paris_event(time_zone="Mars/Olympus")), encoding="utf-8")
    assert main(["meetings", str(event)]) == 1
    assert "Mars/Olympus" in capsys.readouterr().err


ZONES = [
    "Europe/Paris",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Seoul",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",  # half-hour daylight saving
    "Pacific/Chatham",
]
DAYS = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2026, 10, 25),
]


@st.composite
def zoned_events(draw: st.DrawFn) -> dict:
    zone = draw(st.sampled_from(ZONES))
    day = draw(st.sampled_from(DAYS))
    hour = draw(st.integers(0, 23))
    minute = draw(st.sampled_from([0, 15, 30, 45]))
    slot_minutes = draw(st.sampled_from([15, 30, 60]))
    n_slots = draw(st.integers(2, 10))
    people = [f"p{i}" for i in range(draw(st.integers(2, 4)))]
    participants = [
        {
            "id": p,
            "available": draw(
                st.one_of(st.none(), st.lists(st.integers(0, n_slots - 1), unique=True))
            ),
        }
        for p in people
    ]
    meetings = []
    for k in range(draw(st.integers(1, 4))):
        pair = draw(st.lists(st.sampled_from(people), min_size=2, max_size=2, unique=True))
        length = draw(st.integers(1, min(3, n_slots)))
        meeting = {"id": f"m{k}", "participants": pair, "length": length}
        if draw(st.integers(0, 4)) == 0:
            meeting["locked_slot"] = draw(st.integers(0, n_slots - length))
        meetings.append(meeting)
    start = datetime(day.year, day.month, day.day, hour, minute)
    return {
        "n_slots": n_slots,
        "start": start.isoformat(),
        "time_zone": zone,
        "slot_minutes": slot_minutes,
        "participants": participants,
        "tables": [{"id": "t1"}, {"id": "t2"}],
        "meetings": meetings,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zoned_events())
def test_no_meeting_crosses_a_local_day_boundary(data):
    instance = meetings_from_json(data)
    clock = clock_from_json(data)
    meetings = instance.meeting_map()

    def local_days(slot: int, length: int) -> set[date]:
        last_minute = clock.end(slot, length) - timedelta(minutes=1)
        return {clock.begin(slot).date(), last_minute.date()}

    crossing = [
        m.id for m in instance.meetings if m.locked and len(local_days(m.locked_slot, m.length)) > 1
    ]
    # A slot that itself straddles local midnight is a break.
    assert instance.breaks == {s for s in range(instance.n_slots) if len(local_days(s, 1)) > 1}
    try:
        schedule = solve_meetings(instance, OPTIONS)
    except SchedulingError as error:
        # Locks across local midnight (or clashing locks) are refused, never placed.
        assert crossing or "both need" in str(error) or "too few tables" in str(error), error
        return
    assert not crossing
    for p in schedule.placements:
        assert len(local_days(p.slot, meetings[p.meeting_id].length)) == 1, (p, data)


def _paris_item(item_id: str, start: datetime, end: datetime, **extra):
    from kbridge.engine.scheduling.export import AgendaItem

    fields = {"owner": "acme", "item_id": item_id, "start": start, "end": end, "place": "t1",
              "with_ids": ("s1",), "with_names": ("S1",), "title": "Meeting"}
    fields.update(extra)
    return AgendaItem(**fields)


def test_calendar_times_inside_a_daylight_saving_change_name_the_right_instant():
    """Paris turns its clocks back at 03:00 on 2026-10-25: 02:00-03:00 happens twice. A TZID
    time in that hour is read as its first occurrence (RFC 5545, 3.3.5), so such times are
    written in UTC; the other meetings keep their local time."""
    hour = timedelta(hours=1)
    first_two = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 02:00+02:00
    instants = [first_two + i * hour for i in range(4)]    # 02:00+02, 02:00+01, 03:00+01, …
    items = [_paris_item(f"m{i}", s.astimezone(PARIS), (s + hour).astimezone(PARIS))
             for i, s in enumerate(instants)]
    assert items[0].start.hour == items[1].start.hour == 2  # the same wall-clock hour twice
    data = agenda_ics(items, calendar_name="x", stamp=first_two)
    events = Calendar.from_ical(data).walk("VEVENT")
    read = {str(e["uid"]).split("-")[0]: (e.decoded("dtstart"), e.decoded("dtend"))
            for e in events}
    for i, start in enumerate(instants):
        assert read[f"m{i}"] == (start, start + hour), i
    # the spring change: 02:30 on 2026-03-29 does not exist in Paris
    gap = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    [event] = Calendar.from_ical(agenda_ics(
        [_paris_item("g", gap.astimezone(PARIS), (gap + hour).astimezone(PARIS))],
        calendar_name="x", stamp=gap)).walk("VEVENT")
    assert event.decoded("dtstart") == gap


def test_calendar_text_carries_no_control_characters():
    start = datetime(2026, 6, 10, 16, 30, tzinfo=PARIS)
    data = agenda_ics([_paris_item("m", start, start + timedelta(hours=1),
                                   title="A\x00B\x07C\x1bD", place="T\x01\x0c1")],
                      calendar_name="n\x00ame", stamp=start)
    assert not any(b < 0x20 and b not in (0x0d, 0x0a, 0x09) for b in data)
    [event] = Calendar.from_ical(data).walk("VEVENT")
    assert (str(event["summary"]), str(event["location"])) == ("ABCD", "T1")
