"""``{% attendee_box as box %}``: what the event page's registration box shows the visitor
(register, withdraw, an offer to answer, the ticket once chosen)."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from kbridge.events import selectors_attendees as reads

register = template.Library()


def ticket_url(event_id: int) -> str | None:
    """The ticket page (``events:ticket``, built by the tickets part) if it exists."""
    try:
        return reverse("events:ticket", kwargs={"event_id": event_id})
    except NoReverseMatch:
        return None


@register.simple_tag(takes_context=True)
def attendee_box(context) -> dict:
    event = context["event"]
    user = context["request"].user
    registration = context.get("registration")
    if registration is not None:
        registration.event = event
    offer = reads.pending_offer(registration) if registration is not None else None
    acts = registration is not None and user.has_perm("events.act_for_registration",
                                                      registration)
    return {
        "registration": registration,
        "may_register": (registration is None or registration.status == "withdrawn")
        and user.has_perm("events.register", event),
        "may_reach": user.has_perm("events.reach_registration", event),
        "may_withdraw": acts and user.has_perm("events.withdraw_registration", registration),
        "acts": acts,
        "offer": offer,
        "ticket_url": ticket_url(event.pk) if registration is not None
        and registration.is_chosen else None,
        "lottery": reads.lottery_of(event),
        "now": timezone.now(),
    }
