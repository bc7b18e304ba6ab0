"""Issue 14's appeal (이의신청), in Chromium: the startup files an appeal against its announced
result, an operator who sat on the panel may read it but not answer, an operator outside the
panel answers it citing a criterion, and the startup reads the answer.

The decided world (tests/selection/world.py) is made through the ORM: a confirmed selection of
partner A's track announced an hour ago, with five evaluators' reasons in the presentation
stage.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kbridge.selection.models import Appeal
from tests.factories import MembershipFactory
from tests.selection.appeal_world import ANSWER, GROUNDS
from tests.selection.world import decided as make_decided

pytestmark = pytest.mark.e2e


def test_the_startup_appeals_and_reads_an_answer_from_outside_the_panel(page, login, world,
                                                                       personas, submitted):
    d = make_decided(world, personas, submitted)
    # An operator of the agency who also evaluated startup A's application.
    MembershipFactory(organisation=personas.operator_org, role="operator",
                      user=personas.evaluator)

    # The startup files its appeal; a too-short text is refused and kept first.
    login(personas.startup_a)
    page.goto(f"/applications/{submitted.pk}/appeal/")
    expect(page.locator("#appeal-window")).to_contain_text("KST")
    expect(page.locator("#appeal-rules")).to_contain_text("공고 규칙이나 평가 절차 위반")
    page.get_by_label("이의신청 사유").fill("시장성 점수가 낮습니다.")
    page.get_by_role("button", name="이의신청 제출").click()
    expect(page.get_by_role("alert").or_(page.locator(".errorlist")).first).to_contain_text(
        "최소 30자")
    expect(page.get_by_label("이의신청 사유")).to_have_value("시장성 점수가 낮습니다.")
    page.get_by_label("이의신청 사유").fill(GROUNDS)
    page.get_by_role("button", name="이의신청 제출").click()
    expect(page.get_by_role("status")).to_contain_text("이의신청이 접수되었습니다")
    expect(page.locator(".appeal-status").first).to_have_text("접수")
    appeal = Appeal.objects.get()

    # Someone on the panel reads it but is told why they may not answer.
    page.context.clear_cookies()
    login(personas.evaluator)
    page.goto(f"/manage/selection/appeals/{appeal.pk}/")
    expect(page.locator("#panel-note")).to_contain_text("답변할 수는 없습니다")
    expect(page.get_by_role("button", name="답변 보내기")).to_have_count(0)

    # An operator outside the panel answers, citing the market criterion.
    page.context.clear_cookies()
    login(personas.operator)
    page.goto("/manage/selection/appeals/")
    page.get_by_role("link", name="뉴로칩스").click()
    expect(page.get_by_role("heading", name="이의신청: 뉴로칩스")).to_be_visible()
    expect(page.locator("table.scores")).to_contain_text("시장성")
    page.get_by_label("기각").check()
    page.get_by_label("신청 기업에 보내는 답변").fill(ANSWER)
    page.get_by_role("button", name="답변 보내기").click()
    expect(page.locator(".form-errors, .errorlist").first).to_contain_text(
        "평가 항목을 하나 이상 인용하세요")
    expect(page.get_by_label("신청 기업에 보내는 답변")).to_have_value(ANSWER)
    page.get_by_label("시장성").check()
    page.get_by_role("button", name="답변 보내기").click()
    expect(page.get_by_role("status")).to_contain_text("이의신청에 답변했고")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REJECTED and appeal.handler == personas.operator

    # The startup reads the decision, the answer, the criterion cited, and who answered.
    page.context.clear_cookies()
    login(personas.startup_a_member)
    page.goto(f"/applications/{d.applications[0].pk}/appeal/")
    expect(page.locator(".appeal-decision")).to_have_text("결정: 기각.")
    expect(page.locator(".appeal-cited")).to_contain_text("시장성")
    expect(page.locator(".appeal-answer")).to_contain_text(ANSWER[:30])
    expect(page.locator(f"#appeal-{appeal.pk}")).to_contain_text(
        "신청을 평가하지 않은 사업 운영기관 담당자")
