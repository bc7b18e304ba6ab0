"""Issue 14's acceptance in Chromium, one selection from the ranking to an answered appeal:

1. the operator proposes partner A's track from the presentation ranking (2 places, ties on
   the named criterion) and confirming over the program's budget is refused with the reason;
   the first award lowered with a reason fits, and the selection is confirmed;
2. a selected finalist turns up in another program's imported selection list (duplicate
   funding); the operator drops it and the first waitlisted startup is offered the place and
   accepts it;
3. before the announcement instant the applicant reads only when results come; from the
   instant on, its scores, the cut-off and the evaluators' reasons;
4. a startup that was not selected appeals; an operator outside the panel answers citing a
   criterion; the startup reads the answer.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from kbridge.accounts.models import User
from kbridge.evaluation.models import Score
from kbridge.selection.models import Appeal, Outcome, Selection, SelectionPolicy
from tests.evaluation.feedback_world import ended_stage, submitted_sheet
from tests.factories import UserFactory
from tests.selection.world import applicant

pytestmark = pytest.mark.e2e

CAP = 200_000_000
BRN_C = "1208147521"  # 지원기업2, found in another program's list
GROUNDS = ("발표평가에서 시장성 점수가 다른 평가위원보다 낮게 매겨졌습니다. 고객사 두 곳과의 "
           "PoC 계약서를 제출했는데 반영되지 않은 것 같습니다.")
ANSWER = ("시장성 항목의 점수는 다섯 평가위원이 각자 매긴 등급의 평균이며, 제출하신 PoC 계약서는 "
          "발표평가 자료에 포함되어 검토되었습니다. 재산정 사유가 없어 기각합니다.")


def _rep(application) -> User:
    return application.created_by


def test_from_the_ranking_to_an_answered_appeal(page, login, world, personas, submitted):
    program = world.program
    program.budget_krw = 5 * 10**8
    program.save(update_fields=["budget_krw"])
    track = world.track_a
    track.quota, track.funding_cap_krw = 2, CAP
    track.save(update_fields=["quota", "funding_cap_krw"])
    stage = ended_stage(world.call)
    judges = [UserFactory(email=f"judge{i}@eval.example") for i in range(5)]
    a = submitted
    b, c, d, e = (applicant(world, 1), applicant(world, 2, brn=BRN_C), applicant(world, 3),
                  applicant(world, 4))
    for app, total in [(a, 90), (b, 80), (c, 80), (d, 70), (e, 60)]:
        for judge in judges:
            submitted_sheet(stage, app, judge, total)
    market = stage.criteria.get(title_ko="시장성")
    Score.objects.filter(scoresheet__assignment__application=c, criterion=market).update(level=5)
    SelectionPolicy.objects.create(call=world.call, tie_break_criterion="시장성",
                                   waitlist_length=2,
                                   announcement_at=timezone.now() + dt.timedelta(days=1))
    # Partner B's track is decided by a colleague while this one is being prepared.
    other = applicant(world, 9, track=world.track_b)

    # 1. Propose, refused over the program's budget, lower an award, confirm.
    login(personas.operator)
    page.goto(f"/manage/selection/tracks/{track.pk}/")
    page.get_by_role("button", name="제안", exact=True).click()
    expect(page.get_by_text("랭킹에서 선정안을 만들었습니다.")).to_be_visible()
    rows = {app.pk: page.locator(f'tr[data-outcome="{app.pk}"]') for app in (a, b, c, d, e)}
    expect(rows[a.pk]).to_contain_text("선정")
    expect(rows[c.pk]).to_contain_text("트랙의 선정 규모 안에 들었습니다.")  # 시장성 5 beats 4
    expect(rows[b.pk]).to_contain_text("예비 1")
    expect(rows[e.pk]).to_contain_text("미선정")

    colleague = Selection.objects.create(track=world.track_b, stage=stage, budget_krw=CAP,
                                         status=Selection.Status.CONFIRMED,
                                         created_by=personas.operator,
                                         confirmed_by=personas.operator,
                                         confirmed_at=timezone.now())
    Outcome.objects.create(selection=colleague, application=other, rank=1, score=95,
                           status="selected", reason_code="within_quota", award_krw=CAP)
    page.get_by_role("button", name="선정 확정").click()
    expect(page.locator("#selection-errors")).to_contain_text("사업 전체 예산 초과")
    assert not Selection.objects.get(track=track).is_confirmed

    row = rows[a.pk]
    row.get_by_text("지원금 변경").click()
    row.get_by_label("지원금(원)").fill("1억")
    row.get_by_label("변경 사유").fill("남은 사업 예산에 맞춰 사업비 계획을 조정했습니다.")
    row.get_by_role("button", name="지원금 저장").click()
    expect(page.get_by_text("지원금을 바꿨습니다.")).to_be_visible()
    page.get_by_role("button", name="선정 확정").click()
    expect(page.get_by_text("선정을 확정했습니다.")).to_be_visible()

    # 2. Duplicate funding found after confirmation: the finalist drops out, B is offered.
    page.goto(f"/manage/selection/calls/{world.call.pk}/")
    page.get_by_label("다른 사업의 선정 명단(CSV)").set_input_files(files=[{
        "name": "tips-2026.csv", "mimeType": "text/csv",
        "buffer": "사업자등록번호,기업명,사업명,연도\n120-81-47521,지원기업2,TIPS,2026\n"
                  .encode("cp949")}])
    page.get_by_role("button", name="명단 가져오기").click()
    expect(page.get_by_text("tips-2026.csv에서 1행을 가져왔습니다.")).to_be_visible()
    page.goto(f"/manage/selection/tracks/{track.pk}/")
    expect(rows[c.pk]).to_contain_text("TIPS")
    rows[c.pk].get_by_role("link", name="선정 포기·취소").click()
    page.get_by_label("사유").select_option("duplicate_funding")
    page.get_by_label("메모").fill("TIPS 2026 선정 기업으로 확인되었습니다.")
    page.get_by_role("button", name="선정 포기·취소 처리하고 빈자리 제안").click()
    expect(page.get_by_role("status").first).to_be_visible()
    assert Outcome.objects.get(application=c).status == "dropped"
    offer = Outcome.objects.get(application=b).offers.get(status="pending")

    page.context.clear_cookies()
    login(_rep(b))
    page.goto(f"/applications/{b.pk}/offer/")
    page.get_by_label("선정 자리 수락").check()
    page.get_by_role("button", name="답변 보내기").click()
    expect(page.get_by_text("자리를 수락하셨습니다.")).to_be_visible()
    offer.refresh_from_db()
    assert offer.status == "accepted"
    assert Outcome.objects.get(application=b).status == "selected"

    # 3. The result: nothing before the instant, scores and reasons from it on.
    page.context.clear_cookies()
    login(personas.startup_a)
    page.goto(f"/applications/{a.pk}/result/")
    expect(page.get_by_text("평가위원 1", exact=True)).to_have_count(0)
    expect(page.get_by_text("결정: 선정")).to_have_count(0)
    announcement = SelectionPolicy.objects.get(call=world.call).announcement_at
    with time_machine.travel(announcement + dt.timedelta(seconds=1), tick=True):
        page.context.clear_cookies()  # a day later: the idle session has ended
        login(personas.startup_a)
        page.goto(f"/applications/{a.pk}/result/")
        expect(page.get_by_role("heading", name="결정: 선정")).to_be_visible()
        expect(page.get_by_text("90.00 / 100")).to_be_visible()
        expect(page.get_by_role("row", name="시장성")).to_be_visible()
        expect(page.get_by_role("heading", name="평가위원 1", exact=True)).to_be_visible()

        # 4. The startup that was not selected appeals; an operator answers citing 시장성.
        page.context.clear_cookies()
        login(_rep(e))
        page.goto(f"/applications/{e.pk}/result/")
        expect(page.get_by_role("heading", name="결정: 미선정")).to_be_visible()
        page.goto(f"/applications/{e.pk}/appeal/")
        page.get_by_label("이의신청 사유").fill(GROUNDS)
        page.get_by_role("button", name="이의신청 제출").click()
        expect(page.get_by_role("status")).to_contain_text("이의신청이 접수되었습니다")
        appeal = Appeal.objects.get()

        page.context.clear_cookies()
        login(personas.operator)
        page.goto(f"/manage/selection/appeals/{appeal.pk}/")
        page.get_by_label("기각").check()
        page.get_by_label("신청 기업에 보내는 답변").fill(ANSWER)
        page.get_by_label("시장성").check()
        page.get_by_role("button", name="답변 보내기").click()
        expect(page.get_by_role("status")).to_contain_text("이의신청에 답변했고")

        page.context.clear_cookies()
        login(_rep(e))
        page.goto(f"/applications/{e.pk}/appeal/")
        expect(page.locator(".appeal-decision")).to_have_text("결정: 기각.")
        expect(page.locator(".appeal-cited")).to_contain_text("시장성")
        expect(page.locator(f"#appeal-{appeal.pk}")).to_contain_text(
            "신청을 평가하지 않은 사업 운영기관 담당자")
    appeal.refresh_from_db()
    assert appeal.status == "rejected" and appeal.handler == personas.operator
