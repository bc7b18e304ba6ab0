"""Appeals, the pages: the applicant files and reads the answer, operators list and review the
appeals of their agency, someone on the panel reads but may not answer (docs/selection.md,
"Appeals")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kbridge.selection.models import Appeal, Outcome
from kbridge.selection.services import appeals as services
from tests.factories import MembershipFactory
from tests.selection.appeal_world import ANSWER, GROUNDS, file
from tests.selection.world import decided as make_decided


def page(client, url, lang="ko"):
    client.cookies["django_language"] = lang
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def appeal_url(d, n=0):
    return f"/applications/{d.applications[n].pk}/appeal/"


# --- the applicant -----------------------------------------------------------------------------


def test_the_applicant_reads_the_window_in_kst_and_what_may_be_contested(decided, personas,
                                                                        client_for):
    closes = services.window_closes_at(decided.policy)
    korean = page(client_for(personas.startup_a), appeal_url(decided))
    assert "결과에 대한 이의신청" in korean
    assert "이의신청 마감" in korean and "KST" in korean
    assert f"{closes.astimezone(timezone.get_fixed_timezone(540)).day}일" in korean
    assert "공고 규칙이나 평가 절차 위반" in korean
    assert 'name="grounds"' in korean
    english = page(client_for(personas.startup_a_member), appeal_url(decided), "en")
    assert "Appeal against the result" in english
    assert "Appeals may be filed until" in english and "KST" in english
    assert "a breach of the call's rules" in english.replace("&#x27;", "'")


def test_no_appeal_page_before_the_announcement(world, personas, submitted, client_for):
    d = make_decided(world, personas, submitted, announced=False)
    assert client_for(personas.startup_a).get(appeal_url(d)).status_code == 404


def test_short_grounds_are_refused_and_kept(decided, personas, client_for):
    client = client_for(personas.startup_a)
    client.cookies["django_language"] = "en"
    typed = "The market reasons are wrong."  # 29 characters
    response = client.post(appeal_url(decided), {"grounds": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Write at least 30 characters: it has 29." in html
    assert typed in html
    assert not Appeal.objects.exists()


def test_too_long_grounds_are_refused_not_cut(decided, personas, client_for):
    typed = "가" * 5_001
    response = client_for(personas.startup_a).post(appeal_url(decided), {"grounds": typed})
    html = response.content.decode()
    assert response.status_code == 200
    assert "5,001" in html and typed in html
    assert not Appeal.objects.exists()


def test_filing_redirects_to_the_page_which_shows_the_appeal_waiting(decided, personas,
                                                                    client_for):
    client = client_for(personas.startup_a_member)
    response = client.post(appeal_url(decided), {"grounds": GROUNDS})
    assert response.status_code == 302 and response["Location"] == appeal_url(decided)
    appeal = Appeal.objects.get()
    html = page(client, appeal_url(decided))
    assert "이의신청이 접수되었습니다" in html
    assert GROUNDS in html and "답변 기한" in html
    assert 'name="grounds"' not in html  # one open appeal: no second form
    assert appeal.filed_by == personas.startup_a_member
    # A second filing (a stale tab) is refused with a message, the text kept.
    again = client.post(appeal_url(decided), {"grounds": GROUNDS + " 추가"})
    assert again.status_code == 200
    assert "이미 답변을 기다리고" in again.content.decode()
    assert Appeal.objects.count() == 1


def test_after_the_window_the_page_says_it_closed_and_refuses(decided, personas, client_for):
    decided.policy.announcement_at = timezone.now() - timedelta(days=40)
    decided.policy.save()
    client = client_for(personas.startup_a)
    html = page(client, appeal_url(decided), "en")
    assert "The appeal window closed at" in html
    assert 'name="grounds"' not in html
    response = client.post(appeal_url(decided), {"grounds": GROUNDS})
    assert response.status_code == 200
    assert "The appeal window closed at" in response.content.decode()
    assert GROUNDS in response.content.decode()
    assert not Appeal.objects.exists()


def test_the_applicant_reads_the_answer_with_its_criteria_and_who_answered(decided, personas,
                                                                          client_for):
    appeal = file(decided, 0)
    market = decided.stage.criteria.get(title_en="Market")
    services.answer_appeal(appeal=appeal, by=personas.operator, upheld=False, answer=ANSWER,
                           criteria=[market])
    korean = page(client_for(personas.startup_a), appeal_url(decided))
    assert "결정: 기각." in korean and ANSWER in korean
    assert "인용한 평가 항목" in korean and "시장성" in korean
    assert "신청을 평가하지 않은 사업 운영기관 담당자" in korean
    assert personas.operator.full_name not in korean  # the role, not the name
    english = page(client_for(personas.startup_a), appeal_url(decided), "en")
    assert "Decision: not upheld." in english and "Criteria cited" in english
    assert "Market" in english
    assert "by an operator of the program who did not evaluate your application" in english


# --- operators ---------------------------------------------------------------------------------


def test_operators_list_their_agencys_appeals_with_due_overdue_and_response_time(
        decided, personas, client_for):
    late = file(decided, 4)
    Appeal.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    answered = file(decided, 0)
    services.answer_appeal(appeal=answered, by=personas.operator, upheld=False,
                           answer=ANSWER, criteria=list(decided.stage.criteria.all()[:1]))
    html = page(client_for(personas.operator), "/manage/selection/appeals/", "en")
    assert "1 appeal is waiting for its answer." in html
    assert html.count('class="overdue"') == 1
    assert "Overdue" in html
    assert "0 working days" in html  # answered the day it was filed
    assert f"/manage/selection/appeals/{late.pk}/" in html
    other = page(client_for(personas.operator_b), "/manage/selection/appeals/", "en")
    assert f"/manage/selection/appeals/{late.pk}/" not in other
    assert "No appeal has been filed" in other


def test_the_review_shows_scores_per_criterion_and_anonymised_reasons(decided, personas,
                                                                     client_for):
    appeal = file(decided, 4)
    html = page(client_for(personas.operator), f"/manage/selection/appeals/{appeal.pk}/", "en")
    assert GROUNDS in html
    assert "Evaluator 5" in html and "Mean level" in html
    assert "The team has built a working NPU prototype" in html  # the reasons
    for evaluator in decided.evaluators:
        assert evaluator.email not in html and evaluator.full_name not in html
    assert 'name="criteria"' in html and 'name="corrected_score"' in html


def test_someone_on_the_panel_reads_but_may_not_answer(decided, personas, client_for):
    appeal = file(decided, 0)
    MembershipFactory(organisation=personas.operator_org, role="operator",
                      user=personas.evaluator)
    client = client_for(personas.evaluator)
    html = page(client, f"/manage/selection/appeals/{appeal.pk}/", "en")
    assert "You evaluated this application, so you may read this appeal but not answer it" \
        in html
    assert 'name="answer"' not in html
    response = client.post(f"/manage/selection/appeals/{appeal.pk}/answer/", {
        "decision": "upheld", "answer": ANSWER,
        "criteria": [decided.stage.criteria.first().pk]})
    assert response.status_code == 200
    assert "someone outside the panel must" in response.content.decode()
    assert ANSWER in response.content.decode()  # what they typed is shown back
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.FILED


def test_an_answer_without_a_criterion_is_refused_and_kept(decided, personas, client_for):
    appeal = file(decided, 0)
    client = client_for(personas.operator)
    client.cookies["django_language"] = "en"
    response = client.post(f"/manage/selection/appeals/{appeal.pk}/answer/",
                           {"decision": "rejected", "answer": ANSWER})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Cite at least one criterion of the rubric that the answer concerns." in html
    assert ANSWER in html
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.FILED


@pytest.mark.parametrize("score", ["100.5", "80.123", "abc"])
def test_a_bad_corrected_score_is_refused_with_a_message(decided, personas, client_for, score):
    appeal = file(decided, 4)
    client = client_for(personas.operator)
    client.cookies["django_language"] = "en"
    response = client.post(f"/manage/selection/appeals/{appeal.pk}/answer/", {
        "decision": "upheld", "answer": ANSWER, "corrected_score": score,
        "criteria": [decided.stage.criteria.first().pk]})
    assert response.status_code == 200
    assert "Enter the corrected final score from 0 to 100, with at most two decimals." in \
        response.content.decode()


def test_an_upheld_answer_with_a_corrected_score_re_ranks_and_shows_it(decided, personas,
                                                                      client_for):
    appeal = file(decided, 4)
    client = client_for(personas.operator)
    response = client.post(f"/manage/selection/appeals/{appeal.pk}/answer/", {
        "decision": "upheld", "answer": ANSWER, "corrected_score": "80.50",
        "criteria": [c.pk for c in decided.stage.criteria.all()]})
    assert response.status_code == 302
    outcome = Outcome.objects.get(pk=decided.outcomes[4].pk)
    assert (outcome.rank, outcome.status, outcome.waitlist_position) == (3, "waitlisted", 1)
    html = page(client, f"/manage/selection/appeals/{appeal.pk}/", "en")
    assert "Decision: upheld." in html and "Market, Team" in html
    assert "waitlist position 1" in html
    assert 'name="answer"' not in html  # answered once
