"""Waitlist offers for the permission matrix.

``matrix_ids(decided, personas)`` gives the decided world's (tests/selection/world.py) first
waitlisted application a pending offer of a place. Its startup is none of the personas'
(startup A's application is selected in that world, for the result and agreement rows), so
every persona gets 404 on the offer page; tests/selection/test_offer_views.py shows the
startup's members reading it and its representative answering.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kbridge.selection.models import Offer


def matrix_ids(decided, personas) -> dict[str, int]:
    """The ids of the permission matrix's waitlist rows (see the module docstring)."""
    waitlisted = decided.outcomes[2]
    cap = decided.selection.track.funding_cap_krw
    Offer.objects.create(outcome=waitlisted, award_krw=cap, offered_by=personas.operator,
                         respond_by=timezone.now() + timedelta(days=3))
    return {"selected_outcome": decided.outcomes[0].pk,
            "offer_application": waitlisted.application_id}
