"""The baseline: "first free common slot and table", like b2match's quick schedule.

Meetings are taken one by one (locked ones first, then must-meets, then the rest, each group in
input order) and put at the earliest start where all their participants are free and available
and a table they may use is free for the whole meeting. Reserved tables are tried before general
ones because nobody else can use them. It is fast and never moves anything, which is exactly why
it leaves meetings unplaced and people waiting between meetings; the benchmark measures how much.
The solver also uses it as a first feasible hint.
"""

from __future__ import annotations

from kbridge.engine.scheduling.model import MeetingInstance, Placement, Priority


def greedy_schedule(instance: MeetingInstance) -> list[Placement]:
    """Place meetings greedily; return the placements in the order they were made."""
    people = instance.participant_map()
    person_busy: set[tuple[str, int]] = set()
    table_busy: set[tuple[str, int]] = set()
    placements: list[Placement] = []
    order = sorted(
        range(len(instance.meetings)),
        key=lambda i: (
            not instance.meetings[i].locked,
            instance.meetings[i].priority != Priority.MUST_MEET,
            i,
        ),
    )
    for i in order:
        m = instance.meetings[i]
        starts = [m.locked_slot] if m.locked else instance.free_starts(m)
        tables = sorted(instance.eligible_tables(m), key=lambda t: not t.reserved_for)
        if m.locked_table is not None:
            tables = [t for t in tables if t.id == m.locked_table]
        for start in starts:
            span = range(start, start + m.length)
            if any((p, s) in person_busy for p in m.participants for s in span):
                continue
            if not m.locked and not all(
                people[p].is_available(s) for p in m.participants for s in span
            ):
                continue
            table = next(
                (t.id for t in tables if all((t.id, s) not in table_busy for s in span)), None
            )
            if table is None:
                continue
            placements.append(Placement(m.id, start, table))
            person_busy.update((p, s) for p in m.participants for s in span)
            table_busy.update((table, s) for s in span)
            break
    return placements
