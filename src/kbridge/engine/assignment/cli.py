"""``kbridge-assign``: the assignment engine on openreview-matcher's CSV files.

Why the same formats: a programme can run openreview-matcher and K-Bridge on the same inputs and
compare, or switch tools without re-exporting data.

Inputs (no header needed; a header row is skipped when its score/limit is not a number):
  --scores FILE...        paper,reviewer,score           (several files are summed with --weights)
  --constraints FILE      paper,reviewer,-1|0|1          (-1 conflict, 1 forced, 0 nothing)
  --max_papers FILE       reviewer,max
  --evaluators FILE       header row: reviewer[,market_expert][,woman][,affiliation][,min][,max]
  --panels FILE           paper,panel                    (switches to panel mode)
Outputs:
  --out-csv FILE          paper,reviewer,score for every assigned pair, for spreadsheets
                          (UTF-8 with BOM, ids quoted and formula-like ones prefixed with ')
  --out-json FILE         report, per-pair explanations, application scores (or diagnoses)
  --openreview-json FILE  openreview-matcher's assignments.json shape
Exit status: 0 assigned, 2 no assignment exists (diagnoses on stderr), 1 bad input.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kbridge.engine.tabular import write_csv

from .diagnosis import AssignmentInfeasible
from .problem import AssignmentProblem, CompositionRules
from .solve import solve

TRUE = {"1", "true", "yes", "y", "t"}


def _rows(path: str) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [[c.strip() for c in row] for row in csv.reader(fh) if row and any(c.strip() for c in row)]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _data_rows(path: str, value_col: int) -> list[list[str]]:
    rows = _rows(path)
    if rows and len(rows[0]) > value_col and not _is_number(rows[0][value_col]):
        rows = rows[1:]
    return rows


def build_problem(args: argparse.Namespace) -> AssignmentProblem:
    weights = args.weights or [1.0] * len(args.scores)
    if len(weights) != len(args.scores):
        raise ValueError("--weights needs one weight per --scores file")
    score_rows = [_data_rows(f, 2) for f in args.scores]
    constraint_rows = _data_rows(args.constraints, 2) if args.constraints else []
    papers = sorted({r[0] for rows in score_rows for r in rows} | {r[0] for r in constraint_rows})
    reviewers = sorted({r[1] for rows in score_rows for r in rows} | {r[1] for r in constraint_rows})
    pi = {p: i for i, p in enumerate(papers)}
    ri = {r: i for i, r in enumerate(reviewers)}
    affinity = np.zeros((len(papers), len(reviewers)))
    for rows, weight in zip(score_rows, weights, strict=True):
        for paper, reviewer, score, *_ in rows:
            affinity[pi[paper], ri[reviewer]] += weight * float(score)
    conflicts = np.zeros(affinity.shape, bool)
    forced = np.zeros(affinity.shape, bool)
    for paper, reviewer, value, *_ in constraint_rows:
        flag = int(float(value))
        if flag == -1:
            conflicts[pi[paper], ri[reviewer]] = True
        elif flag == 1:
            forced[pi[paper], ri[reviewer]] = True
        elif flag != 0:
            raise ValueError(f"constraint must be -1, 0 or 1, got {value!r}")
    n_r = len(reviewers)
    load_min = np.full(n_r, args.min_papers_default, np.int64)
    default_max = args.max_papers_default if args.max_papers_default is not None else len(papers)
    load_max = np.full(n_r, default_max, np.int64)
    if args.max_papers:
        for reviewer, value, *_ in _data_rows(args.max_papers, 1):
            if reviewer in ri:
                load_max[ri[reviewer]] = int(float(value))
    market = woman = None
    affiliation = None
    if args.evaluators:
        with open(args.evaluators, newline="", encoding="utf-8") as fh:
            table = list(csv.DictReader(fh))
        market, woman = np.zeros(n_r, bool), np.zeros(n_r, bool)
        affiliation = [None] * n_r
        for row in table:
            rid = (row.get("reviewer") or "").strip()
            if rid not in ri:
                continue
            j = ri[rid]
            market[j] = (row.get("market_expert") or "").strip().lower() in TRUE
            woman[j] = (row.get("woman") or "").strip().lower() in TRUE
            affiliation[j] = (row.get("affiliation") or "").strip() or None
            if (row.get("min") or "").strip():
                load_min[j] = int(row["min"])
            if (row.get("max") or "").strip():
                load_max[j] = int(row["max"])
    panels = None
    if args.panels:
        panel_of = {paper: panel for paper, panel, *_ in _rows(args.panels)}
        missing = [p for p in papers if p not in panel_of]
        if missing:
            raise ValueError(f"--panels has no panel for papers {missing[:5]}")
        panels = [panel_of[p] for p in papers]
    return AssignmentProblem(
        affinity=affinity, per_application=args.num_reviewers, load_min=load_min,
        load_max=load_max, conflicts=conflicts, forced=forced, market_expert=market, woman=woman,
        affiliation=affiliation,
        composition=CompositionRules(args.min_market_share, args.min_women_share, args.one_per_affiliation),
        panels=panels, panel_min_size=args.panel_min_size, panel_max_size=args.panel_max_size,
        application_ids=papers, evaluator_ids=reviewers,
    )


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="kbridge-assign", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scores", nargs="+", required=True)
    ap.add_argument("--weights", nargs="+", type=float)
    ap.add_argument("--constraints")
    ap.add_argument("--max_papers", "--max-papers", dest="max_papers")
    ap.add_argument("--min_papers_default", "--min-papers-default", dest="min_papers_default", type=int, default=0)
    ap.add_argument("--max_papers_default", "--max-papers-default", dest="max_papers_default", type=int)
    ap.add_argument("--num_reviewers", "--num-reviewers", dest="num_reviewers", type=int, default=3)
    ap.add_argument("--objective", choices=["total", "fair", "randomised"], default="total")
    ap.add_argument("--max-probability", "--probability_limits", dest="max_probability", type=float, default=0.5)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--evaluators")
    ap.add_argument("--min-market-share", type=float, default=0.0)
    ap.add_argument("--min-women-share", type=float, default=0.0)
    ap.add_argument("--one-per-affiliation", action="store_true")
    ap.add_argument("--panels")
    ap.add_argument("--panel-min-size", type=int, default=5)
    ap.add_argument("--panel-max-size", type=int)
    ap.add_argument("--time-limit", type=float)
    ap.add_argument("--out-csv")
    ap.add_argument("--out-json")
    ap.add_argument("--openreview-json")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        problem = build_problem(args)
        result = solve(problem, args.objective, max_probability=args.max_probability,
                       seed=args.seed, time_limit=args.time_limit)
    except AssignmentInfeasible as exc:
        for d in exc.diagnoses:
            print(f"no assignment: {d.message}", file=sys.stderr)
        if args.out_json:
            Path(args.out_json).write_text(json.dumps(
                {"diagnoses": [d.to_dict() for d in exc.diagnoses]}, indent=2), encoding="utf-8")
        return 2
    except (ValueError, OSError) as exc:
        print(f"kbridge-assign: {exc}", file=sys.stderr)
        return 1
    explained = result.explanations()
    if args.out_csv:
        write_csv(args.out_csv, ([x.application, x.evaluator, x.affinity] for x in explained))
    if args.out_json:
        Path(args.out_json).write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    if args.openreview_json:
        shaped: dict[str, list[dict[str, object]]] = {}
        for x in explained:
            shaped.setdefault(x.application, []).append({"aggregate_score": x.affinity, "user": x.evaluator})
        Path(args.openreview_json).write_text(json.dumps(shaped, indent=2), encoding="utf-8")
    rep = result.report
    print(f"{len(explained)} pairs; {rep.objective_name} objective {rep.objective:.6f}, bound "
          f"{rep.bound:.6f}, gap {rep.gap:.2e} ({rep.status}, {rep.solver}, {rep.seconds:.2f} s)"
          + (f", seed {rep.seed}" if rep.seed is not None else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
