"""1:1 meetings on top of tests/events/world.py's event (hosted by OpenAI = partner A; startup
A chosen): a session 15:00–17:00 KST of 20-minute slots at 2 tables, and helpers for more
attendees and staff."""

from __future__ import annotations

import datetime as dt

from kbridge.accounts.models import Membership
from kbridge.events.models import MeetingRequest, MeetingSession, Registration
from tests.events.world import EventWorld, register
from tests.factories import OrganisationFactory, UserFactory


def session(event, *, tables: int = 2, slot_minutes: int = 20,
            start_hour: int = 1, hours: int = 2) -> MeetingSession:
    start = event.starts_at + dt.timedelta(hours=start_hour)
    return MeetingSession.objects.create(event=event, starts_at=start,
                                         ends_at=start + dt.timedelta(hours=hours),
                                         slot_minutes=slot_minutes, tables=tables)


def attendee(event, n: int):
    """A new startup with a CHOSEN registration and its representative."""
    org = OrganisationFactory(kind="startup", name_ko=f"스타트업{n}", name_en=f"Startup {n}")
    user = UserFactory(email=f"ceo{n}@startup{n}.example", full_name=f"대표{n}")
    Membership.objects.create(user=user, organisation=org, role="startup_rep")
    register(event, org, user, brn=f"900-00-{n:05d}", status=Registration.Status.CHOSEN)
    return org, user


def staff(event, n: int):
    """A new staff member of the event's host partner."""
    user = UserFactory(email=f"staff{n}@openai.example", full_name=f"OpenAI 직원{n}")
    Membership.objects.create(user=user, organisation=event.host.organisation, role="partner")
    return user


def accepted(event, startup, person, by, **extra) -> MeetingRequest:
    """An accepted request written directly (the services are tested on their own)."""
    return MeetingRequest.objects.create(
        event=event, startup=startup, person=person, direction=MeetingRequest.From.STARTUP,
        requested_by=by, message="", status=MeetingRequest.Status.ACCEPTED, **extra)


def matrix_ids(event_world: EventWorld, personas) -> dict[str, int]:
    """A session on the published event and an accepted request between startup A and
    OpenAI's staff member (partner_a)."""
    session(event_world.event)
    request = accepted(event_world.event, personas.startup_a_org, personas.partner_a,
                       personas.startup_a)
    return {"meeting_request": request.pk}
