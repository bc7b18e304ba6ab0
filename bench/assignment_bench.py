"""Assignment engine vs openreview-matcher (MinMax, FairFlow), side by side in one process.

Instances
* MIDL (iesl/fair-matching data/midl): 177 reviewers x 118 papers, 3 per paper, loads <= 4.
* CVPR-2018-sized synthetic: 5,062 applications x 2,840 evaluators, loads 2-9, 3 per
  application, 1 % conflicts, low-rank-plus-noise affinities from a fixed seed.

openreview-matcher's ``matcher/solvers/__init__.py`` imports gurobipy (for FairIR); the MinMax and
FairFlow modules do not need it, so they are loaded directly from the checkout with stub parent
packages. Nothing of either repository is copied here: pass the paths of the checkouts.

    .venv/bin/python bench/assignment_bench.py \
        --openreview-matcher /tmp/openreview-matcher --fair-matching /tmp/fair-matching

Times are wall-clock medians over ``--repeats`` runs; peak memory is the highest resident set
size sampled every 5 ms during a call, minus the resident size when the call started.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import signal
import statistics
import sys
import threading
import time
import types
from collections import namedtuple
from collections.abc import Callable
from pathlib import Path

import numpy as np

from kbridge.engine.assignment import AssignmentProblem, solve

PAGE = 4096
EncoderStub = namedtuple("EncoderStub", ["cost_matrix", "constraint_matrix", "aggregate_score_matrix"])


def load_openreview(path: Path) -> tuple[type, type, type]:
    """MinMaxSolver, FairFlow and a set-lookup MinMax variant from a checkout.

    The package __init__ (which imports gurobipy) is skipped with stub parent packages.
    ``SimpleSolver.solve`` reads the flows back with ``node in list`` tests over all reviewer and
    paper nodes for every arc, which is quadratic: at CVPR size (14 million arcs) that alone takes
    hours. The variant only turns those two lists into sets before solving; graph building,
    cost truncation and the OR-Tools solve are openreview-matcher's own code.
    """
    for name, sub in (("matcher", path / "matcher"), ("matcher.solvers", path / "matcher" / "solvers")):
        mod = types.ModuleType(name)
        mod.__path__ = [str(sub)]
        sys.modules[name] = mod
    minmax = importlib.import_module("matcher.solvers.minmax_solver")
    fairflow = importlib.import_module("matcher.solvers.fairflow")
    logging.getLogger("matcher").setLevel(logging.WARNING)
    simple = minmax.SimpleSolver

    class SetLookupSimpleSolver(simple):  # type: ignore[misc,valid-type]
        def solve(self):  # noqa: ANN202 - mirrors the parent signature
            self.reviewer_nodes = set(self.reviewer_nodes)
            self.paper_nodes = set(self.paper_nodes)
            return super().solve()

    class SetLookupMinMax(minmax.MinMaxSolver):  # type: ignore[misc,name-defined]
        def solve(self):  # noqa: ANN202
            original = minmax.SimpleSolver
            minmax.SimpleSolver = SetLookupSimpleSolver
            try:
                return super().solve()
            finally:
                minmax.SimpleSolver = original

    return minmax.MinMaxSolver, fairflow.FairFlow, SetLookupMinMax


class TimedOut(Exception):
    pass


def with_timeout(fn: Callable[[], np.ndarray], seconds: int) -> Callable[[], np.ndarray | None]:
    """Stop a pure-Python solver after ``seconds`` (SIGALRM interrupts its bytecode loop)."""

    def wrapped() -> np.ndarray | None:
        def alarm(signum: int, frame: object) -> None:
            raise TimedOut

        previous = signal.signal(signal.SIGALRM, alarm)
        signal.alarm(seconds)
        try:
            return fn()
        except TimedOut:
            return None
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)

    return wrapped


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


def measure(fn: Callable[[], np.ndarray | None]) -> tuple[np.ndarray | None, float, int]:
    """Run fn; return its result, wall seconds and peak RSS increase in bytes."""
    gc.collect()
    start_rss = rss()
    peak = [start_rss]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    done.set()
    thread.join()
    peak[0] = max(peak[0], rss())
    return out, seconds, peak[0] - start_rss


def check(x: np.ndarray, demands: np.ndarray, maximums: np.ndarray, conflicts: np.ndarray) -> bool:
    x = x > 0.5
    return bool(np.array_equal(x.sum(axis=1), demands) and np.all(x.sum(axis=0) <= maximums)
                and not np.any(x & conflicts))


def run(name: str, fn: Callable[[], np.ndarray | None], affinity: np.ndarray, demands: np.ndarray,
        maximums: np.ndarray, conflicts: np.ndarray, repeats: int) -> dict[str, object]:
    times, mems, x = [], [], None
    for _ in range(repeats):
        x, seconds, mem = measure(fn)
        times.append(seconds)
        mems.append(mem)
        if x is None:  # timed out: one run is enough to show it
            return {"solver": name, "total": float("nan"), "min_app": float("nan"),
                    "seconds": seconds, "all_seconds": times, "peak_mb": max(mems) / 2**20,
                    "valid": "timeout"}
    x = np.asarray(x) > 0.5
    per_app = (affinity * x).sum(axis=1)
    return {"solver": name, "total": float(affinity[x].sum()), "min_app": float(per_app.min()),
            "seconds": statistics.median(times), "all_seconds": times,
            "peak_mb": max(mems) / 2**20, "valid": check(x, demands, maximums, conflicts)}


def table(title: str, rows: list[dict[str, object]], optimum: float | None) -> None:
    print(f"\n{title}")
    print(f"{'solver':<28} {'total affinity':>15} {'vs optimum':>11} {'min app score':>14} "
          f"{'median s':>9} {'runs (s)':>24} {'peak MB':>8} {'valid':>6}")
    for r in rows:
        rel = "" if optimum is None else f"{100 * (float(r['total']) - optimum) / optimum:+.4f}%"
        runs = ", ".join(f"{s:.2f}" for s in r["all_seconds"])  # type: ignore[union-attr]
        print(f"{r['solver']:<28} {r['total']:>15.4f} {rel:>11} {r['min_app']:>14.6f} "
              f"{r['seconds']:>9.2f} {runs:>24} {r['peak_mb']:>8.0f} {r['valid']!s:>6}")


def midl(fair_matching: Path, minmax_cls: type, fairflow_cls: type, repeats: int) -> None:
    data = fair_matching / "data" / "midl"
    scores = np.load(data / "scores.npy")  # reviewers x papers
    loads = np.load(data / "loads.npy").astype(np.int64)
    covs = np.load(data / "covs.npy").astype(np.int64)
    affinity = scores.T.copy()  # papers x reviewers
    conflicts = np.zeros(affinity.shape, bool)
    problem = AssignmentProblem(affinity=affinity, per_application=covs, load_max=loads)
    zeros = np.zeros(affinity.shape)
    enc = EncoderStub(affinity * -100, zeros, affinity)

    def minmax(allow_zero: bool) -> Callable[[], np.ndarray]:
        # MIDL has real 0.0 scores; by default openreview-matcher never assigns zero-score pairs.
        return lambda: minmax_cls(np.zeros(len(loads), np.int64), loads.copy(), covs.copy(), enc,
                                  allow_zero_score_assignments=allow_zero).solve()

    def fairflow() -> np.ndarray:
        solver = fairflow_cls(np.zeros(len(loads), np.int64), loads.copy(), covs.copy(), enc,
                              allow_zero_score_assignments=True)
        return solver.solve()

    total = solve(problem, "total")
    fair = solve(problem, "fair")
    rows = [
        run("kbridge total (flow)", lambda: solve(problem, "total").assignment, affinity, covs, loads, conflicts, repeats),
        run("kbridge fair (CP-SAT)", lambda: solve(problem, "fair").assignment, affinity, covs, loads, conflicts, repeats),
        run("openreview MinMax", minmax(False), affinity, covs, loads, conflicts, repeats),
        run("openreview MinMax (zeros ok)", minmax(True), affinity, covs, loads, conflicts, repeats),
        run("openreview FairFlow", fairflow, affinity, covs, loads, conflicts, repeats),
    ]
    table("MIDL (118 papers x 177 reviewers, 3 per paper, load <= 4)", rows, total.total_affinity)
    print(f"kbridge total: objective {total.report.objective:.6f}, proven bound {total.report.bound:.6f}, "
          f"gap {total.report.gap:.1e}")
    s1, s2 = fair.report.stages
    print(f"kbridge fair: min application score {s1.objective:.6f} (proven bound {s1.bound:.6f}), "
          f"then total {s2.objective:.6f} (bound {s2.bound:.6f}); "
          f"{100 * (s2.objective - total.total_affinity) / total.total_affinity:+.4f}% vs the total optimum")


def synthetic(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Low-rank-plus-noise affinities in (0, 1), loads 2-9, 1 % conflicts (fixed seed)."""
    rng = np.random.default_rng(seed)
    n_a, n_e, rank = 5062, 2840, 10
    u = rng.normal(size=(n_a, rank))
    v = rng.normal(size=(n_e, rank))
    logits = (u @ v.T) / np.sqrt(rank) + rng.normal(scale=0.5, size=(n_a, n_e)) - 1.0
    affinity = 1.0 / (1.0 + np.exp(-logits))
    loads = rng.integers(2, 10, size=n_e).astype(np.int64)
    conflicts = rng.random((n_a, n_e)) < 0.01
    return affinity, loads, conflicts


def cvpr(minmax_cls: type, minmax_sets_cls: type, repeats: int, seed: int, timeout: int) -> None:
    affinity, loads, conflicts = synthetic(seed)
    n_a = affinity.shape[0]
    demands = np.full(n_a, 3, np.int64)
    problem = AssignmentProblem(affinity=affinity, per_application=3, load_max=loads, conflicts=conflicts)
    enc = EncoderStub(affinity * -100, -conflicts.astype(np.int64), affinity)

    def minmax(cls: type) -> Callable[[], np.ndarray]:
        return lambda: cls(np.zeros(len(loads), np.int64), loads.copy(), demands.copy(), enc,
                           allow_zero_score_assignments=True).solve()

    result: dict[str, object] = {}

    def ours() -> np.ndarray:
        res = solve(problem, "total")
        result["report"] = res.report
        return res.assignment

    rows = [
        run("kbridge total (flow)", ours, affinity, demands, loads, conflicts, repeats),
        run("openreview MinMax (sets)", minmax(minmax_sets_cls), affinity, demands, loads, conflicts, repeats),
        run(f"openreview MinMax ({timeout} s cap)", with_timeout(minmax(minmax_cls), timeout),
            affinity, demands, loads, conflicts, 1),
    ]
    rep = result["report"]
    table(f"CVPR-2018-sized synthetic (5,062 x 2,840, loads 2-9 sum {int(loads.sum())}, "
          f"{int(conflicts.sum())} conflicts, seed {seed})", rows, rep.bound)  # type: ignore[attr-defined]
    print(f"kbridge total: objective {rep.objective:.6f}, proven bound {rep.bound:.6f}, "  # type: ignore[attr-defined]
          f"gap {rep.gap:.1e}")  # type: ignore[attr-defined]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--openreview-matcher", type=Path, required=True, help="checkout of openreview/openreview-matcher")
    ap.add_argument("--fair-matching", type=Path, required=True, help="checkout of iesl/fair-matching")
    ap.add_argument("--repeats", type=int, default=5, help="runs per solver on MIDL")
    ap.add_argument("--cvpr-repeats", type=int, default=3, help="runs per solver on the CVPR-sized instance")
    ap.add_argument("--seed", type=int, default=2018)
    ap.add_argument("--skip-cvpr", action="store_true")
    ap.add_argument("--minmax-timeout", type=int, default=900,
                    help="seconds before unmodified MinMax is stopped on the CVPR-sized instance")
    args = ap.parse_args()
    minmax_cls, fairflow_cls, minmax_sets_cls = load_openreview(args.openreview_matcher)
    midl(args.fair_matching, minmax_cls, fairflow_cls, args.repeats)
    if not args.skip_cvpr:
        cvpr(minmax_cls, minmax_sets_cls, args.cvpr_repeats, args.seed, args.minmax_timeout)


if __name__ == "__main__":
    main()
