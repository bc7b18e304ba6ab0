"""Scoresheets made directly through the ORM for the ranking and feedback tests (the scoring
services are built elsewhere), and a presentation stage that has ended with submitted reasons.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from kbridge.evaluation.models import (
    Assignment,
    Criterion,
    EvaluatorProfile,
    ReasonRating,
    Score,
    Scoresheet,
    Stage,
)
from kbridge.evaluation.ranking import RATING_WINDOW_DAYS

REASON = ("The team has built a working NPU prototype and measured it against the partner's "
          "reference models; the plan for the pilot is concrete and costed.")


def submitted_sheet(stage, application, evaluator, total, *, reasons=None) -> Scoresheet:
    """A submitted scoresheet of ``evaluator`` for ``application`` with weighted total
    ``total`` (0–100) and a reason per criterion of the stage."""
    assignment, _ = Assignment.objects.get_or_create(stage=stage, application=application,
                                                     evaluator=evaluator)
    sheet, _ = Scoresheet.objects.update_or_create(
        assignment=assignment, defaults={"status": Scoresheet.Status.SUBMITTED,
                                         "submitted_at": timezone.now(),
                                         "total": Decimal(str(total))})
    for i, criterion in enumerate(stage.criteria.all()):
        text = (reasons[i] if reasons else f"{REASON} ({criterion.title_en})")
        Score.objects.update_or_create(scoresheet=sheet, criterion=criterion,
                                       defaults={"level": 4, "reason": text})
    return sheet


def ended_stage(call, *, ended_days_ago: int = 3, kind=Stage.Kind.PRESENTATION) -> Stage:
    """A stage of ``call`` whose window ended ``ended_days_ago`` days ago, with two criteria."""
    now = timezone.now()
    stage = Stage.objects.create(call=call, kind=kind,
                                 opens_at=now - timedelta(days=ended_days_ago + 7),
                                 closes_at=now - timedelta(days=ended_days_ago),
                                 pledge_version="test")
    Criterion.objects.create(stage=stage, position=1, title_ko="시장성", title_en="Market",
                             weight=50)
    Criterion.objects.create(stage=stage, position=2, title_ko="팀 역량", title_en="Team",
                             weight=50)
    return stage


def ended_stage_with_reasons(evaluation, personas, submitted):
    """The matrix's ended stage: startup A's application scored by ``evaluator`` (counts) and
    by ``evaluator_conflicted`` (submitted, but their conflict in force leaves it out).
    Returns (counted scoresheet, conflicted scoresheet)."""
    stage = ended_stage(evaluation.stage.call)
    return (submitted_sheet(stage, submitted, personas.evaluator, 80),
            submitted_sheet(stage, submitted, personas.evaluator_conflicted, 20))


def matrix_ids(evaluation, personas, submitted) -> dict[str, int]:
    """The ids of the permission matrix's feedback rows."""
    counted, conflicted = ended_stage_with_reasons(evaluation, personas, submitted)
    return {"ended_scoresheet": counted.pk, "conflicted_ended_scoresheet": conflicted.pk,
            "draft_scoresheet": evaluation.assignment.scoresheet.pk}


# --- tests/test_list_query_counts.py ------------------------------------------------------

_made = itertools.count(1)


def _query_count_stage(ctx, kind, ended_days_ago):
    return ctx.once(f"evaluation_stage_{kind}",
                    lambda: ended_stage(ctx.world.call, ended_days_ago=ended_days_ago, kind=kind))


def ranking_url(ctx) -> str:
    """The ranking of a stage whose ratings have closed (so their averages are shown)."""
    stage = _query_count_stage(ctx, Stage.Kind.DOCUMENT, RATING_WINDOW_DAYS + 1)
    return f"/manage/evaluation/stages/{stage.pk}/ranking/"


def add_ranked_application(ctx) -> str:
    """One more application with two evaluators' submitted, rated scoresheets; an evaluator
    of the previous application scores this one too (shared applications)."""
    from kbridge.applications.models import Application
    from tests.factories import OrganisationFactory, UserFactory

    stage = _query_count_stage(ctx, Stage.Kind.DOCUMENT, RATING_WINDOW_DAYS + 1)
    name = ctx.add_application(track=ctx.world.track_a)
    application = Application.objects.get(applicant__name_ko=name)
    shared = ctx.once("shared_evaluator", UserFactory)
    evaluator = UserFactory(full_name=f"평가위원{next(_made):04d}")
    org = OrganisationFactory(kind="affiliation")
    EvaluatorProfile.objects.create(user=evaluator, affiliation=org)
    for person, total in ((shared, 60), (evaluator, 75)):
        ReasonRating.objects.create(scoresheet=submitted_sheet(stage, application, person, total),
                                    usefulness=4)
    return evaluator.full_name


def reasons_url(ctx) -> str:
    _query_count_stage(ctx, Stage.Kind.PRESENTATION, 3)
    return f"/applications/{ctx.submitted.pk}/evaluation/"


def add_published_reasons(ctx) -> str:
    """One more evaluator's reasons on startup A's application in an ended stage; every other
    one already rated."""
    from tests.factories import UserFactory

    stage = _query_count_stage(ctx, Stage.Kind.PRESENTATION, 3)
    text = f"이유{next(_made):04d}: 기술 검증 계획이 구체적입니다."
    sheet = submitted_sheet(stage, ctx.submitted, UserFactory(), 70, reasons=[text, text])
    if next(_made) % 2:
        ReasonRating.objects.create(scoresheet=sheet, usefulness=3)
    return text
