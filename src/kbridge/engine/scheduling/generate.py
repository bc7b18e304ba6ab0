"""Seeded random instances for the benchmark, the command line demo and property tests.

The shape follows a partnering event: a minority of participants are partner staff who receive
many meeting requests, the majority are startups with a few each; every meeting pairs a startup
with a partner. The same seed always gives the same instance.
"""

from __future__ import annotations

import random

from kbridge.engine.scheduling.model import (
    Meeting,
    MeetingInstance,
    Participant,
    Priority,
    Table,
)
from kbridge.engine.scheduling.presentations import (
    Panel,
    Person,
    Pitch,
    PresentationInstance,
    Room,
)


def random_meeting_instance(
    *,
    participants: int,
    meetings: int,
    slots: int,
    tables: int,
    density: float = 0.8,
    must_share: float = 0.2,
    partner_share: float = 0.2,
    reserved_tables: int = 0,
    sessions: int = 1,
    seed: int = 0,
) -> MeetingInstance:
    """A random 1:1 meeting instance.

    ``density`` is the probability that a participant is available in a slot, ``must_share`` the
    share of must-meets, ``partner_share`` the share of participants who are partner staff,
    ``reserved_tables`` how many tables are reserved each for one partner, and ``sessions`` splits
    the slots into that many equal sessions (morning and afternoon, say).
    """
    rng = random.Random(seed)
    n_partners = max(1, round(participants * partner_share))
    n_startups = max(1, participants - n_partners)
    people = []
    for i in range(n_partners + n_startups):
        pid = f"c{i}" if i < n_partners else f"s{i - n_partners}"
        available = frozenset(s for s in range(slots) if rng.random() < density)
        people.append(Participant(pid, available=available))
    partners = [p.id for p in people[:n_partners]]
    startups = [p.id for p in people[n_partners:]]
    max_pairs = n_partners * n_startups
    if meetings > max_pairs:
        raise ValueError(f"at most {max_pairs} distinct partner-startup pairs exist")
    pairs: set[tuple[str, str]] = set()
    result = []
    while len(result) < meetings:
        pair = (rng.choice(startups), rng.choice(partners))
        if pair in pairs:
            continue
        pairs.add(pair)
        priority = Priority.MUST_MEET if rng.random() < must_share else Priority.MEET
        result.append(Meeting(f"m{len(result)}", pair, priority))
    table_list = []
    for t in range(tables):
        reserved = frozenset({partners[t % n_partners]}) if t < reserved_tables else frozenset()
        table_list.append(Table(f"t{t}", reserved_for=reserved))
    session_of = tuple(s * sessions // slots for s in range(slots)) if sessions > 1 else None
    return MeetingInstance(
        n_slots=slots,
        participants=tuple(people),
        meetings=tuple(result),
        tables=tuple(table_list),
        sessions=session_of,
    )


def random_presentation_instance(
    *,
    startups: int = 40,
    panels: int = 4,
    members_per_panel: int = 5,
    rooms: int = 4,
    slots: int = 54,
    pitch_length: int = 2,
    second_pitch_share: float = 0.2,
    blocked_share: float = 0.3,
    breaks: frozenset[int] = frozenset(range(18, 24)),
    seed: int = 0,
) -> PresentationInstance:
    """A pitch day: 10-minute slots from 9:00 (54 slots to 18:00, lunch 12:00-13:00 by default).

    Every startup pitches to one panel, ``second_pitch_share`` of them to a second one too;
    ``blocked_share`` of startups and members have a random blocked hour.
    """
    rng = random.Random(seed)

    def blocked() -> frozenset[int]:
        if rng.random() >= blocked_share:
            return frozenset()
        start = rng.randrange(0, slots - 6)
        return frozenset(range(start, start + 6))

    startup_list = tuple(Person(f"s{i}", blocked=blocked()) for i in range(startups))
    member_list = tuple(
        Person(f"j{i}", blocked=blocked()) for i in range(panels * members_per_panel)
    )
    panel_list = tuple(
        Panel(
            f"panel{k}",
            tuple(f"j{k * members_per_panel + i}" for i in range(members_per_panel)),
        )
        for k in range(panels)
    )
    pitches = []
    for i, s in enumerate(startup_list):
        first = i % panels
        pitches.append(Pitch(f"{s.id}@panel{first}", s.id, f"panel{first}", pitch_length))
        if rng.random() < second_pitch_share and panels > 1:
            second = (first + rng.randrange(1, panels)) % panels
            pitches.append(Pitch(f"{s.id}@panel{second}", s.id, f"panel{second}", pitch_length))
    return PresentationInstance(
        n_slots=slots,
        startups=startup_list,
        members=member_list,
        panels=panel_list,
        rooms=tuple(Room(f"room{r}") for r in range(rooms)),
        pitches=tuple(pitches),
        breaks=breaks,
    )
