"""An evaluator scores in the browser: the draft autosaves, a too-short reason is refused with
every text kept, the submission goes through, and only then the other evaluators' scores show."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kbridge.evaluation import pledge
from kbridge.evaluation.models import Assignment, Scoresheet, StageEvaluator
from kbridge.evaluation.services import scoring
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

GOOD = "시제품 검증이 끝났고 고객사 두 곳과 PoC를 진행 중입니다."
OTHER_REASON = "다른 평가위원이 쓴 근거: 기술 성숙도가 높습니다."


def _other_submitted(evaluation, personas):
    user = UserFactory(email="other@postech.example")
    current = pledge.pledge()
    StageEvaluator.objects.create(stage=evaluation.stage, evaluator=user,
                                  invited_by=personas.operator, pledge_version=current.version,
                                  pledge_sha256=current.sha256, pledge_signed_at=timezone.now())
    assignment = Assignment.objects.create(stage=evaluation.stage,
                                           application=evaluation.assignment.application,
                                           evaluator=user)
    keys = [str(c.pk) for c in evaluation.criteria]
    sheet = scoring.save_scoresheet(assignment=assignment, by=user,
                                    levels=dict.fromkeys(keys, "2"),
                                    reasons=dict.fromkeys(keys, OTHER_REASON), comment="",
                                    base_version=1)
    scoring.submit_scoresheet(assignment=assignment, by=user, version=sheet.version)


def test_refused_then_submitted_then_the_panel_shows(page, login, personas, evaluation):
    _other_submitted(evaluation, personas)
    first, second = evaluation.criteria
    login(personas.evaluator)
    page.goto(f"/evaluate/assignments/{evaluation.assignment.pk}/")
    expect(page.get_by_text(OTHER_REASON)).to_have_count(0)

    page.locator(f'input[name="level_{first.pk}"][value="5"]').check()
    page.locator(f'input[name="level_{second.pk}"][value="3"]').check()
    page.locator(f"#reason-{first.pk}").fill(GOOD)
    page.locator(f"#reason-{second.pk}").fill("짧음")
    page.locator("#id_overall_comment").fill("총평입니다")
    # The draft autosaves (the status line says when, in KST).
    expect(page.locator("#save-status")).to_contain_text("자동 저장", timeout=10_000)
    sheet = Scoresheet.objects.get(assignment=evaluation.assignment)
    assert sheet.version > 1

    page.get_by_role("button", name="평가표 제출").click()
    expect(page.locator("#submit-errors")).to_contain_text("18자가 더 필요합니다")
    expect(page.locator(f"#reason-{second.pk}")).to_have_value("짧음")
    expect(page.locator(f"#reason-{first.pk}")).to_have_value(GOOD)
    expect(page.locator("#id_overall_comment")).to_have_value("총평입니다")
    expect(page.locator(f'input[name="level_{second.pk}"][value="3"]')).to_be_checked()
    expect(page.get_by_text(OTHER_REASON)).to_have_count(0)

    page.locator(f"#reason-{second.pk}").fill(GOOD + " 협업 적합성도 높습니다.")
    page.get_by_role("button", name="평가표 제출").click()
    expect(page.get_by_text("평가표를 제출했습니다.")).to_be_visible()
    sheet.refresh_from_db()
    assert sheet.status == "submitted" and str(sheet.total) == "80.00"
    expect(page.get_by_text("평가위원 1")).to_be_visible()
    page.get_by_text("평가위원 1").click()
    expect(page.get_by_text(OTHER_REASON).first).to_be_visible()
