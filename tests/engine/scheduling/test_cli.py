"""``kbridge-schedule`` end to end on files."""

from __future__ import annotations

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
    assert csv.read_text().startswith("owner,item,start,end,place,with,title\n")

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
