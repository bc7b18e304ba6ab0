"""Selection (issue 14) at 2,000 candidates in one track: ``plan()`` beside a plain sort.

    PYTHONPATH=src python bench/bench_selection.py [--repeats 9] [--seed 1]

Synthetic track: 2,000 applications of merit ~ N(70, 10), each scored by 5 evaluators with
noise N(0, 5), clipped to 0-100; the score is the mean rounded to one decimal (so many ties), a tie-break level on 1-5 for 80 %, awards asked for U(30, 120) million won
(the cap is 100 million), 3 % ineligible, 200 places, a budget of 130 × the cap, a waitlist of 20.

Wall-clock medians over ``--repeats`` runs, each beside the baseline measured in the same process:
``sorted()`` of the (score, key) pairs, the least any ranking must do. Rows: ``plan()`` by rank
(ties at the line left to a draw), ``plan()`` with the draw's order given, ``plan()`` with the
lottery at the line (intervals of 5 evaluators' totals), and 1,000 ``next_offer()`` calls.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable

from kbridge.engine.lottery import order
from kbridge.engine.selection import Candidate, Limits, interval, next_offer, plan

N, CAP = 2000, 100_000_000


def synthetic(seed: int) -> list[Candidate]:
    rng = random.Random(seed)
    out = []
    for i in range(N):
        merit = rng.gauss(70, 10)
        totals = [min(100.0, max(0.0, merit + rng.gauss(0, 5))) for _ in range(5)]
        score = round(statistics.fmean(totals), 1)
        out.append(Candidate(
            key=str(i),
            score=score,
            tie_score=round(rng.uniform(1, 5), 1) if rng.random() < 0.8 else None,
            interval=interval(totals),
            eligible=rng.random() >= 0.03,
            award_krw=rng.randrange(30, 121) * 1_000_000,
        ))
    return out


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    cands = synthetic(args.seed)
    limits = Limits(places=200, cap_krw=CAP, budget_krw=130 * CAP, waitlist_length=20)
    seed = "ab" * 32

    by_rank = plan(cands, limits)
    drawn = order(seed, by_rank.lottery.entrants) if by_rank.lottery else None
    grey = plan(cands, limits, lottery_at_line=True)
    grey_drawn = order(seed, grey.lottery.entrants) if grey.lottery else None
    decided = plan(cands, limits, lottery_order=drawn)
    awards = {c.key: c.award_krw or CAP for c in cands}

    def offers() -> None:
        selected = dict(decided.awards)
        for _ in range(1000):
            next_offer(selected_awards=selected, pending_awards={}, waitlist=decided.waitlist,
                       awards=awards, limits=limits)

    base = median_seconds(lambda: sorted((-c.score, c.key) for c in cands), args.repeats)
    rows = [
        ("sorted() of (score, key) (baseline)", base),
        ("plan() by rank", median_seconds(lambda: plan(cands, limits), args.repeats)),
        ("plan() with the draw's order", median_seconds(
            lambda: plan(cands, limits, lottery_order=drawn), args.repeats)),
        ("plan() with the lottery at the line", median_seconds(
            lambda: plan(cands, limits, lottery_at_line=True, lottery_order=grey_drawn), args.repeats)),
        ("1,000 × next_offer()", median_seconds(offers, args.repeats)),
    ]
    print(f"{N:,} candidates, {limits.places} places, budget {limits.budget_krw // CAP} × cap, "
          f"median of {args.repeats} runs\n")
    print("| step | median ms | × baseline |")
    print("|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1000:.2f} | {seconds / base:.1f}× |")
    grey_size = len(grey.lottery.entrants) if grey.lottery else 0
    tie_size = len(by_rank.lottery.entrants) if by_rank.lottery else 0
    print(f"\nselected by rank: {len(decided.selected)} (budget stop: "
          f"{sum(r == 'over_budget' for r in decided.reasons.values())}), tie drawn at the line: "
          f"{tie_size} for {by_rank.lottery.places if by_rank.lottery else 0} places, "
          f"grey zone: {grey_size} for {grey.lottery.places if grey.lottery else 0} places")
    return 0


if __name__ == "__main__":
    sys.exit(main())
