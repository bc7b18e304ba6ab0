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
