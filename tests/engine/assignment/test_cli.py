"""kbridge-assign reads openreview-matcher's CSV files and writes CSV and JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from kbridge.engine.assignment.cli import main


def write(path: Path, rows: list[list[object]]) -> str:
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return str(path)


def test_cli_round_trip_with_conflicts_forced_pairs_and_max_papers(tmp_path: Path):
    scores = write(tmp_path / "scores.csv", [
        ["p1", "r1", 0.9], ["p1", "r2", 0.8], ["p1", "r3", 0.1],
        ["p2", "r1", 0.9], ["p2", "r2", 0.2], ["p2", "r3", 0.3],
    ])
    constraints = write(tmp_path / "constraints.csv", [["p1", "r1", -1], ["p2", "r3", 1], ["p2", "r2", 0]])
    max_papers = write(tmp_path / "max.csv", [["r1", 1], ["r2", 2], ["r3", 2]])
    out_csv, out_json, or_json = tmp_path / "a.csv", tmp_path / "a.json", tmp_path / "or.json"
    code = main(["--scores", scores, "--constraints", constraints, "--max_papers", max_papers,
                 "--num_reviewers", "2", "--out-csv", str(out_csv), "--out-json", str(out_json),
                 "--openreview-json", str(or_json)])
    assert code == 0
    rows = list(csv.reader(out_csv.read_text(encoding="utf-8-sig").splitlines()))
    pairs = sorted((row[0], row[1]) for row in rows)
    assert pairs == [("p1", "r2"), ("p1", "r3"), ("p2", "r1"), ("p2", "r3")]
    report = json.loads(out_json.read_text())["report"]
    assert (report["objective"], report["gap"]) == (2.1, 0.0)
    assert json.loads(or_json.read_text())["p2"] == [
        {"aggregate_score": 0.9, "user": "r1"}, {"aggregate_score": 0.3, "user": "r3"}]


def test_cli_reports_diagnosis_and_exit_code_2(tmp_path: Path, capsys):
    scores = write(tmp_path / "scores.csv", [["paper", "reviewer", "score"], ["p1", "r1", 0.5], ["p1", "r2", 0.5]])
    evaluators = tmp_path / "evaluators.csv"
    evaluators.write_text("reviewer,market_expert,woman,affiliation\nr1,yes,no,KAIST\nr2,no,yes,SNU\n")
    out_json = tmp_path / "d.json"
    code = main(["--scores", scores, "--num_reviewers", "2", "--evaluators", str(evaluators),
                 "--min-market-share", "1.0", "--out-json", str(out_json)])
    assert code == 2
    assert "application p1 has only 1 non-conflicted market experts; 2 are required" in capsys.readouterr().err
    assert json.loads(out_json.read_text())["diagnoses"][0]["code"] == "too_few_market_experts"


def test_cli_panel_mode_and_randomised_seed(tmp_path: Path, capsys):
    rows = [[f"p{a}", f"r{e}", (a + e) % 5 / 5] for a in range(4) for e in range(10)]
    scores = write(tmp_path / "scores.csv", rows)
    panels = write(tmp_path / "panels.csv", [["p0", "AI"], ["p1", "AI"], ["p2", "Bio"], ["p3", "Bio"]])
    out_json = tmp_path / "panel.json"
    assert main(["--scores", scores, "--panels", panels, "--out-json", str(out_json)]) == 0
    seated = json.loads(out_json.read_text())["panels"]
    assert [len(seated["AI"]), len(seated["Bio"])] == [5, 5]
    assert main(["--scores", scores, "--objective", "randomised", "--max-probability", "0.5",
                 "--seed", "11", "--num_reviewers", "2"]) == 0
    assert "seed 11" in capsys.readouterr().out


def test_out_csv_is_for_spreadsheets_ids_never_formulas_scores_numbers(tmp_path: Path):
    """Issue 10, item 1: ids come from people; the CSV goes through the one export module."""
    scores = write(tmp_path / "scores.csv", [["=cmd|' /C calc'!A0", "@r1", -0.5], ["뉴로칩스", "@r1", 0.25]])
    out_csv = tmp_path / "a.csv"
    assert main(["--scores", scores, "--num_reviewers", "1", "--out-csv", str(out_csv)]) == 0
    data = out_csv.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
    lines = data.decode("utf-8-sig").splitlines()
    assert sorted(lines) == ['"\'=cmd|\' /C calc\'!A0","\'@r1",-0.5', '"뉴로칩스","\'@r1",0.25']


# --- strict inputs (issue 10, item 5): run as an operator would (tests/engine/cli_runner.py) -----

import subprocess  # noqa: E402

import pytest  # noqa: E402

from tests.engine.cli_runner import run_main, run_module  # noqa: E402


def run_assign(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_main(main, *args, cwd=cwd)


def test_python_m_runs_the_tool_as_an_operator_types_it(tmp_path: Path):
    (tmp_path / "scores.csv").write_text("app0,ev0,0.9\napp0,ev1,0.1\n", encoding="utf-8")
    done = run_module("kbridge.engine.assignment", "--scores", "scores.csv", "--num_reviewers",
                      "1", "--out-csv", "out.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.csv").read_text(encoding="utf-8-sig").startswith('"app0","ev0"')
    refused = run_module("kbridge.engine.assignment", "--scores", "nowhere.csv", cwd=tmp_path)
    assert refused.returncode != 0 and "kbridge-assign" in refused.stderr


def test_excel_bom_constraint_is_a_conflict_not_a_new_application(tmp_path: Path):
    (tmp_path / "scores.csv").write_text("app0,ev0,0.9\napp0,ev1,0.1\n", encoding="utf-8")
    (tmp_path / "c.csv").write_bytes("app0,ev0,-1\n".encode("utf-8-sig"))  # Excel "CSV UTF-8"
    done = run_assign("--scores", "scores.csv", "--constraints", "c.csv", "--num_reviewers", "1",
                      "--out-csv", "out.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader((tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert [row[:2] for row in rows] == [["app0", "ev1"]]


def test_bom_in_scores_and_evaluators_is_skipped(tmp_path: Path):
    (tmp_path / "scores.csv").write_bytes("paper,reviewer,score\np1,r1,0.4\np1,r2,0.5\n".encode("utf-8-sig"))
    (tmp_path / "ev.csv").write_bytes("reviewer,woman\nr1,yes\nr2,no\n".encode("utf-8-sig"))
    done = run_assign("--scores", "scores.csv", "--evaluators", "ev.csv", "--num_reviewers", "1",
                      "--min-women-share", "1.0", "--out-csv", "o.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the "reviewer" column was read despite the BOM
    assert [row[:2] for row in csv.reader(
        (tmp_path / "o.csv").read_text(encoding="utf-8-sig").splitlines())] == [["p1", "r1"]]


SCORES = "p1,r1,0.5\np1,r2,0.4\np2,r1,0.3\np2,r2,0.2\n"


@pytest.mark.parametrize(("option", "name", "content", "message"), [
    ("--constraints", "c.csv", "p1,r1,-1\np9,r1,-1\n", "c.csv, line 2: unknown application 'p9'"),
    ("--constraints", "c.csv", "p1,r1,-1\np1,r7,-1\n", "c.csv, line 2: unknown evaluator 'r7'"),
    ("--constraints", "c.csv", "p1,r1,-1\np2,r1,0\np1,r1,1\n",
     "c.csv, line 3: the pair ('p1', 'r1') appears again (first on line 1)"),
    ("--constraints", "c.csv", "p1,r1,-1,x\n", "c.csv, line 1: 4 columns, expected 3"),
    ("--constraints", "c.csv", "p1,r1,-1\np1,r2\n", "c.csv, line 2: 2 columns, expected 3"),
    ("--constraints", "c.csv", "p1,r1,2\n", "c.csv, line 1: constraint must be -1, 0 or 1"),
    ("--constraints", "c.csv", "p1,r1,-1\np2,r1,conflict\n", "c.csv, line 2: constraint 'conflict' is not a number"),
    ("--constraints", "c.csv", "p1,,-1\n", "c.csv, line 1: empty evaluator id"),
    ("--constraints", "c.csv", "p1, r1,-1\n", "c.csv, line 1: evaluator id ' r1' has white space around it"),
    ("--constraints", "c.csv", "p1,r1,-1\n\n\ufeffp2,r1,-1\n", "c.csv, line 3: application id '\\ufeffp2' "
     "contains the invisible character U+FEFF"),
    ("--max_papers", "m.csv", "r1,2\nr9,1\n", "m.csv, line 2: unknown evaluator 'r9'"),
    ("--max_papers", "m.csv", "r1,2\nr1,3\n", "m.csv, line 2: evaluator 'r1' appears again"),
    ("--max_papers", "m.csv", "r1,2\nr2,two\n", "m.csv, line 2: max 'two' is not a number"),
    ("--max_papers", "m.csv", "r1,1.5\n", "m.csv, line 1: max '1.5' is not a whole number"),
    ("--evaluators", "e.csv", "reviewer,woman\nr1,yes\nr2,maybe\n", "e.csv, line 3: woman 'maybe' is not yes/no"),
    ("--evaluators", "e.csv", "reviewer,womn\nr1,yes\nr2,no\n", "e.csv, line 1: unknown column 'womn'"),
    ("--evaluators", "e.csv", "reviewer,woman\nr1,yes\nr1,no\nr2,no\n", "e.csv, line 3: evaluator 'r1' appears again"),
    ("--evaluators", "e.csv", "reviewer,woman\nr1,yes,KAIST\nr2,no\n", "e.csv, line 2: 3 columns, expected 2"),
    ("--evaluators", "e.csv", "reviewer,woman\nr1,yes\n", "scores.csv, line 2: unknown evaluator 'r2'"),
    ("--panels", "p.csv", "p1,AI\np2,AI\np1,Bio\n", "p.csv, line 3: application 'p1' appears again"),
    ("--panels", "p.csv", "p1,AI\n", "scores.csv, line 3: unknown application 'p2'"),
    ("--scores", "scores.csv", "p1,r1,0.5\np1,r1,0.7\n", "scores.csv, line 2: the pair ('p1', 'r1') appears again"),
    ("--scores", "scores.csv", "p1,r1,0.5\np1,r2,nan\n", "scores.csv, line 2: score 'nan' is not a finite number"),
    ("--scores", "scores.csv", "p1,r1,0.5\np1,r2,0,4\n", "scores.csv, line 2: 4 columns, expected 3"),
    ("--scores", "scores.csv", 'p1,r1,0.5\n"p1,r2,0.4\n', "scores.csv, line 2: broken CSV"),
    # a mistyped number in the first row is an error, not a header to skip (the pair was lost)
    ("--scores", "scores.csv", "p1,r1,O.5\np1,r2,0.4\n",
     "scores.csv, line 1: 'O.5' is not a number (a header row names its columns in words)"),
    ("--constraints", "c.csv", "p1,r1,-l\n", "c.csv, line 1: '-l' is not a number"),
    ("--max_papers", "m.csv", "r1,2x\n", "m.csv, line 1: '2x' is not a number"),
    ("--scores", "scores.csv", "p1,r1,0.5\np1,r2,1e308\n",
     "scores.csv, line 2: score '1e308' is outside ±1,000,000"),
    ("--scores", "scores.csv", "p1,r1,-1e20\np1,r2,0.4\n",
     "scores.csv, line 1: score '-1e20' is outside ±1,000,000"),
])
def test_malformed_input_exits_1_naming_file_and_line(tmp_path: Path, option, name, content, message):
    (tmp_path / "scores.csv").write_text(SCORES, encoding="utf-8")
    (tmp_path / name).write_text(content, encoding="utf-8")
    args = ["--num_reviewers", "1"]
    args += [] if option == "--scores" else ["--scores", "scores.csv"]
    done = run_assign(*args, option, name, "--out-csv", "out.csv", cwd=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert message in done.stderr
    assert done.stderr.startswith("kbridge-assign: ") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(("content", "message"), [
    (b"p1,r1,0.5\np1,r2,\xff0.4\n", "scores.csv, line 2: not UTF-8 text"),
    (None, "scores.csv: cannot read the file"),
    ("\ufeffpaper,reviewer,score\n\n".encode(), "scores.csv: no score rows"),
])
def test_unreadable_files_exit_1_with_a_message(tmp_path: Path, content, message):
    if content is not None:
        (tmp_path / "scores.csv").write_bytes(content)
    done = run_assign("--scores", "scores.csv", cwd=tmp_path)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr


def test_help_documents_the_input_rules():
    done = run_assign("--help", cwd=Path(__file__).parent)
    assert done.returncode == 0
    assert "byte-order mark" in done.stdout and "FILE, line N" in done.stdout


@pytest.mark.parametrize("args", [("--scores", "scores.csv", "--seed", "abc"),
                                  ("--scores", "scores.csv", "--no-such-option")])
def test_a_mistyped_option_exits_1_not_the_no_assignment_status(tmp_path: Path, args):
    """Exit 2 means "no assignment exists"; a usage error is bad input like any other."""
    (tmp_path / "scores.csv").write_text(SCORES, encoding="utf-8")
    done = run_assign(*args, cwd=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "kbridge-assign: " in done.stderr and "Traceback" not in done.stderr
