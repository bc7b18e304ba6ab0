"""Appeals in the decided world (tests/selection/world.py) for the appeal tests and the
permission matrix.

``file(d, n, grounds=…)`` files an appeal against ``d.outcomes[n]`` as the representative of
its startup (startup A's for ``n == 0``), through the service.
"""

from __future__ import annotations

from kbridge.selection.models import Appeal
from kbridge.selection.services import appeals as services

GROUNDS = ("평가위원 2의 시장성 사유는 2025년 매출 실적을 반영하지 않았습니다. "
           "제출한 사업계획서 12쪽에 실적이 있습니다.")
GROUNDS_EN = ("Evaluator 2's market reason ignores our 2025 revenue, which is on page 12 of "
              "the business plan we submitted.")
ANSWER = ("시장성 항목의 사유를 다시 검토했습니다. 사업계획서 12쪽의 2025년 매출 실적은 "
          "평가 당시 반영되었으며, 점수 산정에 오류가 없음을 확인했습니다.")


def representative_of(application):
    return application.applicant.profile.representative


def file(d, n: int, *, grounds: str = GROUNDS, by=None) -> Appeal:
    outcome = d.outcomes[n]
    return services.file_appeal(outcome=outcome, by=by or representative_of(
        outcome.application), grounds=grounds)


def matrix_ids(d) -> dict[str, int]:
    """The ids of the permission matrix's appeal rows: an appeal filed against a
    not-selected outcome (another startup's), waiting for its answer; in English, as its
    startup wrote it (the rendered-pages test looks for Korean on English pages)."""
    return {"appeal": file(d, 4, grounds=GROUNDS_EN).pk}


# --- tests/test_list_query_counts.py ------------------------------------------------------


def _decided(ctx):
    from tests.selection.world import decided

    return ctx.once("appeals_decided",
                    lambda: decided(ctx.world, ctx.personas, ctx.submitted))


def _next(ctx, key: str) -> int:
    n = ctx.once(key, lambda: [0])
    n[0] += 1
    return n[0]


def list_url(ctx) -> str:
    _decided(ctx)
    return "/manage/selection/appeals/"


def add_listed_appeal(ctx) -> str:
    """One more appeal (against the next outcome, rank 2 onwards); the company's name."""
    d = _decided(ctx)
    n = _next(ctx, "appeals_listed")
    file(d, n)
    return d.applications[n].applicant.name_ko


def applicant_url(ctx) -> str:
    return f"/applications/{_decided(ctx).applications[0].pk}/appeal/"


def add_answered_appeal(ctx) -> str:
    """One more appeal of startup A, answered citing both criteria; the answer's text."""
    d = _decided(ctx)
    text = f"{ANSWER} ({_next(ctx, 'appeals_answered')})"
    services.answer_appeal(appeal=file(d, 0), by=ctx.personas.operator, upheld=False,
                           answer=text, criteria=list(d.stage.criteria.all()))
    return text


def review_url(ctx) -> str:
    d = _decided(ctx)
    appeal = ctx.once("appeals_reviewed", lambda: file(d, 1))
    return f"/manage/selection/appeals/{appeal.pk}/"


def add_reviewed_reasons(ctx) -> str:
    """One more evaluator's submitted reasons on the reviewed application; one reason."""
    from tests.evaluation.feedback_world import submitted_sheet
    from tests.factories import UserFactory

    d = _decided(ctx)
    reason = f"검토 사유 {_next(ctx, 'appeals_reasons'):04d}: 시장 검증 자료가 충분합니다."
    submitted_sheet(d.stage, d.applications[1], UserFactory(), 84,
                    reasons=[reason] * d.stage.criteria.count())
    return reason
