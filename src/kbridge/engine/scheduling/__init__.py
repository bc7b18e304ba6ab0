"""Optimal 1:1 meeting and presentation-day schedules (pure Python, CP-SAT).

Entry points: :func:`solve_meetings` and :func:`reschedule` for 1:1 meetings,
:func:`solve_presentations` for pitch days, :func:`greedy_schedule` for the baseline,
:mod:`.export` for agendas and iCalendar files, and ``kbridge-schedule`` on the command line.
"""

from kbridge.engine.scheduling.explain import explain_unplaced
from kbridge.engine.scheduling.greedy import greedy_schedule
from kbridge.engine.scheduling.meetings import reschedule, solve_meetings
from kbridge.engine.scheduling.model import (
    Changes,
    Explanation,
    Meeting,
    MeetingInstance,
    MeetingSchedule,
    Move,
    Participant,
    Placement,
    Priority,
    SchedulingError,
    SolveOptions,
    StageReport,
    Table,
)

__all__ = [
    "Changes",
    "Explanation",
    "Meeting",
    "MeetingInstance",
    "MeetingSchedule",
    "Move",
    "Participant",
    "Placement",
    "Priority",
    "SchedulingError",
    "SolveOptions",
    "StageReport",
    "Table",
    "explain_unplaced",
    "greedy_schedule",
    "reschedule",
    "solve_meetings",
]
