"""A 1:1 meeting's "follow-up wanted" (events.signals.meeting_followup) arrives in the alliance
as a proposed collaboration the host partner sees, once per meeting whatever happens."""

from __future__ import annotations

import pytest

from kbridge.alliance.models import Collaboration
from kbridge.events.models import MeetingOutcome, MeetingPlacement
from kbridge.events.services import meetings as meetings_services
from tests.events import world as events_world
from tests.events.meetings import world as mw

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(world, personas):
    """Startup A's meeting with OpenAI's staff member at KISED's event hosted by OpenAI
    (tests/events/world.py), scheduled; ``now`` is its slot's end."""
    event = events_world.build(world, personas).event
    mw.session(event)
    request = mw.accepted(event, personas.startup_a_org, personas.partner_a, personas.startup_a)
    meetings_services.schedule(event=event, by=personas.operator)
    return request, MeetingPlacement.objects.get(request=request).ends_at


def _record(request, by, result, now, note=""):
    return meetings_services.record_outcome(request=request, by=by, result=result, note=note,
                                            now=now)


def test_a_follow_up_becomes_a_proposed_collaboration_the_partner_sees(
        held, world, personas, client_for):
    request, now = held
    _record(request, personas.startup_a, "held", now)
    assert not Collaboration.objects.exists()
    outcome = _record(request, personas.partner_a, "follow_up", now, note="PoC 제안 예정")
    c = Collaboration.objects.get()
    assert (c.partner, c.startup, c.program, c.stage, c.meeting_outcome) == (
        world.partner_a, personas.startup_a_org, world.program, "proposed", outcome)
    assert "K-스타트업, OpenAI를 만나다" in c.title and c.description == "PoC 제안 예정"
    assert c.stage_changes.get().by == personas.partner_a
    html = client_for(personas.partner_a).get("/manage/alliance/collaborations/").content.decode()
    assert c.title in html
    detail = client_for(personas.partner_admin).get(
        f"/manage/alliance/collaborations/{c.pk}/").content.decode()
    assert "1:1" in detail
    # NVIDIA, another partner of the program, does not see OpenAI's follow-up.
    assert c.title not in client_for(personas.partner_b).get(
        "/manage/alliance/collaborations/").content.decode()


def test_the_same_meeting_never_creates_two(held, personas):
    request, now = held
    _record(request, personas.partner_a, "follow_up", now)
    _record(request, personas.partner_a, "follow_up", now, note="again")  # recorded again
    _record(request, personas.startup_a, "follow_up", now)  # the other side wants one too
    assert Collaboration.objects.count() == 1
    assert MeetingOutcome.objects.filter(result="follow_up").count() == 2


def test_a_follow_up_survives_the_outcome_being_changed_afterwards(held, personas):
    request, now = held
    _record(request, personas.partner_a, "follow_up", now)
    _record(request, personas.partner_a, "held", now)
    c = Collaboration.objects.get()
    assert c.meeting_outcome.result == "held"  # the row stays; the partner drops it if moot
