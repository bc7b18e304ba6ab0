"""1:1 meetings of an event (issue 15, part 6): one scheduling run as the product makes it
(``kbridge.events.services.meetings.SOLVE_OPTIONS``: 3 s, one search thread) beside the greedy
baseline measured in the same run, for the first run and for a re-run after a cancellation.

    PYTHONPATH=src python bench/bench_event_meetings.py [--repeats 3] [--seed 1]

Synthetic events shaped like the 2023 meetup (about 100 startups, the host's staff): each
startup asked ``per`` staff members (at random), one in ten is a must-meet, every staff member
is away in 3 random slots. Sizes: (startups, staff, meetings per startup, slots, tables).
Prints medians of wall-clock seconds, the placed/total meetings, whether stages 1-2 (weighted
placed, fairness) are proven optimal, and the meetings a cancellation moved.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from kbridge.engine.scheduling import (
    Meeting,
    MeetingInstance,
    Participant,
    Priority,
    SolveOptions,
    Table,
    greedy_schedule,
    reschedule,
    solve_meetings,
)

#: As kbridge.events.services.meetings.SOLVE_OPTIONS (kept in step by
#: tests/events/meetings/test_services.py::test_the_bench_measures_the_products_options).
SOLVE_OPTIONS = SolveOptions(time_limit=3.0, workers=1)

SIZES = [(20, 3, 2, 12, 3), (100, 10, 3, 18, 10), (100, 20, 4, 24, 20)]


def instance(seed: int, startups: int, staff: int, per: int, slots: int,
             tables: int) -> MeetingInstance:
    rng = random.Random(seed)
    people = [Participant(f"s{i}") for i in range(startups)] + [
        Participant(f"p{j}", available=frozenset(rng.sample(range(slots), slots - 3)))
        for j in range(staff)]
    meetings, k = [], 0
    for i in range(startups):
        for j in rng.sample(range(staff), per):
            meetings.append(Meeting(str(k), (f"s{i}", f"p{j}"),
                                    Priority.MUST_MEET if k % 10 == 0 else Priority.MEET))
            k += 1
    return MeetingInstance(slots, tuple(people), tuple(meetings),
                           tuple(Table(str(t)) for t in range(1, tables + 1)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print("size (startups, staff, per, slots, tables) | greedy s | run s | placed "
          "(greedy) | stages 1-2 optimal | re-run s | moved")
    for size in SIZES:
        greedy_t, run_t, rerun_t = [], [], []
        for r in range(args.repeats):
            inst = instance(args.seed + r, *size)
            t = time.perf_counter()
            greedy = greedy_schedule(inst)
            greedy_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            result = solve_meetings(inst, SOLVE_OPTIONS)
            run_t.append(time.perf_counter() - t)
            gone = result.placements[0].meeting_id
            smaller = MeetingInstance(inst.n_slots, inst.participants,
                                      tuple(m for m in inst.meetings if m.id != gone), inst.tables)
            t = time.perf_counter()
            again = reschedule(smaller, [p for p in result.placements if p.meeting_id != gone],
                               SOLVE_OPTIONS)
            rerun_t.append(time.perf_counter() - t)
        print(f"{size} | {statistics.median(greedy_t):.3f} | {statistics.median(run_t):.2f} | "
              f"{len(result.placements)}/{len(inst.meetings)} ({len(greedy)}) | "
              f"{all(s.optimal for s in result.stages[:2])} | "
              f"{statistics.median(rerun_t):.2f} | {len(again.changes.moved)}")


if __name__ == "__main__":
    main()
