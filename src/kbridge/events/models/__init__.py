"""Event models, one module per part (docs/events.md).

event.py        events, their agenda and speakers, fit questions and registrations
qna.py          live Q&A: questions, votes, the Q&A settings
Each part adds its own module and one import line below.
"""

from kbridge.events.models.event import AgendaItem, Event, FitQuestion, Registration, Speaker

__all__ = ["AgendaItem", "Event", "FitQuestion", "Registration", "Speaker"]
from kbridge.events.models.qna import QnaSettings as QnaSettings, Question as Question, Vote as Vote  # noqa: E402,E501,I001
