"""Demo evaluation (issue 13): every role has something real to see.

* **Last year's call, evaluated**: both stages done. Document evaluation by five evaluators per
  application, a confirmed shortlist of twice the places per track, presentation evaluation by
  two panels (분과) on one day, every scoresheet submitted, the stages closed, and applicants'
  ratings of the written reasons.
* **This year's first-round call, in document evaluation**: the deadline passed, the stage is
  open, an assignment run applied (the seed is stored), some scoresheets submitted, some
  drafts; one conflict detected from a declared tie and one recusal. The demo evaluator has
  submitted two, saved one draft and has the rest to do.

Everything goes through the services, as a person would have done it. Last year's call is
replayed at its own dates (:func:`_at` moves the clock the services read), so receipts,
windows, audit rows and locks are as they were then.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from django.utils import timezone

from kbridge.accounts.models import Membership, Organisation, User
from kbridge.applications import services as application_services
from kbridge.applications.models import Question
from kbridge.applications.uploads import CheckedPDF
from kbridge.core.josa import josa
from kbridge.evaluation.models import Conflict, EvaluatorProfile, Scoresheet, Stage, StageEvaluator
from kbridge.evaluation.services import assignment as assignment_services
from kbridge.evaluation.services import conflicts as conflict_services
from kbridge.evaluation.services import feedback as feedback_services
from kbridge.evaluation.services import pool as pool_services
from kbridge.evaluation.services import scoring as scoring_services
from kbridge.evaluation.services import stages as stage_services
from kbridge.programs import services as program_services

KST = ZoneInfo("Asia/Seoul")

#: What each affiliation's evaluators know (ko, en, keywords) and their kind of expertise.
EXPERTISE = {
    "KAIST": ("academic", "반도체 설계, 온디바이스 AI 가속기, 저전력 NPU 아키텍처 연구",
              "Chip design, on-device AI accelerators, low-power NPU architecture",
              ["AI 반도체", "NPU", "semiconductor", "edge AI"]),
    "Seoul National University": ("academic", "대규모 언어모델, 자연어처리, 검색 증강 생성(RAG)",
                                  "Large language models, NLP, retrieval-augmented generation",
                                  ["LLM", "NLP", "RAG", "생성형 AI"]),
    "POSTECH": ("academic", "로보틱스, 컴퓨터 비전, 자율주행 인지",
                "Robotics, computer vision, autonomous driving perception",
                ["로봇", "vision", "autonomous driving"]),
    "ETRI": ("research", "AI 플랫폼, 클라우드 인프라, 데이터 표준화",
             "AI platforms, cloud infrastructure, data standards",
             ["클라우드", "AI platform", "MLOps"]),
    "K Venture Partners": ("vc", "초기 기술기업 투자 심사, 딥테크·AI 스타트업 포트폴리오 관리",
                           "Early-stage tech investment, deep-tech and AI portfolio",
                           ["투자", "deep tech", "시리즈 A"]),
    "Hangang Investment": ("vc", "헬스케어·바이오·핀테크 투자, 해외 진출 기업 후속투자",
                           "Healthcare, bio and fintech investment; follow-on for global expansion",
                           ["바이오", "fintech", "follow-on"]),
    "SparkLabs Korea": ("accelerator", "창업 초기 보육, 글로벌 데모데이, B2B SaaS 성장 전략",
                        "Early-stage acceleration, global demo days, B2B SaaS growth",
                        ["SaaS", "accelerator", "go-to-market"]),
    "Bluepoint Accelerator": ("accelerator", "기술창업 액셀러레이팅, 하드웨어·모빌리티·기후테크",
                              "Tech startup acceleration: hardware, mobility, climate tech",
                              ["하드웨어", "mobility", "climate tech"]),
    "Samsung Electronics": ("industry", "메모리·시스템 반도체 사업화, 파운드리 협력",
                            "Memory and system semiconductors, foundry partnerships",
                            ["반도체", "foundry", "HBM"]),
    "NAVER Cloud": ("industry", "하이퍼스케일 AI, 클라우드 서비스 사업개발, API 생태계",
                    "Hyperscale AI, cloud business development, API ecosystems",
                    ["HyperCLOVA", "cloud", "API"]),
}

#: Reasons by level band, long enough for the 100-character minimum (ko first, then en).
REASONS = {
    "high": ("{c} 항목에서 근거가 구체적이고 설득력이 있습니다. 목표 고객과 검증 지표가 명확하며, "
             "글로벌 기업의 기술·채널과 결합했을 때 기대 효과가 수치로 제시되어 실행 가능성이 높다고 판단합니다."),
    "mid": ("{c} 항목은 방향이 타당하나 근거가 일부 부족합니다. 시장 규모 추정의 출처와 단계별 "
            "마일스톤이 보완되면 좋겠고, 경쟁 제품 대비 차별점을 실제 고객 사례로 보여줄 필요가 있습니다."),
    "low": ("{c} 항목의 설명이 추상적이고 검증 자료가 없습니다. 문제 정의와 해결 방식의 연결이 "
            "약하며, 협업 시 글로벌 기업이 무엇을 얻는지 제시되지 않아 현 단계에서는 낮게 평가합니다."),
}


@contextmanager
def _at(moment: dt.datetime):
    """Replay at ``moment``: the services' clock runs from there (seed only)."""
    real = timezone.now
    started = real()
    with mock.patch("django.utils.timezone.now", lambda: moment + (real() - started)):
        yield


def _kst(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=KST)


def seed_evaluation(*, operator: User, operator_org: Organisation, program, old_program,
                    startups: list, logins: dict[str, str], today: dt.date) -> None:
    """Profiles for the evaluator pool, last year's evaluated call and this year's call in
    document evaluation (see the module docstring). ``startups`` are (organisation,
    representative) pairs not used elsewhere in the demo (at least 40 of them eligible)."""
    rng = random.Random(13)
    # Tracks here admit companies up to 10 years old (as some of the real program's do).
    startups = [(org, founder) for org, founder in startups
                if not org.profile.is_pre_founder and org.profile.founded_on
                and org.profile.founded_on > today.replace(year=today.year - 9)]
    evaluators = _profiles(rng)
    # Last year's applicants existed before last year's deadline.
    older = [s for s in startups if s[0].profile.founded_on < today.replace(year=today.year - 2)]
    last_year = older[:16]
    this_year = [s for s in startups if s not in last_year][:24]
    if len(last_year) < 8 or len(this_year) < 8:
        return  # a small demo (``seed_demo --startups 30``) has no evaluation
    _last_year(operator, old_program, last_year, evaluators, rng, logins, today)
    _this_year(operator, program, this_year, evaluators, rng, logins, today)


def _round_robin(people: list[User], n: int) -> list[User]:
    """``n`` evaluators taken one per affiliation in turn (the pool is three per affiliation,
    ordered by affiliation), so every panel can mix market experts and academics."""
    per_org = 3
    order = [people[j * per_org + k] for k in range(per_org)
             for j in range(len(people) // per_org)]
    return order[:n]


def _profiles(rng: random.Random) -> list[User]:
    people = list(User.objects.filter(memberships__role=Membership.Role.EVALUATOR)
                  .select_related().order_by("email"))
    for n, person in enumerate(people):
        org = Membership.objects.get(user=person, role=Membership.Role.EVALUATOR).organisation
        kind, ko, en, keywords = EXPERTISE[org.name_en]
        # A quarter declare themselves women with consent, a few declare nothing.
        gender = "woman" if n % 4 == 1 else "" if n % 7 == 6 else "man"
        pool_services.save_profile(
            user=person, expertise_ko=ko, expertise_en=en, expertise_keywords=keywords,
            expert_type=kind, years_of_experience=rng.randint(6, 28), gender=gender,
            gender_consent=bool(gender))
    return people


def _call(operator, program, title_ko, title_en, deadline, tracks):
    call = program_services.create_call(
        by=operator, program=program, title_ko=title_ko, title_en=title_en,
        summary_ko="OpenAI와 NVIDIA가 참여하는 AI 분야 협업 기업 모집입니다.",
        summary_en="AI startups to collaborate with OpenAI and NVIDIA.",
        opens_at=deadline - dt.timedelta(days=30), deadline_at=deadline,
        document_evaluation_start=deadline.date() + dt.timedelta(days=2),
        document_evaluation_end=deadline.date() + dt.timedelta(days=10),
        presentation_evaluation_start=deadline.date() + dt.timedelta(days=15),
        presentation_evaluation_end=deadline.date() + dt.timedelta(days=15),
        announcement_on=deadline.date() + dt.timedelta(days=25))
    for position, (partner, ko, en, quota, keywords) in enumerate(tracks):
        program_services.create_track(
            by=operator, call=call, partner=partner, name_ko=ko, name_en=en, quota=quota,
            funding_cap_krw=200_000_000, interest_keywords=keywords, max_company_age_years=10,
            description_ko=f"{josa(partner.organisation.name_ko, '와')} 함께하는 {ko}",
            description_en=f"{en} with {partner.organisation.name_en}", position=position)
    program_services.publish_call(call=call, by=operator)
    return call


def _partner(operator, program, name_en):
    partner = program.partners.filter(organisation__name_en=name_en).first()
    if partner is None:
        org = Organisation.objects.get(name_en=name_en, kind=Organisation.Kind.PARTNER,
                                       agency=program.operator)
        partner = program_services.add_partner(
            by=operator, program=program, organisation=org,
            sub_program_ko=f"{org.name_ko} 협업 프로그램",
            sub_program_en=f"{org.name_en} collaboration program")
    return partner


def _apply(call, operator, startups, rng) -> list:
    """Each startup submits a complete application to the track that fits its sector."""
    from kbridge.portal.demo import _demo_pdf

    questions = application_services.add_standard_questions(call=call, by=operator)
    tracks = list(call.tracks.order_by("position"))
    applications = []
    for n, (org, founder) in enumerate(startups):
        track = tracks[n % len(tracks)]
        application = application_services.start_application(track=track, applicant=org,
                                                              by=founder)
        answers = {}
        for q in questions:
            if q.kind == Question.Kind.TEXT:
                answers[str(q.pk)] = f"{org.description_ko}\n\n{org.description_en}"[
                    : q.max_length or 1000]
            elif q.kind == Question.Kind.NUMBER:
                answers[str(q.pk)] = org.profile.investment_krw
            elif q.kind == Question.Kind.CHOICE:
                answers[str(q.pk)] = rng.choice(q.choices)["value"]
        application_services.save_draft(
            application=application, by=founder, answers=answers, base_version=1,
            declarations={"declares_government_support": False, "government_support_detail": "",
                          "declares_no_tax_arrears": True})
        for q in questions:
            if q.kind == Question.Kind.FILE:
                data = _demo_pdf(f"{org.name_en} — {q.label_en}", 6)
                application_services.attach_file(
                    application=application, question=q, by=founder,
                    checked=CheckedPDF(data=data, sha256=hashlib.sha256(data).hexdigest(),
                                       size=len(data), pages=6,
                                       original_name=f"{org.name_en} {q.label_en}.pdf"))
        application.refresh_from_db()
        try:
            application_services.submit_application(application=application, by=founder,
                                                     draft_version=application.version)
        except application_services.SubmissionInvalid as exc:
            raise RuntimeError(f"demo application of {org.name_en}: {exc.errors}") from exc
        applications.append(application)
    return applications


def _invite_and_sign(stage, operator, people) -> None:
    for person in people:
        invitation = pool_services.invite_evaluator(stage=stage, evaluator=person, by=operator)
        pool_services.sign_pledge(invitation=invitation, by=person)


def _embed(stage) -> None:
    """Vectors for the stage's applications and invited evaluators now, so the demo's runs use
    semantic fit at once (in production the embedding tasks do this as texts change)."""
    from kbridge.matching import selectors

    keys = [f"application:{pk}" for pk in stage.call.applications.values_list("pk", flat=True)]
    keys += [f"evaluator:{pk}" for pk in stage.evaluators.values_list("evaluator_id", flat=True)]
    selectors.precompute(keys)


def _assign(stage, operator, panels=None):
    _embed(stage)
    run = assignment_services.run_assignment(stage=stage, by=operator, panels=panels,
                                             seed=20261201)
    if run.outcome != run.Outcome.ASSIGNED:
        raise RuntimeError(f"demo assignment infeasible: {run.diagnoses}")
    assignment_services.apply_run(run=run, by=operator)
    return run


def _score(sheet: Scoresheet, rng: random.Random, quality: float, *, submit: bool) -> None:
    """The evaluator fills every criterion from the application's ``quality`` (0..1) plus
    their own leniency, with a reason that says why; submits unless ``submit`` is False."""
    assignment = sheet.assignment
    stage = assignment.stage
    leniency = (assignment.evaluator_id % 5 - 2) * 0.3
    levels, reasons = {}, {}
    for criterion in stage.criteria.all():
        raw = stage.scale_min + quality * (stage.scale_max - stage.scale_min) + leniency \
            + rng.uniform(-0.8, 0.8)
        level = max(stage.scale_min, min(stage.scale_max, round(raw)))
        band = "high" if level >= stage.scale_max - 1 else "low" if level <= stage.scale_min \
            else "mid"
        levels[str(criterion.pk)] = level
        reasons[str(criterion.pk)] = REASONS[band].format(c=criterion.title_ko)
    sheet = scoring_services.save_scoresheet(
        assignment=assignment, by=assignment.evaluator, levels=levels, reasons=reasons,
        comment="발표 자료와 답변이 일관되며, 협업 계획의 구체성이 평가에 반영되었습니다.",
        base_version=sheet.version)
    if submit:
        scoring_services.submit_scoresheet(assignment=assignment, by=assignment.evaluator,
                                           version=sheet.version)


def _rules(**extra):
    return {"evaluators_per_application": 5, "min_market_share": Decimal("0.50"),
            "min_women_share": Decimal("0.10"), "one_per_affiliation": True,
            "min_reason_length": 100,
            **extra}


def _last_year(operator, old_program, startups, evaluators, rng, logins, today) -> None:
    deadline = _kst(dt.date(today.year - 1, 4, 4), 16)
    with _at(deadline - dt.timedelta(days=20)):
        call = _call(operator, old_program,
                     f"{today.year - 1}년 글로벌 기업 협업 프로그램 참여기업 모집",
                     f"{today.year - 1} Global Company Collaboration Program: call for startups",
                     deadline,
                     [(_partner(operator, old_program, "OpenAI"), "API 트랙", "API track", 3,
                       ["LLM", "API", "생성형 AI"]),
                      (_partner(operator, old_program, "NVIDIA"), "AI 반도체 트랙",
                       "AI chips track", 3, ["AI 반도체", "GPU", "edge AI"])])
        applications = _apply(call, operator, startups, rng)
    logins["startup (evaluated last year)"] = applications[0].created_by.email
    quality = {a.pk: rng.random() for a in applications}
    day = deadline.date()
    with _at(_kst(day + dt.timedelta(days=2), 8)):
        document = stage_services.create_stage(
            call=call, kind=Stage.Kind.DOCUMENT, by=operator,
            opens_at=_kst(day + dt.timedelta(days=2), 9),
            closes_at=_kst(day + dt.timedelta(days=10), 18), **_rules(load_max=8))
        _invite_and_sign(document, operator, _round_robin(evaluators, 15))
    with _at(_kst(day + dt.timedelta(days=2), 10)):
        _assign(document, operator)
    with _at(_kst(day + dt.timedelta(days=5), 14)):
        for sheet in Scoresheet.objects.filter(assignment__stage=document).select_related(
                "assignment__stage"):
            _score(sheet, rng, quality[sheet.assignment.application_id], submit=True)
    with _at(_kst(day + dt.timedelta(days=11), 10)):
        presentation = stage_services.create_stage(
            call=call, kind=Stage.Kind.PRESENTATION, by=operator,
            opens_at=_kst(day + dt.timedelta(days=15), 9),
            closes_at=_kst(day + dt.timedelta(days=15), 18),
            **_rules(load_max=12, slot_minutes=20))
        stage_services.confirm_shortlist(stage=presentation, by=operator)
        _invite_and_sign(presentation, operator, _round_robin(evaluators, 14))
        _assign(presentation, operator, panels=2)
        assignment_services.schedule_presentations(stage=presentation, by=operator)
    with _at(_kst(day + dt.timedelta(days=15), 17)):
        for sheet in Scoresheet.objects.filter(assignment__stage=presentation).select_related(
                "assignment__stage"):
            _score(sheet, rng, quality[sheet.assignment.application_id], submit=True)
    with _at(_kst(day + dt.timedelta(days=15), 17, 30)):  # all in: closed early
        stage_services.close_stage(stage=presentation, by=operator)
    # Applicants rate the usefulness of the reasons they read (anonymously).
    with _at(_kst(day + dt.timedelta(days=18), 11)):
        for sheet in Scoresheet.objects.filter(
                assignment__stage__in=[document, presentation],
                status=Scoresheet.Status.SUBMITTED).select_related("assignment__application"):
            founder = sheet.assignment.application.created_by
            feedback_services.rate_reasons(scoresheet=sheet, usefulness=rng.choice([2, 3, 4, 4, 5]),
                                           by=founder)


def _this_year(operator, program, startups, evaluators, rng, logins, today) -> None:
    now = timezone.now()
    deadline = timezone.localtime(now - dt.timedelta(days=4), KST).replace(
        hour=16, minute=0, second=0, microsecond=0)
    with _at(deadline - dt.timedelta(days=25)):
        call = _call(operator, program,
                     f"{today.year}년 글로벌 기업 협업 프로그램 AI 특화 1차 모집",
                     f"{today.year} Global Company Collaboration Program: AI first round",
                     deadline,
                     [(_partner(operator, program, "OpenAI"), "AI 에이전트 트랙",
                       "AI agents track", 4, ["LLM", "AI agent", "API"]),
                      (_partner(operator, program, "NVIDIA"), "온디바이스 AI 트랙",
                       "On-device AI track", 4, ["AI 반도체", "edge AI", "NPU"])])
        applications = _apply(call, operator, startups, rng)
    logins["startup (in evaluation)"] = applications[0].created_by.email
    quality = {a.pk: rng.random() for a in applications}
    opens = _kst(deadline.date() + dt.timedelta(days=2), 9)
    with _at(opens - dt.timedelta(hours=1)):
        stage = stage_services.create_stage(
            call=call, kind=Stage.Kind.DOCUMENT, by=operator, opens_at=opens,
            closes_at=_kst(timezone.localtime(now, KST).date() + dt.timedelta(days=5), 18),
            **_rules(load_min=4, load_max=12))
        # A declared investment tie becomes a detected conflict (제척) on invitation.
        chosen = _round_robin(evaluators, 16)
        tied = chosen[4]
        pool_services.save_profile(
            user=tied, expertise_ko=tied.evaluator_profile.expertise_ko,
            expertise_en=tied.evaluator_profile.expertise_en,
            expertise_keywords=tied.evaluator_profile.expertise_keywords,
            expert_type=tied.evaluator_profile.expert_type,
            years_of_experience=tied.evaluator_profile.years_of_experience,
            gender=tied.evaluator_profile.gender,
            gender_consent=bool(tied.evaluator_profile.gender_consent_at),
            ties=[{"kind": "investment", "organisation_name": applications[1].applicant.name_ko,
                   "business_registration_number": "", "started_on": today.replace(
                       year=today.year - 2), "ended_on": None}])
        _invite_and_sign(stage, operator, chosen)
        # A recusal (회피) declared by another evaluator.
        conflict_services.declare_recusal(
            stage=stage, evaluator=chosen[7], application=applications[2],
            basis=Conflict.Basis.ADVISORY, detail="최근 2년간 이 회사의 기술 자문을 맡았습니다.")
    with _at(opens + dt.timedelta(hours=1)):
        _assign(stage, operator)
    demo_evaluator = User.objects.get(email=logins["evaluator"])
    with _at(now - dt.timedelta(hours=20)):
        done: dict[int, int] = {}
        for sheet in (Scoresheet.objects.filter(assignment__stage=stage)
                      .select_related("assignment__stage")
                      .order_by("assignment__evaluator_id", "assignment_id")):
            evaluator_id = sheet.assignment.evaluator_id
            n = done[evaluator_id] = done.get(evaluator_id, 0) + 1
            mine = evaluator_id == demo_evaluator.pk
            if (mine and n > 3) or (not mine and n > 4):
                continue
            # The demo evaluator submitted two, left a draft; the others submitted four each.
            _score(sheet, rng, quality[sheet.assignment.application_id],
                   submit=not (mine and n == 3))


def counts() -> dict[str, int]:
    """What the seed made (for the seed command's summary and its test)."""
    return {
        "stages": Stage.objects.count(),
        "invitations": StageEvaluator.objects.count(),
        "profiles": EvaluatorProfile.objects.count(),
        "scoresheets submitted": Scoresheet.objects.filter(status="submitted").count(),
    }
