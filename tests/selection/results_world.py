"""Ids of the permission matrix's results and partners rows (tests/test_permissions_matrix.py),
from the decided world (tests/selection/world.py)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from kbridge.selection.models import Outcome, Selection, SelectionPolicy
from tests.factories import UserFactory


def matrix_ids(d) -> dict[str, int]:
    """``result_application``: startup A's selected application (rank 1); ``waitlisted_
    application``: another startup's waitlisted one; ``selection_call``: the announced call;
    ``selection_track``: partner A's decided track; ``other_partner_track``: NVIDIA's track."""
    return {
        "result_application": d.applications[0].pk,
        "waitlisted_application": d.applications[2].pk,
        "selection_call": d.selection.track.call_id,
        "selection_track": d.selection.track_id,
        "other_partner_track": d.selection.track.call.tracks.exclude(
            pk=d.selection.track_id).order_by("pk").first().pk,
    }


# --- tests/test_list_query_counts.py -----------------------------------------------------------
# Each helper takes the query-count test's ``ctx`` (world, personas, submitted, once) and adds
# one more item of what a results or partners page lists, returning a text the page shows.

_made = itertools.count(1)


def _announced_selection(ctx):
    """An announced, confirmed selection of partner A's track (ended presentation stage), with
    startup A's application selected at rank 1."""
    def make():
        from tests.evaluation.feedback_world import ended_stage

        now = timezone.now()
        stage = ended_stage(ctx.world.call)
        SelectionPolicy.objects.create(call=ctx.world.call,
                                       announcement_at=now - timedelta(hours=1))
        selection = Selection.objects.create(
            track=ctx.world.track_a, stage=stage, status=Selection.Status.CONFIRMED,
            budget_krw=10 * ctx.world.track_a.funding_cap_krw, created_by=ctx.personas.operator,
            cutoff_score=Decimal("70.00"))
        Outcome.objects.create(selection=selection, application=ctx.submitted, rank=1,
                               score=Decimal("90.00"), status="selected",
                               reason_code="within_quota", award_krw=100_000_000,
                               publish_consent=True)
        return selection
    return ctx.once("announced_selection", make)


def result_url(ctx) -> str:
    _announced_selection(ctx)
    return f"/applications/{ctx.submitted.pk}/result/"


def add_result_reasons(ctx) -> str:
    """One more evaluator's counted scoresheet of startup A's application."""
    from tests.evaluation.feedback_world import submitted_sheet

    selection = _announced_selection(ctx)
    text = f"근거{next(_made):04d}: 시장 검증 계획이 구체적입니다."
    submitted_sheet(selection.stage, ctx.submitted, UserFactory(), 80, reasons=[text, text])
    return text


def _add_outcome(ctx, *, consent: bool, shortlisted: bool = False) -> str:
    from kbridge.applications.models import Application
    from kbridge.evaluation.models import Shortlisted

    selection = _announced_selection(ctx)
    name = ctx.add_application(track=ctx.world.track_a)
    application = Application.objects.get(applicant__name_ko=name)
    rank = selection.outcomes.count() + 1
    Outcome.objects.create(selection=selection, application=application, rank=rank,
                           score=Decimal("80.00"), status="selected",
                           reason_code="within_quota", award_krw=1_000_000,
                           publish_consent=consent)
    if shortlisted:
        Shortlisted.objects.create(stage=selection.stage, application=application,
                                   track=selection.track, rank=rank, score=Decimal("80.00"),
                                   confirmed_by=ctx.personas.operator)
    return name


def public_results_url(ctx) -> str:
    _announced_selection(ctx)
    return f"/results/{ctx.world.call.pk}/"


def add_public_result(ctx) -> str:
    """One more selected startup that agreed to be named."""
    return _add_outcome(ctx, consent=True)


def add_partner_track(ctx) -> str:
    """One more track of partner A (in the world's call) with a confirmed selection."""
    from tests.factories import TrackFactory

    _announced_selection(ctx)
    n = next(_made)
    track = TrackFactory(call=ctx.world.call, partner=ctx.world.partner_a,
                         name_ko=f"추가 트랙{n:04d}", name_en=f"Extra track {n:04d}")
    Selection.objects.create(track=track, stage=_announced_selection(ctx).stage,
                             status=Selection.Status.CONFIRMED, budget_krw=0,
                             created_by=ctx.personas.operator)
    return track.name_ko


def partner_track_url(ctx) -> str:
    _announced_selection(ctx)
    return f"/partner/selection/tracks/{ctx.world.track_a.pk}/"


def add_partner_track_row(ctx) -> str:
    """One more shortlisted and decided application of the track, with partner A's interest."""
    from kbridge.applications.models import Application
    from kbridge.selection.models import PartnerInterest

    name = _add_outcome(ctx, consent=False, shortlisted=True)
    PartnerInterest.objects.create(application=Application.objects.get(applicant__name_ko=name),
                                   organisation=ctx.personas.partner_a_org,
                                   recorded_by=ctx.personas.partner_a, note=f"메모 {name}")
    return f"메모 {name}"
