"""Benchmark: optimal 1:1 meeting schedules and presentation days against greedy baselines.

Usage (the numbers in docs/benchmarks/scheduling.md come from exactly these commands):

    .venv/bin/python bench/scheduling_bench.py                      # P=500 M=2500 T=16 L=60
    .venv/bin/python bench/scheduling_bench.py --participants 200 --meetings 800 --tables 25

For each seed the generator builds an event (partner staff and startups, availability density,
must-meet share, reserved tables, two sessions), then runs in this process the greedy "first free
common slot and table" scheduler (as b2match's quick schedule) and ours, and checks both with the
independent validator. It prints one row per run and the median over seeds. Then it does the
same for presentation days (40 startups, 4 panels of 5, 4 rooms by default).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import replace

from kbridge.engine.scheduling import (
    Priority,
    SolveOptions,
    greedy_schedule,
    reschedule,
    solve_meetings,
)
from kbridge.engine.scheduling.generate import (
    random_meeting_instance,
    random_presentation_instance,
)
from kbridge.engine.scheduling.metrics import total_holes, violations
from kbridge.engine.scheduling.model import SchedulingError
from kbridge.engine.scheduling.presentations import (
    PresentationOptions,
    greedy_presentations,
    presentation_violations,
    solve_presentations,
)


def meeting_rows(args: argparse.Namespace) -> list[dict]:
    rows = []
    for seed in args.seeds:
        instance = random_meeting_instance(
            participants=args.participants,
            meetings=args.meetings,
            slots=args.slots,
            tables=args.tables,
            density=args.density,
            must_share=args.must_share,
            reserved_tables=args.reserved_tables,
            sessions=args.sessions,
            seed=seed,
        )
        must = {m.id for m in instance.meetings if m.priority == Priority.MUST_MEET}
        started = time.perf_counter()
        greedy = greedy_schedule(instance)
        greedy_time = time.perf_counter() - started
        assert violations(instance, greedy) == []
        started = time.perf_counter()
        ours = solve_meetings(
            instance, SolveOptions(time_limit=args.time_limit, workers=args.workers, seed=seed)
        )
        ours_time = time.perf_counter() - started
        assert violations(instance, ours.placements) == []
        n = len(instance.participants)
        for name, placements, seconds, bound, gap in (
            ("greedy", greedy, greedy_time, None, None),
            ("ours", list(ours.placements), ours_time, ours.weight_bound, ours.gap),
        ):
            rows.append(
                {
                    "seed": seed,
                    "scheduler": name,
                    "placed": len(placements),
                    "must": sum(1 for p in placements if p.meeting_id in must),
                    "must_total": len(must),
                    "weight": sum(10 if p.meeting_id in must else 1 for p in placements),
                    "bound": bound,
                    "gap": gap,
                    "holes": total_holes(instance, placements),
                    "holes_pp": total_holes(instance, placements) / n,
                    "seconds": seconds,
                }
            )
    return rows


def reschedule_rows(args: argparse.Namespace) -> list[dict]:
    """Re-runs: nothing changed, then 5% of placed meetings cancelled and 50 new requests."""
    rows = []
    for seed in args.seeds:
        instance = random_meeting_instance(
            participants=args.participants,
            meetings=args.meetings + 50,
            slots=args.slots,
            tables=args.tables,
            density=args.density,
            must_share=args.must_share,
            reserved_tables=args.reserved_tables,
            sessions=args.sessions,
            seed=seed,
        )
        options = SolveOptions(time_limit=args.time_limit, workers=args.workers, seed=seed)
        rerun = SolveOptions(time_limit=args.reschedule_time_limit, workers=args.workers, seed=seed)
        base = replace(instance, meetings=instance.meetings[:-50])
        first = solve_meetings(base, options)
        rng = random.Random(seed)
        placed = [p.meeting_id for p in first.placements]
        cancelled = set(rng.sample(placed, len(placed) // 20))
        changed = replace(
            instance, meetings=tuple(m for m in instance.meetings if m.id not in cancelled)
        )
        for label, target in (("unchanged", base), ("-5% +50", changed)):
            started = time.perf_counter()
            again = reschedule(target, first.placements, rerun)
            seconds = time.perf_counter() - started
            assert violations(target, again.placements) == []
            assert again.changes is not None
            rows.append(
                {
                    "seed": seed,
                    "scheduler": label,
                    "placed": len(again.placements),
                    "moved": len(again.changes.moved),
                    "table_changed": len(again.changes.table_changed),
                    "added": len(again.changes.added),
                    "cancelled": len(again.changes.cancelled),
                    "gap": again.gap,
                    "holes": again.holes,
                    "seconds": seconds,
                }
            )
    return rows


def presentation_rows(args: argparse.Namespace) -> list[dict]:
    rows = []
    for seed in args.seeds:
        instance = random_presentation_instance(
            startups=args.startups,
            panels=args.panels,
            members_per_panel=args.members_per_panel,
            rooms=args.rooms,
            seed=seed,
        )
        options = PresentationOptions(
            time_limit=args.presentation_time_limit, workers=args.workers, seed=seed
        )
        for name in ("greedy", "ours"):
            started = time.perf_counter()
            try:
                if name == "greedy":
                    schedule = greedy_presentations(instance, options)
                else:
                    schedule = solve_presentations(instance, options)
            except SchedulingError as error:
                rows.append({"seed": seed, "scheduler": name, "error": str(error)})
                continue
            seconds = time.perf_counter() - started
            assert presentation_violations(instance, schedule) == []
            rows.append(
                {
                    "seed": seed,
                    "scheduler": name,
                    "pitches": len(schedule.pitches),
                    "idle": schedule.idle,
                    "day_end": schedule.day_end,
                    "objective": schedule.objective,
                    "bound": schedule.bound if name == "ours" else None,
                    "optimal": schedule.optimal,
                    "seconds": seconds,
                }
            )
    return rows


def fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def table(rows: list[dict], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def medians(rows: list[dict], columns: list[str]) -> list[dict]:
    result = []
    for name in ("greedy", "ours"):
        mine = [r for r in rows if r["scheduler"] == name and "error" not in r]
        if not mine:
            continue
        row: dict = {"seed": "median", "scheduler": name}
        for c in columns:
            values = [
                r[c]
                for r in mine
                if isinstance(r.get(c), int | float) and not isinstance(r[c], bool)
            ]
            if values and c not in ("seed", "scheduler"):
                row[c] = statistics.median(values)
        result.append(row)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--meetings", type=int, default=2500)
    parser.add_argument("--slots", type=int, default=16)
    parser.add_argument("--tables", type=int, default=60)
    parser.add_argument("--density", type=float, default=0.8)
    parser.add_argument("--must-share", type=float, default=0.2)
    parser.add_argument("--reserved-tables", type=int, default=6)
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=9.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--startups", type=int, default=40)
    parser.add_argument("--panels", type=int, default=4)
    parser.add_argument("--members-per-panel", type=int, default=5)
    parser.add_argument("--rooms", type=int, default=4)
    parser.add_argument("--presentation-time-limit", type=float, default=4.5)
    parser.add_argument("--skip-meetings", action="store_true")
    parser.add_argument("--skip-presentations", action="store_true")
    parser.add_argument("--reschedule", action="store_true", help="also measure re-runs")
    parser.add_argument("--reschedule-time-limit", type=float, default=20.0)
    args = parser.parse_args()

    if not args.skip_meetings:
        print(
            f"## 1:1 meetings: P={args.participants} M={args.meetings} T={args.slots} "
            f"L={args.tables} (reserved {args.reserved_tables}) density={args.density} "
            f"must={args.must_share} sessions={args.sessions} time_limit={args.time_limit}s\n"
        )
        rows = meeting_rows(args)
        columns = [
            "seed",
            "scheduler",
            "placed",
            "must",
            "must_total",
            "weight",
            "bound",
            "gap",
            "holes",
            "holes_pp",
            "seconds",
        ]
        print(table(rows + medians(rows, columns), columns))
        print()
    if args.reschedule:
        print(
            "## Re-scheduling (previous = our schedule of the first M meetings), "
            f"time_limit={args.reschedule_time_limit}s\n"
        )
        rows = reschedule_rows(args)
        columns = [
            "seed",
            "scheduler",
            "placed",
            "moved",
            "table_changed",
            "added",
            "cancelled",
            "gap",
            "holes",
            "seconds",
        ]
        print(table(rows, columns))
        print()
    if not args.skip_presentations:
        print(
            f"## Presentation day: {args.startups} startups, {args.panels} panels of "
            f"{args.members_per_panel}, {args.rooms} rooms, time_limit="
            f"{args.presentation_time_limit}s\n"
        )
        rows = presentation_rows(args)
        columns = [
            "seed",
            "scheduler",
            "pitches",
            "idle",
            "day_end",
            "objective",
            "bound",
            "optimal",
            "seconds",
            "error",
        ]
        print(table(rows + medians(rows, columns), columns))


if __name__ == "__main__":
    main()
