"""Score aggregation (issue 13, item 7) at 2,000 applications × 300 evaluators × 5 scores.

    PYTHONPATH=src python bench/aggregation.py [--repeats 7] [--seed 1]

Synthetic run: 2,000 applications in 7 tracks, each scored by 5 distinct evaluators drawn at
random from 300 (10,000 records, ~33 scores per evaluator). Each application has a true merit
q ~ N(70, 10); each evaluator is an affine miscalibration of it (the reviewer model of Roos,
Rothe & Scheuermann, AAAI 2011): score = 70 + α·(q − 70) + β + ε with leniency β ~ N(0, 8),
scale α ~ U(0.5, 1.5) and noise ε ~ N(0, 4), clipped to 0–100.

1. Time: wall-clock median over ``--repeats`` runs of ``aggregate()`` (everything: validation,
   means, trimmed means, z-scores, flags, ranks in every track) and of ``to_dict()``, beside a
   baseline measured in the same process: a plain-Python mean per application (group the
   records in a dict, ``sum/len``), the least any aggregation must do.
2. What the measures recover: per track, the share of the true top 10 % that each measure puts
   in its top 10 %, averaged over the tracks. The synthetic evaluators follow the affine model
   that the normalisation undoes, so this shows the size of the effect under that model, not a
   claim about real panels.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from kbridge.engine.evaluation import aggregate

APPLICATIONS, EVALUATORS, PER_APPLICATION, TRACKS = 2000, 300, 5, 7


def synthetic(seed: int) -> tuple[list[tuple[int, int, float]], dict[int, str], np.ndarray]:
    rng = np.random.default_rng(seed)
    merit = rng.normal(70, 10, APPLICATIONS)
    leniency = rng.normal(0, 8, EVALUATORS)
    scale = rng.uniform(0.5, 1.5, EVALUATORS)
    records = []
    for app in range(APPLICATIONS):
        for e in rng.choice(EVALUATORS, PER_APPLICATION, replace=False):
            score = 70 + scale[e] * (merit[app] - 70) + leniency[e] + rng.normal(0, 4)
            records.append((app, int(e), round(float(np.clip(score, 0, 100)), 2)))
    tracks = {app: f"track-{app % TRACKS}" for app in range(APPLICATIONS)}
    return records, tracks, merit


def plain_mean(records: list[tuple[int, int, float]]) -> dict[int, float]:
    grouped: dict[int, list[float]] = {}
    for app, _evaluator, score in records:
        grouped.setdefault(app, []).append(score)
    return {app: sum(v) / len(v) for app, v in grouped.items()}


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    records, tracks, merit = synthetic(args.seed)
    run = aggregate(records, tracks)

    base = median_seconds(lambda: plain_mean(records), args.repeats)
    rows = [
        ("plain-Python mean per application (baseline)", base),
        ("aggregate() (all measures, flags, ranks)", median_seconds(lambda: aggregate(records, tracks), args.repeats)),
        ("Aggregation.to_dict()", median_seconds(run.to_dict, args.repeats)),
    ]
    print(f"1. {APPLICATIONS:,} applications × {EVALUATORS} evaluators × {PER_APPLICATION} scores "
          f"= {len(records):,} records, median of {args.repeats} runs\n")
    print("| step | median ms | × baseline |")
    print("|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1000:.1f} | {seconds / base:.1f}× |")

    print(f"\n2. Share of each track's true top 10 % in the measure's top 10 % (mean over {TRACKS} tracks)\n")
    print("| measure | recovered | disagreement flags | far evaluators |")
    print("|---|---:|---:|---:|")
    flags = sum(a.disagreement for a in run.applications)
    far = sum(e.far for e in run.evaluators)
    for measure in ("mean", "trimmed_mean", "normalised"):
        shares = []
        for t in range(TRACKS):
            apps = [a for a in run.applications if a.track_id == f"track-{t}"]
            k = max(1, len(apps) // 10)
            truth = set(sorted((a.application_id for a in apps), key=lambda x: -merit[x])[:k])
            chosen = {a.application_id for a in run.ranking(f"track-{t}", by=measure)[:k]}
            shares.append(len(truth & chosen) / k)
        print(f"| {measure} | {statistics.mean(shares):.0%} | {flags} | {far} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
