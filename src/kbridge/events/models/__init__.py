"""Event models, one module per part (docs/events.md).

event.py        events, their agenda and speakers, fit questions and registrations
Each part adds its own module and one import line below.
"""

from kbridge.events.models.event import AgendaItem, Event, FitQuestion, Registration, Speaker

__all__ = ["AgendaItem", "Event", "FitQuestion", "Registration", "Speaker"]
from kbridge.events.models.meetings import MeetingBusySlot, MeetingOutcome, MeetingPlacement, MeetingRequest, MeetingRun, MeetingSession  # noqa: E501,F401,I001
