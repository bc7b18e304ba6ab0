"""``kbridge-assign``: the assignment engine on openreview-matcher's CSV files.

Why the same formats: a programme can run openreview-matcher and K-Bridge on the same inputs and
compare, or switch tools without re-exporting data.

Inputs (UTF-8, a byte-order mark is fine; no header needed: a first row whose number column is
a name in letters is read as a header; blank lines are skipped):
  --scores FILE...        paper,reviewer,score           (several files are summed with --weights)
  --constraints FILE      paper,reviewer,-1|0|1          (-1 conflict, 1 forced, 0 nothing)
  --max_papers FILE       reviewer,max
  --evaluators FILE       header row: reviewer[,market_expert][,woman][,affiliation][,min][,max]
  --panels FILE           paper,panel                    (switches to panel mode)
The applications and evaluators are those of the --scores files (a missing pair scores 0); with
--evaluators, exactly the evaluators listed there; with --panels, exactly the applications there.
Refused with exit status 1 and "FILE, line N: what is wrong": a row with the wrong number of
columns, a value that is not a (finite) number, a score beyond ±1,000,000, an empty id, an id with white space around it or
an invisible character, an id no --scores file (or --evaluators/--panels) knows, the same pair or
id twice in one file, an unknown --evaluators column or yes/no value.
Outputs:
  --out-csv FILE          paper,reviewer,score for every assigned pair, for spreadsheets
                          (UTF-8 with BOM, ids quoted and formula-like ones prefixed with ')
  --out-json FILE         report, per-pair explanations, application scores (or diagnoses)
  --openreview-json FILE  openreview-matcher's assignments.json shape
Exit status: 0 assigned, 2 no assignment exists (diagnoses on stderr), 1 bad input or a
mistyped option (one line on stderr says which).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kbridge.engine.inputs import (
    CliParser,
    InputError,
    Row,
    check_id,
    parse_finite,
    parse_int,
    read_csv,
)
from kbridge.engine.tabular import write_csv

from .diagnosis import AssignmentInfeasible
from .problem import AssignmentProblem, CompositionRules
from .solve import solve

TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"", "0", "false", "no", "n", "f"}
#: Scores beyond this lose the precision the solvers need (costs are scaled to 64-bit integers).
MAX_ABS_SCORE = 1e6
EVALUATOR_COLUMNS = ("reviewer", "market_expert", "woman", "affiliation", "min", "max")


def _table(path: str, columns: int, value_col: int | None, what: str) -> list[Row]:
    """Rows of exactly ``columns`` cells. The first row is a header when its ``value_col`` is
    a name made of letters (``score``, ``max_papers``); a first row whose value is a mistyped
    number (``O.5``, ``-l``, ``2x``) is refused with its line, not skipped as a header."""
    rows = read_csv(path)
    if rows and value_col is not None and len(rows[0].cells) > value_col:
        value = rows[0].cells[value_col]
        try:
            float(value)
        except ValueError:
            if not value.strip().replace("_", " ").replace(" ", "").isalpha():
                raise InputError(path, rows[0].line,
                                 f"{value.strip()!r} is not a number (a header row names its "
                                 "columns in words)") from None
            rows = rows[1:]
    for row in rows:
        if len(row.cells) != columns:
            raise InputError(path, row.line, f"{len(row.cells)} columns, expected {columns} ({what})")
    return rows


class _Ids:
    """Ids in first-seen order, and where each was first seen."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def add(self, value: str) -> None:
        self.index.setdefault(value, len(self.index))


def _pairs(path: str, rows: list[Row], apps: dict[str, int] | None, revs: dict[str, int] | None):
    """(line, paper, reviewer, value cell) per row; refuses unknown ids and repeated pairs."""
    first: dict[tuple[str, str], int] = {}
    for row in rows:
        paper = check_id(path, row.line, row.cells[0], "application")
        reviewer = check_id(path, row.line, row.cells[1], "evaluator")
        if apps is not None and paper not in apps:
            raise InputError(path, row.line, f"unknown application {paper!r} (not in the --scores files"
                                             " or --panels)")
        if revs is not None and reviewer not in revs:
            raise InputError(path, row.line, f"unknown evaluator {reviewer!r} (not in the --scores files"
                                             " or --evaluators)")
        seen = first.setdefault((paper, reviewer), row.line)
        if seen != row.line:
            raise InputError(path, row.line, f"the pair ({paper!r}, {reviewer!r}) appears again "
                                             f"(first on line {seen})")
        yield row.line, paper, reviewer, row.cells[2]


def _evaluator_table(path: str) -> list[tuple[int, dict[str, str]]]:
    rows = read_csv(path)
    if not rows:
        raise InputError(path, None, "empty file (a header row with a 'reviewer' column is needed)")
    header = [c.strip().lower() for c in rows[0].cells]
    for name in header:
        if name not in EVALUATOR_COLUMNS:
            raise InputError(path, rows[0].line, f"unknown column {name!r} (known: "
                                                 f"{', '.join(EVALUATOR_COLUMNS)})")
    if len(set(header)) != len(header):
        raise InputError(path, rows[0].line, "a column appears twice in the header")
    if "reviewer" not in header:
        raise InputError(path, rows[0].line, "the header has no 'reviewer' column")
    table = []
    for row in rows[1:]:
        if len(row.cells) != len(header):
            raise InputError(path, row.line, f"{len(row.cells)} columns, expected {len(header)} "
                                             "(as in the header)")
        table.append((row.line, dict(zip(header, row.cells, strict=True))))
    return table


def _flag(path: str, line: int, value: str, column: str) -> bool:
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise InputError(path, line, f"{column} {value.strip()!r} is not yes/no (1/0, true/false)")


def build_problem(args: argparse.Namespace) -> AssignmentProblem:
    """The problem described by the CLI's files; :class:`InputError` names file and line."""
    weights = args.weights or [1.0] * len(args.scores)
    if len(weights) != len(args.scores):
        raise ValueError("--weights needs one weight per --scores file")
    score_tables = [(f, _table(f, 3, 2, "paper,reviewer,score")) for f in args.scores]
    for path, rows in score_tables:
        if not rows:
            raise InputError(path, None, "no score rows (expected paper,reviewer,score)")
    evaluator_table = _evaluator_table(args.evaluators) if args.evaluators else None
    panel_rows = _table(args.panels, 2, None, "paper,panel") if args.panels else None
    if panel_rows and [c.strip().lower() for c in panel_rows[0].cells] in (["paper", "panel"],
                                                                           ["application", "panel"]):
        panel_rows = panel_rows[1:]

    # Who exists: --panels and --evaluators when given, else whoever the --scores files name.
    papers, reviewers = _Ids(), _Ids()
    panel_of: dict[str, str] = {}
    if panel_rows is not None:
        for row in panel_rows:
            paper = check_id(args.panels, row.line, row.cells[0], "application")
            panel = check_id(args.panels, row.line, row.cells[1], "panel")
            if paper in panel_of:
                raise InputError(args.panels, row.line, f"application {paper!r} appears again")
            panel_of[paper] = panel
            papers.add(paper)
    evaluator_rows: dict[str, tuple[int, dict[str, str]]] = {}
    if evaluator_table is not None:
        for line, row in evaluator_table:
            rid = check_id(args.evaluators, line, row["reviewer"], "evaluator")
            if rid in evaluator_rows:
                raise InputError(args.evaluators, line, f"evaluator {rid!r} appears again "
                                                        f"(first on line {evaluator_rows[rid][0]})")
            evaluator_rows[rid] = (line, row)
            reviewers.add(rid)
    known_apps = papers.index if panel_rows is not None else None
    known_revs = reviewers.index if evaluator_table is not None else None
    parsed_scores = []
    for path, rows in score_tables:
        parsed = []
        for line, paper, reviewer, value in _pairs(path, rows, known_apps, known_revs):
            score = parse_finite(path, line, value, "score")
            if abs(score) > MAX_ABS_SCORE:
                raise InputError(path, line, f"score {value.strip()!r} is outside "
                                             f"±{MAX_ABS_SCORE:,.0f}")
            parsed.append((paper, reviewer, score))
            if known_apps is None:
                papers.add(paper)
            if known_revs is None:
                reviewers.add(reviewer)
        parsed_scores.append(parsed)
    pi = {p: i for i, p in enumerate(sorted(papers.index))}
    ri = {r: i for i, r in enumerate(sorted(reviewers.index))}
    paper_ids, reviewer_ids = list(pi), list(ri)
    affinity = np.zeros((len(pi), len(ri)))
    for parsed, weight in zip(parsed_scores, weights, strict=True):
        for paper, reviewer, score in parsed:
            affinity[pi[paper], ri[reviewer]] += weight * score
    conflicts = np.zeros(affinity.shape, bool)
    forced = np.zeros(affinity.shape, bool)
    if args.constraints:
        rows = _table(args.constraints, 3, 2, "paper,reviewer,-1|0|1")
        for line, paper, reviewer, value in _pairs(args.constraints, rows, pi, ri):
            flag = parse_finite(args.constraints, line, value, "constraint")
            if flag == -1:
                conflicts[pi[paper], ri[reviewer]] = True
            elif flag == 1:
                forced[pi[paper], ri[reviewer]] = True
            elif flag != 0:
                raise InputError(args.constraints, line,
                                 f"constraint must be -1, 0 or 1, got {value.strip()!r}")
    n_r = len(ri)
    load_min = np.full(n_r, args.min_papers_default, np.int64)
    default_max = args.max_papers_default if args.max_papers_default is not None else len(pi)
    load_max = np.full(n_r, default_max, np.int64)
    if args.max_papers:
        seen: dict[str, int] = {}
        for row in _table(args.max_papers, 2, 1, "reviewer,max"):
            reviewer = check_id(args.max_papers, row.line, row.cells[0], "evaluator")
            if reviewer not in ri:
                raise InputError(args.max_papers, row.line, f"unknown evaluator {reviewer!r} (not in "
                                                            "the --scores files or --evaluators)")
            if seen.setdefault(reviewer, row.line) != row.line:
                raise InputError(args.max_papers, row.line, f"evaluator {reviewer!r} appears again "
                                                            f"(first on line {seen[reviewer]})")
            load_max[ri[reviewer]] = parse_int(args.max_papers, row.line, row.cells[1], "max", 0)
    market = woman = None
    affiliation = None
    if evaluator_table is not None:
        path = args.evaluators
        market, woman = np.zeros(n_r, bool), np.zeros(n_r, bool)
        affiliation = [None] * n_r
        for rid, (line, row) in evaluator_rows.items():
            j = ri[rid]
            market[j] = _flag(path, line, row.get("market_expert", ""), "market_expert")
            woman[j] = _flag(path, line, row.get("woman", ""), "woman")
            affiliation[j] = row.get("affiliation", "").strip() or None
            if row.get("min", "").strip():
                load_min[j] = parse_int(path, line, row["min"], "min", 0)
            if row.get("max", "").strip():
                load_max[j] = parse_int(path, line, row["max"], "max", 0)
    panels = None
    if panel_rows is not None:
        panels = [panel_of[p] for p in paper_ids]
    return AssignmentProblem(
        affinity=affinity, per_application=args.num_reviewers, load_min=load_min,
        load_max=load_max, conflicts=conflicts, forced=forced, market_expert=market, woman=woman,
        affiliation=affiliation,
        composition=CompositionRules(args.min_market_share, args.min_women_share, args.one_per_affiliation),
        panels=panels, panel_min_size=args.panel_min_size, panel_max_size=args.panel_max_size,
        application_ids=paper_ids, evaluator_ids=reviewer_ids,
    )


def parser() -> argparse.ArgumentParser:
    ap = CliParser(prog="kbridge-assign", description=__doc__,
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
    ap.add_argument("--candidates", type=int,
                    help="with composition rules, solve first among each application's N "
                         "best evaluators (the full problem when that is infeasible)")
    ap.add_argument("--out-csv")
    ap.add_argument("--out-json")
    ap.add_argument("--openreview-json")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _run(args)
    except (ValueError, OSError) as exc:  # InputError is a ValueError: "file, line N: ..."
        print(f"kbridge-assign: {_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # never a traceback for the operator; the message says what failed
        print(f"kbridge-assign: unexpected {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _run(args: argparse.Namespace) -> int:
    try:
        problem = build_problem(args)
        result = solve(problem, args.objective, max_probability=args.max_probability,
                       seed=args.seed, time_limit=args.time_limit,
                       candidates=args.candidates)
    except AssignmentInfeasible as exc:
        for d in exc.diagnoses:
            print(f"no assignment: {d.message}", file=sys.stderr)
        if args.out_json:
            Path(args.out_json).write_text(json.dumps(
                {"diagnoses": [d.to_dict() for d in exc.diagnoses]}, indent=2), encoding="utf-8")
        return 2
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
