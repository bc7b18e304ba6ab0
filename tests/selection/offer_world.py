"""Waitlist offers for the selection tests and the permission matrix.

``matrix_ids(world, personas, stage)`` sets up, in partner B's track (so it does not touch
partner A's decided selection of tests/selection/world.py): a confirmed selection with 2
places where one startup is selected, one dropped out, and **startup B**'s application
(persona ``startup_b``, its representative) is waitlisted with a pending offer of the freed
place. ``stage`` is any evaluation stage of the world's call (the selection's ranking stage).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from kbridge.applications import services as application_services
from kbridge.applications.uploads import CheckedPDF
from kbridge.selection.models import Offer, Outcome, Selection
from tests.applications.conftest import complete_answers, make_pdf
from tests.factories import ApplicationFactory, StartupProfileFactory
from tests.selection.world import applicant


def startup_b_application(world, personas, track):
    """Startup B's submitted application to ``track`` (its representative: ``startup_b``)."""
    org, rep = personas.startup_b_org, personas.startup_b
    StartupProfileFactory(organisation=org, representative=rep)
    questions = list(track.call.questions.all())
    application = ApplicationFactory(track=track, applicant=org, created_by=rep)
    application_services.save_draft(application=application, by=rep,
                                    answers=complete_answers(questions), declarations={},
                                    base_version=1)
    for q in questions:
        if q.kind == "file":
            data = make_pdf(2)
            application_services.attach_file(
                application=application, question=q, by=rep,
                checked=CheckedPDF(data=data, size=len(data), pages=2,
                                   sha256=hashlib.sha256(data).hexdigest(),
                                   original_name="deck.pdf"))
    application.refresh_from_db()
    application_services.submit_application(application=application, by=rep,
                                            draft_version=application.version)
    return application


def matrix_ids(world, personas, stage) -> dict[str, int]:
    """The ids of the permission matrix's waitlist rows (see the module docstring)."""
    now = timezone.now()
    track = world.track_b
    track.quota = 2
    track.save(update_fields=["quota"])
    cap = track.funding_cap_krw
    selection = Selection.objects.create(
        track=track, stage=stage, status=Selection.Status.CONFIRMED, budget_krw=2 * cap,
        created_by=personas.operator, confirmed_by=personas.operator,
        confirmed_at=now - timedelta(hours=2))
    selected_app = applicant(world, 90, track=track)
    dropped_app = applicant(world, 91, track=track)
    offered_app = startup_b_application(world, personas, track)
    selected = Outcome.objects.create(
        selection=selection, application=selected_app, rank=1, score=Decimal("90.00"),
        status=Outcome.Status.SELECTED, reason_code="within_quota", award_krw=cap)
    Outcome.objects.create(
        selection=selection, application=dropped_app, rank=2, score=Decimal("85.00"),
        status=Outcome.Status.DROPPED, reason_code="withdrew")
    waitlisted = Outcome.objects.create(
        selection=selection, application=offered_app, rank=3, score=Decimal("80.00"),
        status=Outcome.Status.WAITLISTED, reason_code="below_line", waitlist_position=1)
    Offer.objects.create(outcome=waitlisted, award_krw=cap, offered_by=personas.operator,
                         respond_by=now + timedelta(days=3))
    return {"offer_application": offered_app.pk, "selected_outcome": selected.pk,
            "waitlisted_outcome": waitlisted.pk}
