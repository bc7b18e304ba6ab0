"""Tickets for the events world: startup A's chosen registration gets its ticket the way the
attendees part gives it one, by sending ``registration_chosen``."""

from __future__ import annotations

from kbridge.events import signals, ticket_codes
from kbridge.events.models import Registration, Ticket
from tests.events.world import EventWorld


def issue(registration: Registration, by=None) -> Ticket:
    """Send ``registration_chosen`` for ``registration`` (already CHOSEN) and return its
    ticket."""
    signals.registration_chosen.send(sender=Registration, registration=registration, by=by)
    return Ticket.objects.get(registration=registration)


def payload(ticket: Ticket) -> str:
    return ticket_codes.sign_payload(ticket.event_id, ticket.code)


def matrix_ids(event_world: EventWorld) -> dict[str, int]:
    """Startup A's ticket issued; its id (the URLs name the event)."""
    return {"ticket_a": issue(event_world.registration_a).pk}
