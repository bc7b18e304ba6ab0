"""Waitlist offers for the permission matrix.

``matrix_ids(world, personas, submitted, stage)`` sets up a confirmed selection of partner A's
track with 2 places: one startup selected, one dropped out, and **startup A**'s application
(``submitted``; its representative is the persona ``startup_a``, ``startup_a_member`` a member)
waitlisted with a pending offer of the freed place. ``stage`` is any evaluation stage of the
world's call (the selection's ranking stage). Startup B is left alone: other tests give it its
own profile and application (tests/core/test_i18n_rendered.py).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from kbridge.selection.models import Offer, Outcome, Selection
from tests.selection.world import applicant


def matrix_ids(world, personas, submitted, stage) -> dict[str, int]:
    """The ids of the permission matrix's waitlist rows (see the module docstring)."""
    now = timezone.now()
    track = submitted.track
    cap = track.funding_cap_krw
    selection = Selection.objects.create(
        track=track, stage=stage, status=Selection.Status.CONFIRMED, budget_krw=2 * cap,
        created_by=personas.operator, confirmed_by=personas.operator,
        confirmed_at=now - timedelta(hours=2))
    selected = Outcome.objects.create(
        selection=selection, application=applicant(world, 90, track=track), rank=1,
        score=Decimal("90.00"), status=Outcome.Status.SELECTED, reason_code="within_quota",
        award_krw=cap)
    Outcome.objects.create(
        selection=selection, application=applicant(world, 91, track=track), rank=2,
        score=Decimal("85.00"), status=Outcome.Status.DROPPED, reason_code="withdrew")
    waitlisted = Outcome.objects.create(
        selection=selection, application=submitted, rank=3, score=Decimal("80.00"),
        status=Outcome.Status.WAITLISTED, reason_code="below_line", waitlist_position=1)
    Offer.objects.create(outcome=waitlisted, award_krw=cap, offered_by=personas.operator,
                         respond_by=now + timedelta(days=3))
    track.quota = 2
    track.save(update_fields=["quota"])
    return {"selected_outcome": selected.pk, "waitlisted_outcome": waitlisted.pk}
