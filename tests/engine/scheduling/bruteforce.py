"""Exhaustive search over (slot, table) for every meeting: the ruler for tiny instances.

It shares no code with the solver except the instance types and the independent metrics, and it
chooses concrete tables itself, so it also checks that deciding slots first and tables later
loses nothing.
"""

from __future__ import annotations

from kbridge.engine.scheduling import MeetingInstance, Placement, SolveOptions
from kbridge.engine.scheduling.metrics import objective_vector


def options_of(instance: MeetingInstance, meeting_index: int) -> list[Placement | None]:
    m = instance.meetings[meeting_index]
    people = instance.participant_map()
    tables = [t.id for t in instance.eligible_tables(m)]
    if m.locked_table is not None:
        tables = [m.locked_table]
    result: list[Placement | None] = [] if m.locked else [None]
    starts = [m.locked_slot] if m.locked else range(instance.n_slots - m.length + 1)
    for start in starts:
        span = range(start, start + m.length)
        if not m.locked:
            if any(s in instance.breaks for s in span):
                continue
            if len({instance.session_of(s) for s in span}) > 1:
                continue
            if not all(people[p].is_available(s) for p in m.participants for s in span):
                continue
        result.extend(Placement(m.id, start, t) for t in tables)
    return result


def best(
    instance: MeetingInstance, options: SolveOptions | None = None
) -> tuple[int, int, int] | None:
    """The lexicographic optimum (weight placed, participants covered, -holes); None if infeasible."""
    choices = [options_of(instance, i) for i in range(len(instance.meetings))]
    best_value: tuple[int, int, int] | None = None
    person: set[tuple[str, int]] = set()
    table: set[tuple[str, int]] = set()
    chosen: list[Placement] = []

    def visit(i: int) -> None:
        nonlocal best_value
        if i == len(choices):
            value = objective_vector(instance, chosen, options)
            if best_value is None or value > best_value:
                best_value = value
            return
        m = instance.meetings[i]
        for option in choices[i]:
            if option is None:
                visit(i + 1)
                continue
            span = range(option.slot, option.slot + m.length)
            cells = [(p, s) for p in m.participants for s in span]
            tcells = [(option.table_id, s) for s in span]
            if any(c in person for c in cells) or any(c in table for c in tcells):
                continue
            person.update(cells)
            table.update(tcells)
            chosen.append(option)
            visit(i + 1)
            chosen.pop()
            person.difference_update(cells)
            table.difference_update(tcells)

    visit(0)
    return best_value
