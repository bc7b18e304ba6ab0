"""Event models, one module per part (docs/events.md).

event.py        events, their agenda and speakers, fit questions and registrations
attendees.py    fit reviews, the lottery, waitlist offers
tickets.py      tickets and check-ins
meetings.py     1:1 meeting sessions, requests, runs, placements and outcomes
qna.py          live Q&A: questions, votes, the Q&A settings
Each part adds its own module and one import line below.
"""

from kbridge.events.models.attendees import EventLottery, FitReview, WaitlistOffer  # noqa: I001
from kbridge.events.models.event import AgendaItem, Event, FitQuestion, Registration, Speaker
from kbridge.events.models.meetings import (
    MeetingBusySlot,
    MeetingOutcome,
    MeetingPlacement,
    MeetingRequest,
    MeetingRun,
    MeetingSession,
)
from kbridge.events.models.qna import QnaSettings, Question, Vote
from kbridge.events.models.tickets import CheckIn, Ticket

__all__ = ["AgendaItem", "CheckIn", "Event", "EventLottery", "FitQuestion", "FitReview",
           "MeetingBusySlot", "MeetingOutcome", "MeetingPlacement", "MeetingRequest",
           "MeetingRun", "MeetingSession", "QnaSettings", "Question", "Registration",
           "Speaker", "Ticket", "Vote", "WaitlistOffer"]
