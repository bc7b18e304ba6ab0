"""Issue 13's acceptance, in Chromium: one document evaluation from set-up to locked scores.

The operator sets the stage and its rubric and runs the assignment (a conflicted pair is never
assigned); the evaluator signs the pledge, declares a conflict, saves a too-short reason
(refused, text kept), submits, and only then sees the others' scores; the operator reads raw,
trimmed and normalised ranks; the stage closes and the scores lock.

Set-up the browser does not show is done through the services, as the other people would:
four more applicants, five more evaluators in the pool (invited, pledge signed), and later
their submitted scoresheets.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kbridge.accounts.models import Organisation
from kbridge.evaluation.models import Assignment, Conflict, Scoresheet, Stage, StageEvaluator
from kbridge.evaluation.services import pool, scoring
from kbridge.programs.models import Call
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.selection.world import applicant

pytestmark = pytest.mark.e2e

REASON = ("시제품 검증을 마쳤고 고객사 두 곳과 실증을 진행하고 있어 실현 가능성이 높습니다. "
          "다만 해외 진출 일정의 근거는 보완이 필요합니다. 협업 계획은 구체적입니다.")




def _pool_member(email, affiliation, kind, expert_type, gender=""):
    org = OrganisationFactory(kind=Organisation.Kind.AFFILIATION, name_ko=affiliation,
                              name_en=affiliation, affiliation_type=kind)
    user = MembershipFactory(organisation=org, role="evaluator",
                             user=UserFactory(email=email)).user
    pool.save_profile(user=user, expertise_ko="AI 반도체와 LLM 서비스 사업화",
                      expertise_en="AI chips and LLM products", expertise_keywords=["NPU", "LLM"],
                      expert_type=expert_type, years_of_experience=12, gender=gender,
                      gender_consent=bool(gender))
    return user


def _kst_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_document_evaluation_from_set_up_to_locked_scores(page, login, world, personas,
                                                            submitted):
    def as_(user):  # a fresh session for the next person at this browser
        page.context.clear_cookies()
        login(user)

    others = [applicant(world, n) for n in range(1, 4)]
    Call.objects.filter(pk=world.call.pk).update(deadline_at=timezone.now() - dt.timedelta(days=2))
    # The conflicted evaluator declared an investment in startup A: detected on invitation.
    pool.save_profile(user=personas.evaluator_conflicted, expertise_ko="초기 투자",
                      expertise_en="Seed investment", expert_type="vc",
                      ties=[{"kind": "investment", "organisation_name": "뉴로칩스",
                             "business_registration_number": "", "started_on": None,
                             "ended_on": None}])
    pool.save_profile(user=personas.evaluator, expertise_ko="온디바이스 AI, NPU 설계",
                      expertise_en="On-device AI, NPU design", expert_type="academic",
                      gender="woman", gender_consent=True)
    panel = [_pool_member("vc@kvp.example", "케이벤처", "vc", "vc"),
             _pool_member("pm@accel.example", "블루포인트", "accelerator", "accelerator", "woman"),
             _pool_member("lead@samsung.example", "삼성전자", "company", "industry"),
             _pool_member("prof@snu.example", "서울대학교", "university", "academic")]

    # 1. The operator sets up the document evaluation and its rubric.
    as_(personas.operator)
    page.goto(f"/manage/evaluation/calls/{world.call.pk}/stages/new/document/")
    now = timezone.now()
    page.locator("#id_opens_at").fill(_kst_input(now - dt.timedelta(hours=1)))
    page.locator("#id_closes_at").fill(_kst_input(now + dt.timedelta(days=5)))
    page.locator("#id_evaluators_per_application").fill("3")
    page.locator("#id_min_reason_length").fill("60")
    with page.expect_navigation():
        page.get_by_role("button", name="저장", exact=True).click()
    stage = Stage.objects.get(call=world.call, kind="document")
    expect(page).to_have_url(f"{page.url.split('/manage')[0]}/manage/evaluation/stages/{stage.pk}/")
    page.goto(f"/manage/evaluation/stages/{stage.pk}/rubric/")
    criteria = list(stage.criteria.order_by("position"))
    assert [c.weight for c in criteria] == [20, 25, 20, 15, 20]  # the PSST default
    page.locator("#id_rubric-0-weight").fill("25")
    page.locator("#id_rubric-1-weight").fill("20")
    with page.expect_navigation():
        page.get_by_role("button", name="평가 기준 저장", exact=True).click()
    expect(page.get_by_text("평가 기준을 저장했습니다.")).to_be_visible()
    assert [c.weight for c in stage.criteria.order_by("position")] == [25, 20, 20, 15, 20]

    # The pool is invited; everyone but our evaluator has signed the pledge.
    for person in [personas.evaluator, personas.evaluator_conflicted, *panel]:
        invitation = pool.invite_evaluator(stage=stage, evaluator=person, by=personas.operator)
        if person != personas.evaluator:
            pool.sign_pledge(invitation=invitation, by=person)
    assert Conflict.objects.filter(evaluator=personas.evaluator_conflicted,
                                   application=submitted, overridden_at__isnull=True).exists()

    # 2. The evaluator sees nothing before the pledge, signs it and declares a conflict.
    as_(personas.evaluator)
    page.goto(f"/evaluate/stages/{stage.pk}/")
    expect(page.get_by_text("뉴로칩스")).to_have_count(0)
    page.goto(f"/evaluate/stages/{stage.pk}/pledge/")
    page.locator('input[name="agree"]').check()
    with page.expect_navigation():
        page.get_by_role("button", name="서약서 서명", exact=True).click()
    assert StageEvaluator.objects.get(stage=stage, evaluator=personas.evaluator).has_signed
    page.goto(f"/evaluate/stages/{stage.pk}/conflicts/")
    page.locator("#id_application").select_option(str(others[2].pk))
    page.locator("#id_basis").select_option("advisory")
    page.locator("#id_detail").fill("지난해 이 회사의 기술 자문을 맡았습니다.")
    with page.expect_navigation():
        page.get_by_role("button", name="이해충돌 신고", exact=True).click()
    assert Conflict.objects.filter(evaluator=personas.evaluator, application=others[2],
                                   source="recusal").exists()

    # 3. The operator runs the assignment: no conflicted pair, every pair with its reason.
    as_(personas.operator)
    page.goto(f"/manage/evaluation/stages/{stage.pk}/assignment/")
    page.locator("#id_mode").select_option("total")
    page.locator("#id_seed").fill("2026")
    # The first run in a process loads the Korean analyser for the affinities: allow for it.
    with page.expect_navigation(timeout=180_000):
        page.get_by_role("button", name="실행", exact=True).click(no_wait_after=True)
    expect(page.get_by_text("2026").first).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="이 실행 적용", exact=True).click()
    pairs = set(Assignment.objects.filter(stage=stage).values_list("application_id",
                                                                   "evaluator_id"))
    assert len(pairs) == 4 * 3
    assert (submitted.pk, personas.evaluator_conflicted.pk) not in pairs
    assert (others[2].pk, personas.evaluator.pk) not in pairs
    mine = Assignment.objects.filter(stage=stage, evaluator=personas.evaluator).first()
    assert mine is not None

    # The other evaluators of that application submit first.
    for assignment in Assignment.objects.filter(stage=stage, application=mine.application) \
            .exclude(evaluator=personas.evaluator):
        keys = [str(c.pk) for c in stage.criteria.all()]
        sheet = scoring.save_scoresheet(
            assignment=assignment, by=assignment.evaluator, levels=dict.fromkeys(keys, "4"),
            reasons=dict.fromkeys(keys, REASON + " (다른 평가위원)"), comment="",
            base_version=assignment.scoresheet.version)
        scoring.submit_scoresheet(assignment=assignment, by=assignment.evaluator,
                                  version=sheet.version)

    # 4. The evaluator scores: a too-short reason is refused and kept; then the panel shows.
    as_(personas.evaluator)
    page.goto(f"/evaluate/assignments/{mine.pk}/")
    expect(page.get_by_text("(다른 평가위원)")).to_have_count(0)
    criteria = list(stage.criteria.order_by("position"))
    for c in criteria:
        page.locator(f'input[name="level_{c.pk}"][value="3"]').check()
        page.locator(f"#reason-{c.pk}").fill(REASON)
    page.locator(f"#reason-{criteria[0].pk}").fill("좋음")
    page.get_by_role("button", name="평가표 제출").click()
    expect(page.locator("#submit-errors")).to_be_visible()
    expect(page.locator(f"#reason-{criteria[0].pk}")).to_have_value("좋음")
    expect(page.locator(f"#reason-{criteria[1].pk}")).to_have_value(REASON)
    expect(page.get_by_text("(다른 평가위원)")).to_have_count(0)
    page.locator(f"#reason-{criteria[0].pk}").fill(REASON)
    page.get_by_role("button", name="평가표 제출").click()
    expect(page.get_by_text("평가표를 제출했습니다.")).to_be_visible()
    page.get_by_text("평가위원 1").click()
    expect(page.get_by_text("(다른 평가위원)").first).to_be_visible()

    # 5. The operator reads the ranking: raw, trimmed and normalised, side by side.
    as_(personas.operator)
    page.goto(f"/manage/evaluation/stages/{stage.pk}/ranking/")
    table = page.locator("table").first
    for header in ("평균", "절사평균", "표준화 점수"):
        expect(table.get_by_text(header).first).to_be_visible()
    expect(page.get_by_text(mine.application.applicant.name_ko).first).to_be_visible()

    # 6. The stage closes; the evaluator's scores are locked.
    page.goto(f"/manage/evaluation/stages/{stage.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="지금 마감").click()
    stage.refresh_from_db()
    assert stage.closed_at is not None
    as_(personas.evaluator)
    page.goto(f"/evaluate/assignments/{mine.pk}/")
    expect(page.locator(f"#reason-{criteria[0].pk}")).to_be_disabled()
    expect(page.get_by_role("button", name="평가표 제출")).to_have_count(0)
    sheet = Scoresheet.objects.get(assignment=mine)
    assert sheet.status == "submitted"
    with pytest.raises(scoring.ScoresheetLocked):
        scoring.save_scoresheet(assignment=mine, by=personas.evaluator, levels={},
                                reasons={str(criteria[0].pk): "바꾸려는 근거"}, comment=None,
                                base_version=sheet.version)
    sheet.refresh_from_db()
    assert sheet.status == "submitted"
