"""Demo selection (issue 14): last year's evaluated call, selected, announced and concluded.

Replayed at last year's dates, through the services, as the operator and the startups did it:

* **Rules** stated before the deadline (``save_policy(now=…)``): ties broken on the
  presentation rubric's 실현가능성 (Solution) criterion, three places on each waitlist, the
  results announced on the call's announcement day at 10:00 KST.
* **Selection**: each track proposed and confirmed within its budget (places × ₩200M cap)
  after the presentation stage closed; the result e-mails sent at the announcement instant
  (``results.announce_due(now=…)``).
* **Duplicate funding** (중복지원): two days after the announcement the operator imports
  another program's selection list (CSV) naming one selected finalist of the API track, as
  happened to four of fourteen OpenAI finalists in 2024 (PRODUCT.md). The track page flags
  it; the startup drops out (``duplicate_funding``), the first waitlisted startup is offered
  the place and accepts it.
* **Agreements** (협약) sent to every selected startup; each uploads its three documents
  (small valid PDFs through ``applications.uploads.check_pdf``) and its representative
  accepts. All are accepted: one left waiting a year ago would lapse as soon as the demo's
  worker starts and hand its place on, so the demo would change under the visitor.
* **Appeals** (이의신청): the last waitlisted startup of the AI chips track appeals and is
  answered (not upheld) by the operator, who sat on no panel, citing a criterion; the last
  waitlisted startup of the API track appeals on the window's last days and is still waiting
  (the operator sees it overdue).
* **Partner interest**: OpenAI's staff records interest in one finalist of its API track.

Services that take ``now=`` get it; the others run under :func:`demo_evaluation._at`, the seed's
clock for replaying last year. Deterministic: no randomness here; the choices follow the
ranking the evaluation seed produced.
"""

from __future__ import annotations

import datetime as dt
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile

from kbridge.accounts.models import Membership, User
from kbridge.applications.uploads import check_pdf
from kbridge.evaluation.models import Stage
from kbridge.portal.demo import _brn
from kbridge.portal.demo_evaluation import _at, _kst
from kbridge.selection.models import Outcome, Selection
from kbridge.selection.services import agreements as agreement_services
from kbridge.selection.services import appeals as appeal_services
from kbridge.selection.services import eligibility as eligibility_services
from kbridge.selection.services import policy as policy_services
from kbridge.selection.services import results as result_services
from kbridge.selection.services import selection as selection_services
from kbridge.selection.services import waitlist as waitlist_services

#: The presentation rubric's criterion that breaks ties (its Korean title, as the call states it).
TIE_BREAK_CRITERION = "실현가능성 (Solution)"
WAITLIST_LENGTH = 3
#: The documents' size: small, valid, one page each.
PDF_PAGES = 1

APPEAL_ANSWERED = (
    "발표평가에서 실현가능성 점수가 낮게 나온 이유를 알고 싶습니다. 당사는 이미 두 곳의 고객사와 "
    "유료 PoC를 진행 중이며, 발표 당시 그 계약서를 제출했으나 평가에 반영되지 않은 것으로 보입니다. "
    "재검토를 요청합니다.")
APPEAL_ANSWER = (
    "평가위원 전원의 실현가능성 항목 평가 사유를 다시 검토했습니다. 유료 PoC 계약은 발표 자료에 "
    "반영되어 있었고 평가위원들도 이를 언급했으나, 양산 일정과 소요 자금의 근거가 부족하다는 점이 "
    "공통적으로 지적되었습니다. 채점 오류나 절차상 하자는 확인되지 않아 이의신청을 받아들이지 "
    "않습니다. 예비 순위는 유지됩니다.")
APPEAL_OPEN = (
    "글로벌 기업 협업 적합성 항목에서 당사의 OpenAI API 활용 실적이 충분히 평가되지 않았다고 "
    "생각합니다. 월 200만 건 이상의 API 호출 기록과 고객 사례를 추가 자료로 제출하니 다시 검토해 "
    "주시기 바랍니다.")


def _pdf(title: str) -> bytes:
    """A small valid PDF, built as tests/applications/conftest.make_pdf builds them."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(PDF_PAGES):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _representative(outcome: Outcome) -> User:
    return (Membership.objects.filter(organisation=outcome.application.applicant,
                                      role=Membership.Role.STARTUP_REPRESENTATIVE)
            .select_related("user").order_by("user_id").first().user)


def _outcomes(selection: Selection, status: str) -> list[Outcome]:
    return list(selection.outcomes.filter(status=status)
                .select_related("application__applicant__profile")
                .order_by("waitlist_position", "rank", "application_id"))


def seed_selection(*, operator: User, old_program, logins: dict[str, str]) -> None:
    """Select, announce and conclude last year's evaluated call of ``old_program`` (see the
    module docstring); adds the logins that show it to ``logins``. Does nothing when the
    evaluation seed made no evaluated call (a small demo)."""
    stage = (Stage.objects.filter(call__program=old_program, kind=Stage.Kind.PRESENTATION)
             .select_related("call").first())
    if stage is None:
        return
    call = stage.call
    deadline = call.deadline_at
    announcement = _kst(call.announcement_on, 10)
    tracks = list(call.tracks.order_by("position").select_related("partner__organisation"))

    # The rules, stated with the call before its deadline.
    policy_services.save_policy(
        call=call, by=operator, now=deadline - dt.timedelta(days=20),
        values={"tie_break_criterion": TIE_BREAK_CRITERION, "waitlist_length": WAITLIST_LENGTH,
                "announcement_at": announcement})

    # Proposed and confirmed five days before the announcement.
    decided = announcement - dt.timedelta(days=5)
    with _at(decided - dt.timedelta(hours=2)):
        selections = [selection_services.propose(track=track, by=operator) for track in tracks]
    for selection in selections:
        selection_services.confirm(selection=selection, by=operator, now=decided)
    result_services.announce_due(now=announcement + dt.timedelta(minutes=1))
    api, chips = selections

    # The duplicate-funding list arrives after the announcement and names a selected finalist.
    dropped = _outcomes(api, Outcome.Status.SELECTED)[-1]
    profile = dropped.application.applicant.profile
    csv = ("사업자등록번호,기업명,사업명,연도\n"
           f"{profile.business_registration_number},{dropped.application.applicant.name_ko},"
           f"초격차 스타트업 1000+ 프로젝트,{call.announcement_on.year}\n"
           f"{_brn(random.Random(14))},한빛소프트랩,창업성장기술개발사업,"
           f"{call.announcement_on.year}\n").encode()
    with _at(announcement + dt.timedelta(days=2)):
        eligibility_services.import_funding_list(
            program=old_program, by=operator, file_name="중복지원_점검_선정기업목록.csv",
            data=csv)
        offer = waitlist_services.drop_out(
            dropped, by=operator, reason_code="duplicate_funding",
            detail="초격차 스타트업 1000+ 프로젝트에 같은 목적으로 이미 선정되어 중복지원에 "
                   "해당합니다.")
    with _at(announcement + dt.timedelta(days=3)):
        promoted = waitlist_services.accept_offer(offer, by=_representative(offer.outcome))

    # Agreements: sent a week after the announcement, documents uploaded, accepted.
    sent = announcement + dt.timedelta(days=7)
    selected = _outcomes(api, Outcome.Status.SELECTED) + _outcomes(chips,
                                                                   Outcome.Status.SELECTED)
    for n, outcome in enumerate(selected):
        starts_on, ends_on = agreement_services.default_period(
            call.announcement_on, policy_services.policy_of(call).agreement_months)
        agreement = agreement_services.send_agreement(
            outcome=outcome, by=operator, starts_on=starts_on, ends_on=ends_on,
            tranches=agreement_services.default_tranches(outcome.award_krw, starts_on, ends_on),
            now=sent)
        representative = _representative(outcome)
        uploaded = sent + dt.timedelta(days=1, hours=n)
        for kind in agreement_services.REQUIRED_DOCUMENTS:
            name = f"{outcome.application.applicant.name_en} {kind}.pdf"
            checked = check_pdf(SimpleUploadedFile(name, _pdf(name), "application/pdf"),
                                max_bytes=5 * 1024 * 1024)
            agreement_services.upload_document(agreement=agreement, kind=kind, checked=checked,
                                               by=representative, now=uploaded)
        agreement_services.accept_agreement(agreement=agreement, by=representative,
                                            ip="203.0.113.10",
                                            now=uploaded + dt.timedelta(minutes=10))

    # Appeals: one answered (not upheld) by the operator, one still waiting.
    answered_outcome = _outcomes(chips, Outcome.Status.WAITLISTED)[-1]
    open_outcome = _outcomes(api, Outcome.Status.WAITLISTED)[-1]
    with _at(announcement + dt.timedelta(days=1, hours=4)):
        appeal = appeal_services.file_appeal(outcome=answered_outcome,
                                             by=_representative(answered_outcome),
                                             grounds=APPEAL_ANSWERED)
    criterion = next(c for c in stage.criteria.all() if c.title_ko == TIE_BREAK_CRITERION)
    with _at(announcement + dt.timedelta(days=6, hours=2)):
        appeal_services.answer_appeal(appeal=appeal, by=operator, upheld=False,
                                      answer=APPEAL_ANSWER, criteria=[criterion])
    closes = appeal_services.window_closes_at(policy_services.policy_of(call))
    with _at(closes - dt.timedelta(hours=10)):
        appeal_services.file_appeal(outcome=open_outcome, by=_representative(open_outcome),
                                    grounds=APPEAL_OPEN)

    # OpenAI's staff notes interest in a finalist of its API track.
    partner_org = tracks[0].partner.organisation
    partner_staff = (Membership.objects.filter(organisation=partner_org)
                     .order_by("user_id").first().user)
    with _at(announcement + dt.timedelta(days=4)):
        result_services.record_interest(
            application=promoted.application, organisation=partner_org, by=partner_staff,
            note="API 사용량 성장세가 좋아 OpenAI 스타트업 펀드 투자 검토 대상으로 올리고 싶습니다.")

    logins.update(selection_logins())


def selection_logins() -> dict[str, str]:
    """The logins that show last year's selection, read from the database as the seed left
    it (so a second ``seed_demo`` prints the same; which startups they are depends on the
    scores' order, which SQLite and PostgreSQL may break differently). Empty without it."""
    from kbridge.selection.models import Appeal

    logins: dict[str, str] = {}
    first = (Outcome.objects.filter(status=Outcome.Status.SELECTED, reason_code="within_quota")
             .order_by("selection__track__position", "selection__track_id", "rank",
                       "application_id").first())
    promoted = Outcome.objects.filter(reason_code="promoted").order_by("pk").first()
    answered = Appeal.objects.filter(answered_at__isnull=False).order_by("pk").first()
    waiting = Appeal.objects.filter(status=Appeal.Status.FILED).order_by("pk").first()
    for label, outcome in (("startup (selected last year)", first),
                           ("startup (promoted from the waitlist)", promoted),
                           ("startup (appeal answered)", answered and answered.outcome),
                           ("startup (appeal waiting)", waiting and waiting.outcome)):
        if outcome is not None:
            logins[label] = _representative(outcome).email
    return logins
