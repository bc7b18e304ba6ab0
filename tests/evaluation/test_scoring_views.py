"""The evaluator's pages of scoring and the operator's scoresheet page: what each person sees,
autosave, submission refused with the text kept, independence and locking."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from kbridge.core.models import AuditLog
from kbridge.evaluation import pledge
from kbridge.evaluation.models import Assignment, Scoresheet, StageEvaluator
from kbridge.evaluation.services import scoring
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

GOOD = "시제품 검증이 끝났고 고객사 두 곳과 PoC를 진행 중입니다."
# What another evaluator wrote: none of it may reach the page before one's own submission.
SECRET_REASON = "다른평가위원의비밀근거 기술 성숙도가 매우 높음 TRL 7"
SECRET_COMMENT = "다른평가위원의총평"


def english(client):
    """The client reads pages in English (after signing in: signing out clears cookies)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def other(evaluation, personas):
    """A third evaluator on the same application who has already submitted (levels 1 and 1:
    total 0.00)."""
    org = OrganisationFactory(kind="affiliation", name_ko="포스텍", name_en="POSTECH")
    user = MembershipFactory(organisation=org, role="evaluator",
                             user=UserFactory(email="other@postech.example",
                                              full_name="김다른")).user
    current = pledge.pledge()
    StageEvaluator.objects.create(stage=evaluation.stage, evaluator=user,
                                  invited_by=personas.operator, pledge_version=current.version,
                                  pledge_sha256=current.sha256, pledge_signed_at=timezone.now())
    assignment = Assignment.objects.create(stage=evaluation.stage,
                                           application=evaluation.assignment.application,
                                           evaluator=user, affinity=0.5)
    a, b = (str(c.pk) for c in evaluation.criteria)
    sheet = scoring.save_scoresheet(assignment=assignment, by=user, levels={a: "1", b: "1"},
                                    reasons={a: SECRET_REASON, b: SECRET_REASON},
                                    comment=SECRET_COMMENT, base_version=1, editor="x")
    scoring.submit_scoresheet(assignment=assignment, by=user, version=sheet.version)
    return assignment


def url(assignment, suffix=""):
    return f"/evaluate/assignments/{assignment.pk}/{suffix}"


def form_data(evaluation, levels=("5", "3"), reasons=(GOOD, GOOD), comment="총평", version=1):
    a, b = evaluation.criteria
    return {f"level_{a.pk}": levels[0], f"level_{b.pk}": levels[1],
            f"reason_{a.pk}": reasons[0], f"reason_{b.pk}": reasons[1],
            "overall_comment": comment, "version": str(version), "editor": "tab-1"}


# --- home and stage page -------------------------------------------------------------------


def test_home_lists_the_invitations_and_the_stage_page_the_assigned_applications(
        evaluation, personas, client_for):
    client = client_for(personas.evaluator)
    home = client.get("/evaluate/").content.decode()
    assert f'href="/evaluate/stages/{evaluation.stage.pk}/"' in home
    page = client.get(f"/evaluate/stages/{evaluation.stage.pk}/").content.decode()
    assert f'href="{url(evaluation.assignment)}"' in page
    assert "뉴로칩스" in page


def test_before_signing_the_pledge_only_the_prompt_to_sign_shows(evaluation, personas,
                                                                 client_for):
    StageEvaluator.objects.filter(evaluator=personas.evaluator).update(pledge_signed_at=None)
    client = client_for(personas.evaluator)
    pledge_link = f'href="/evaluate/stages/{evaluation.stage.pk}/pledge/"'
    home = client.get("/evaluate/").content.decode()
    page = client.get(f"/evaluate/stages/{evaluation.stage.pk}/").content.decode()
    for html in (home, page):
        assert pledge_link in html
        assert "뉴로칩스" not in html and "Neuro Chips" not in html
        assert "/evaluate/assignments/" not in html
    assert client.get(url(evaluation.assignment)).status_code == 404


def test_a_conflicted_evaluator_sees_the_stage_without_the_application(evaluation, personas,
                                                                       client_for):
    client = client_for(personas.evaluator_conflicted)
    page = client.get(f"/evaluate/stages/{evaluation.stage.pk}/").content.decode()
    assert "뉴로칩스" not in page and "/evaluate/assignments/" not in page


def test_a_conflicted_evaluator_gets_404_everywhere_on_their_earlier_assignment(
        evaluation, personas, client_for):
    client = client_for(personas.evaluator_conflicted)
    conflicted = evaluation.conflicted_assignment
    attachment = conflicted.application.attachments.first()
    data = form_data(evaluation)
    assert client.get(url(conflicted)).status_code == 404
    assert client.post(url(conflicted), data).status_code == 404
    assert client.post(url(conflicted, "autosave/"), data).status_code == 404
    assert client.post(url(conflicted, "submit/"), data).status_code == 404
    assert client.get(url(conflicted, f"files/{attachment.pk}/")).status_code == 404
    sheet = Scoresheet.objects.get(assignment=conflicted)
    assert sheet.version == 1 and sheet.status == "draft" and not sheet.scores.exists()


# --- the application as submitted ----------------------------------------------------------


def test_the_page_shows_the_application_as_submitted_and_serves_its_files(
        evaluation, personas, client_for):
    application = evaluation.assignment.application
    submission = application.submissions.get()
    # Edited after submitting: the evaluator still reads what was submitted.
    application.answers = dict.fromkeys(application.answers, "제출 후에 고친 답변")
    application.save(update_fields=["answers"])
    client = client_for(personas.evaluator)
    html = client.get(url(evaluation.assignment)).content.decode()
    assert submission.receipt_number in html
    assert "엣지 디바이스용 저전력 NPU를 개발합니다." in html
    assert "제출 후에 고친 답변" not in html
    attachment_id = submission.files[0]["attachment"]
    assert f'href="{url(evaluation.assignment, f"files/{attachment_id}/")}"' in html
    response = client.get(url(evaluation.assignment, f"files/{attachment_id}/"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_file_not_in_the_submission_is_404(evaluation, personas, client_for):
    from kbridge.applications.models import Attachment

    submitted = Attachment.objects.first()
    draft_only = Attachment.objects.create(
        application=submitted.application, question=submitted.question, original_name="new.pdf",
        size=10, pages=1, sha256="0" * 64, uploaded_by=personas.startup_a)
    response = client_for(personas.evaluator).get(
        url(evaluation.assignment, f"files/{draft_only.pk}/"))
    assert response.status_code == 404


# --- saving, autosave, submission ----------------------------------------------------------


def test_save_redirects_back_and_autosave_answers_htmx_and_json(evaluation, personas,
                                                                client_for):
    client = client_for(personas.evaluator)
    response = client.post(url(evaluation.assignment), form_data(evaluation))
    assert response.status_code == 302 and response["Location"] == url(evaluation.assignment)
    sheet = Scoresheet.objects.get(assignment=evaluation.assignment)
    assert sheet.version == 2
    # HTMX: the status line, and the new version swapped in out of band.
    response = client.post(url(evaluation.assignment, "autosave/"),
                           form_data(evaluation, comment="수정 1", version=2),
                           HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="save-status"' in html
    assert 'name="version" value="3" id="id_version" hx-swap-oob="true"' in html
    # JSON for any other client.
    response = client.post(url(evaluation.assignment, "autosave/"),
                           form_data(evaluation, comment="수정 2", version=3))
    body = json.loads(response.content)
    assert response.status_code == 200 and body["saved"] and body["version"] == 4
    # Another tab that started from version 1: refused, nothing overwritten.
    data = form_data(evaluation, comment="다른 탭", version=1)
    data["editor"] = "tab-2"
    response = client.post(url(evaluation.assignment, "autosave/"), data)
    assert response.status_code == 409 and json.loads(response.content)["conflict"]
    response = client.post(url(evaluation.assignment, "autosave/"), data,
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "save-status-error" in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.overall_comment == "수정 2"


def test_a_too_short_reason_is_refused_with_every_text_kept(evaluation, personas,
                                                            client_for):
    client = english(client_for(personas.evaluator))
    a, b = evaluation.criteria
    typed = "너무 짧은 근거"  # 8 characters; 20 needed
    response = client.post(url(evaluation.assignment, "submit/"),
                           form_data(evaluation, reasons=(typed, GOOD), comment="총평 그대로"))
    # Post/Redirect/Get: the refusal shows at the scoresheet's address, so a reload of the
    # page never re-sends an older copy of the form over what autosave kept since.
    assert response.status_code == 302
    assert response["Location"] == url(evaluation.assignment) + "?check=submission"
    html = client.get(response["Location"]).content.decode()
    assert "Write at least 20 characters: 12 more characters needed (8 so far)." in html
    assert f'href="#reason-{a.pk}"' in html
    assert f">{typed}</textarea>" in html and f">{GOOD}</textarea>" in html
    assert ">총평 그대로</textarea>" in html
    assert re.search(rf'name="level_{b.pk}" value="3" checked', html)
    sheet = Scoresheet.objects.get(assignment=evaluation.assignment)
    assert sheet.status == "draft"
    assert scoring.payload(sheet, evaluation.criteria)["reasons"][str(a.pk)] == typed
    # Shown once: the next visit is the plain scoresheet again.
    assert "12 more characters needed" not in client.get(url(evaluation.assignment)).content.decode()


def test_a_double_click_on_a_refused_submit_shows_the_refusal_either_way(evaluation, personas,
                                                                        client_for):
    # The refusal is carried by the address, not by the session: the second request of a
    # double click (or an autosave of the same session in between) cannot consume it.
    client = english(client_for(personas.evaluator))
    data = form_data(evaluation, reasons=("너무 짧은 근거", GOOD))
    first = client.post(url(evaluation.assignment, "submit/"), data)
    second = client.post(url(evaluation.assignment, "submit/"), data)
    for location in (second["Location"], first["Location"]):
        assert "12 more characters needed" in client.get(location).content.decode()
    # Once the draft is complete the same address no longer lists anything.
    client.post(url(evaluation.assignment), form_data(evaluation))
    assert "more characters needed" not in client.get(first["Location"]).content.decode()


def test_submit_then_the_page_shows_the_total(evaluation, personas, client_for):
    client = client_for(personas.evaluator)
    response = client.post(url(evaluation.assignment, "submit/"), form_data(evaluation))
    assert response.status_code == 302
    sheet = Scoresheet.objects.get(assignment=evaluation.assignment)
    assert sheet.status == "submitted" and str(sheet.total) == "80.00"
    html = client.get(url(evaluation.assignment)).content.decode()
    assert "80.00" in html
    assert 'hx-post' not in html  # final: no autosave, no buttons
    # A second click on submit with the same text: no error, the same submission.
    response = client.post(url(evaluation.assignment, "submit/"), form_data(evaluation))
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="scoresheet.submitted").count() == 1


# --- independence --------------------------------------------------------------------------


def test_before_submitting_nothing_reveals_the_others_scores(evaluation, other, personas,
                                                             client_for):
    client = english(client_for(personas.evaluator))
    pages = [client.get("/evaluate/").content.decode(),
             client.get(f"/evaluate/stages/{evaluation.stage.pk}/").content.decode(),
             client.get(url(evaluation.assignment)).content.decode()]
    for html in pages:
        assert SECRET_REASON not in html and SECRET_COMMENT not in html
        assert "data-panel-entry" not in html
        assert "0.00" not in html  # the other's total
        assert "other@postech.example" not in html and "김다른" not in html
    # Counts: the home page counts one's own scoresheets only (0 of 1), never the panel's.
    assert "0 of your 1 scoresheet submitted" in pages[0]
    # The autosave answer says nothing of others either.
    response = client.post(url(evaluation.assignment, "autosave/"), form_data(evaluation))
    assert set(json.loads(response.content)) == {"saved", "version", "saved_at", "conflict",
                                                 "error"}
    assert not personas.evaluator.has_perm("evaluation.view_panel_scores",
                                           evaluation.assignment)


def test_the_page_is_the_same_whatever_the_others_scored(evaluation, other, personas,
                                                         client_for):
    """Byte for byte (but the per-page tokens): another evaluator's levels change nothing on
    the page before one's own submission — no order, count or total leaks."""
    client = client_for(personas.evaluator)

    def page():
        html = client.get(url(evaluation.assignment)).content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        html = re.sub(r'name="editor" value="[^"]+"', "", html)
        html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
        return re.sub(r'nonce="[^"]+"', "", html)

    before = page()
    sheet = other.scoresheet
    Scoresheet.objects.filter(pk=sheet.pk).update(total="100.00")
    sheet.scores.update(level=5)
    assert page() == before


def test_after_submitting_the_others_scores_show_anonymised(evaluation, other, personas,
                                                            client_for):
    client = client_for(personas.evaluator)
    client.post(url(evaluation.assignment, "submit/"), form_data(evaluation))
    html = client.get(url(evaluation.assignment)).content.decode()
    assert html.count("data-panel-entry") == 1
    assert SECRET_REASON in html and SECRET_COMMENT in html and "0.00" in html
    assert "other@postech.example" not in html and "김다른" not in html
    # The conflicted evaluator never appears among the others, even had they scored.
    assert personas.evaluator_conflicted.email not in html


def test_the_others_are_numbered_in_a_fixed_order_not_by_score(evaluation, other, personas):
    from kbridge.evaluation import selectors

    # A fourth evaluator, assigned after ``other``, scores higher: still Evaluator 2.
    user = UserFactory(email="fourth@example.kr")
    current = pledge.pledge()
    StageEvaluator.objects.create(stage=evaluation.stage, evaluator=user,
                                  invited_by=personas.operator, pledge_version=current.version,
                                  pledge_sha256=current.sha256, pledge_signed_at=timezone.now())
    fourth = Assignment.objects.create(stage=evaluation.stage, application=other.application,
                                       evaluator=user)
    a, b = (str(c.pk) for c in evaluation.criteria)
    sheet = scoring.save_scoresheet(assignment=fourth, by=user, levels={a: "5", b: "5"},
                                    reasons={a: GOOD, b: GOOD}, comment="", base_version=1)
    scoring.submit_scoresheet(assignment=fourth, by=user, version=sheet.version)
    panel = selectors.panel_scores(evaluation.assignment, personas.evaluator)
    assert [(e["label_number"], str(e["total"])) for e in panel] == [(1, "0.00"), (2, "100.00")]


# --- locking and the operator's unlock -----------------------------------------------------


def _end_stage(evaluation):
    stage = evaluation.stage
    stage.opens_at = timezone.now() - timedelta(days=8)
    stage.closes_at = timezone.now() - timedelta(minutes=5)
    stage.save(update_fields=["opens_at", "closes_at"])


def test_after_the_stage_ends_every_write_is_refused_and_nothing_changes(
        evaluation, personas, client_for):
    client = english(client_for(personas.evaluator))
    client.post(url(evaluation.assignment), form_data(evaluation))
    _end_stage(evaluation)
    late = form_data(evaluation, reasons=("늦게 고친 근거입니다 " * 3, GOOD), version=2)
    response = client.post(url(evaluation.assignment), late)
    html = response.content.decode()
    assert response.status_code == 409 and "scores are locked" in html
    assert "늦게 고친 근거입니다" in html  # the text is kept on the page
    response = client.post(url(evaluation.assignment, "autosave/"), late)
    assert response.status_code == 409 and "locked" in json.loads(response.content)["error"]
    response = client.post(url(evaluation.assignment, "autosave/"), late, HTTP_HX_REQUEST="true")
    assert "save-status-error" in response.content.decode()
    response = client.post(url(evaluation.assignment, "submit/"), late)
    assert response.status_code == 409
    sheet = Scoresheet.objects.get(assignment=evaluation.assignment)
    assert sheet.version == 2 and sheet.status == "draft"
    assert not AuditLog.objects.filter(action__startswith="scoresheet.").exists()


def test_the_operator_unlocks_and_the_correction_is_audited(evaluation, personas, client_for):
    client = client_for(personas.evaluator)
    client.post(url(evaluation.assignment, "submit/"), form_data(evaluation))
    _end_stage(evaluation)
    sheet = Scoresheet.objects.get(assignment=evaluation.assignment)
    operator = client_for(personas.operator)
    page = f"/manage/evaluation/scoresheets/{sheet.pk}/"
    html = operator.get(page).content.decode()
    assert GOOD in html and "80.00" in html
    # Without a reason: refused, nothing unlocked.
    response = operator.post(page + "unlock/", {"reason": "", "until": ""})
    assert response.status_code == 200
    sheet.refresh_from_db()
    assert sheet.unlocked_until is None
    until = timezone.localtime() + timedelta(hours=3)
    response = operator.post(page + "unlock/", {"reason": "점수 오기 정정 요청",
                                                "until": until.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.unlocked_until is not None
    client = client_for(personas.evaluator)
    response = client.post(url(evaluation.assignment, "submit/"),
                           form_data(evaluation, levels=("4", "3"), version=sheet.version))
    assert response.status_code == 302
    log = AuditLog.objects.get(action="scoresheet.resubmitted")
    a = evaluation.criteria[0].pk
    assert log.actor == personas.evaluator
    assert log.before[f"level[{a}]"] == 5 and log.after[f"level[{a}]"] == 4
    html = client_for(personas.operator).get(page).content.decode()
    assert 'data-action="scoresheet.resubmitted"' in html
    assert 'data-action="scoresheet.unlocked"' in html


def test_the_refusal_reads_in_korean_on_a_korean_page(evaluation, personas, client_for):
    client = client_for(personas.evaluator)
    html = client.post(url(evaluation.assignment, "submit/"),
                       form_data(evaluation, reasons=("짧음", GOOD)), follow=True).content.decode()
    assert '<html lang="ko">' in html
    assert "20자 이상 작성하세요: 18자가 더 필요합니다(현재 2자)." in html
