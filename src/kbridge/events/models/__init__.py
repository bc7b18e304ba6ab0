"""Event models, one module per part (docs/events.md).

event.py        events, their agenda and speakers, fit questions and registrations
Each part adds its own module and one import line below.
"""

from kbridge.events.models.attendees import EventLottery, FitReview, WaitlistOffer  # noqa: I001
from kbridge.events.models.event import AgendaItem, Event, FitQuestion, Registration, Speaker
from kbridge.events.models.tickets import CheckIn, Ticket

__all__ = ["AgendaItem", "CheckIn", "Event", "EventLottery", "FitQuestion", "FitReview",
           "Registration", "Speaker", "Ticket", "WaitlistOffer"]
