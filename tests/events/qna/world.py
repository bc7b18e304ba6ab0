"""Q&A test data on top of ``event_world``: a second attendee (startup C, chosen) and a few
questions, plus the ids tests/test_permissions_matrix.py's URL templates name."""

from __future__ import annotations

from dataclasses import dataclass

from kbridge.accounts.models import Membership
from kbridge.events.models import Question, Registration
from kbridge.events.services import qna as services
from tests.events import world as events_world
from tests.factories import OrganisationFactory, UserFactory

#: Attendee C's company number (valid check digit; distinct from tests/events/world.py's, which
#: other parts' worlds register on the same event).
BRN_QNA = "314-81-59262"


@dataclass
class QnaWorld:
    event_world: events_world.EventWorld
    attendee: object  # startup A's representative (chosen)
    attendee_c: object  # startup C's representative (chosen)
    question: Question  # attendee C's, shown
    anonymous_question: Question  # attendee C's, anonymous, shown


def attendee(event, name: str, brn: str):
    """A startup (named ``name``) whose registration was chosen, and its representative."""
    org = OrganisationFactory(kind="startup", name_ko=name, name_en=name)
    user = UserFactory(email=f"ceo@{name.lower().replace(' ', '')}.example", full_name=name + " CEO")
    Membership.objects.create(user=user, organisation=org,
                              role=Membership.Role.STARTUP_REPRESENTATIVE)
    events_world.register(event, org, user, brn=brn, status=Registration.Status.CHOSEN)
    return user


def build(event_world, personas) -> QnaWorld:
    event = event_world.event
    c = attendee(event, "Sensor Works", BRN_QNA)
    question = services.post_question(event=event, author=c,
                                      text="OpenAI와 칩을 함께 만들 계획이 있나요?")
    anonymous = services.post_question(event=event, author=c, anonymous=True,
                                       text="Will GPT-5 support Korean better?")
    return QnaWorld(event_world, personas.startup_a, c, question, anonymous)


def matrix_ids(qna_world: QnaWorld) -> dict[str, int]:
    return {"qna_question": qna_world.question.pk}
