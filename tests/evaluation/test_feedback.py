"""Feedback on evaluators (issue 13, item 8): after a stage ends the applicant reads the
written reasons of their application, anonymised, and rates each evaluator's reasons 1–5;
the rating names nobody and is shown to operators only as an average (tests/evaluation/
test_ranking.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kbridge.core.models import AuditLog
from kbridge.evaluation.models import EvaluatorProfile, ReasonRating, Scoresheet
from kbridge.evaluation.ranking import RATING_WINDOW_DAYS, feedback_for_applicant
from kbridge.evaluation.services.feedback import rate_reasons
from tests.evaluation.feedback_world import ended_stage, submitted_sheet

COUNTED = "실증 계획이 구체적이고 파트너 모델과의 비교 수치가 제시되어 있어 설득력이 높습니다."
CONFLICTED = "이 평가위원은 이해충돌이 있으므로 이 문장은 신청자에게 보여서는 안 됩니다."


@pytest.fixture
def reasons(evaluation, personas, submitted):
    """An ended presentation stage: ``evaluator``'s reasons count; ``evaluator_conflicted``
    submitted too, but has a conflict in force with the application."""
    EvaluatorProfile.objects.create(user=personas.evaluator,
                                    affiliation=personas.evaluator.memberships.get().organisation)
    stage = ended_stage(submitted.call)
    counted = submitted_sheet(stage, submitted, personas.evaluator, 83.25,
                              reasons=[COUNTED, COUNTED + " 팀 구성도 좋습니다."])
    conflicted = submitted_sheet(stage, submitted, personas.evaluator_conflicted, 20,
                                 reasons=[CONFLICTED, CONFLICTED])
    return stage, counted, conflicted


def _page(application):
    return f"/applications/{application.pk}/evaluation/"


def _rate(application, sheet):
    return f"/applications/{application.pk}/evaluation/ratings/{sheet.pk}/"


def test_the_applicant_reads_the_reasons_anonymised_without_scores(
        reasons, submitted, personas, client_for):
    _stage, counted, _conflicted = reasons
    html = client_for(personas.startup_a_member).get(_page(submitted)).content.decode()
    assert COUNTED in html
    assert "평가위원 1" in html or "Evaluator 1" in html
    assert "평가위원 2" not in html and "Evaluator 2" not in html
    for identifying in (personas.evaluator.email, personas.evaluator.full_name, "KAIST",
                        "카이스트"):
        assert identifying not in html
    # Reasons only: no level, no total.
    assert "83.25" not in html and "83.3" not in html


def test_the_conflicted_evaluators_reasons_are_never_shown(reasons, submitted, personas,
                                                            client_for):
    html = client_for(personas.startup_a).get(_page(submitted)).content.decode()
    assert CONFLICTED not in html
    assert [len(s.reasons) for s in feedback_for_applicant(submitted)] == [1]


def test_nothing_is_published_before_the_stage_ends(evaluation, submitted, personas,
                                                     client_for):
    Scoresheet.objects.filter(assignment=evaluation.assignment).update(
        status=Scoresheet.Status.SUBMITTED, total=70)
    evaluation.assignment.scoresheet.scores.create(criterion=evaluation.criteria[0],
                                                   level=3, reason=COUNTED)
    client = client_for(personas.startup_a)
    page = client.get(_page(submitted)).content.decode()
    assert COUNTED not in page
    assert client.post(_rate(submitted, evaluation.assignment.scoresheet),
                       {f"s{evaluation.assignment.scoresheet.pk}-usefulness": "5"}
                       ).status_code == 404
    # No link from the application page either.
    assert f"/applications/{submitted.pk}/evaluation/" not in client.get(
        f"/applications/{submitted.pk}/").content.decode()


def test_the_application_page_links_to_the_reasons_once_there_are_some(
        reasons, submitted, personas, client_for):
    html = client_for(personas.startup_a).get(f"/applications/{submitted.pk}/").content.decode()
    assert f'href="/applications/{submitted.pk}/evaluation/"' in html


@pytest.mark.parametrize("persona", ["startup_b", "operator", "operator_b", "partner_a",
                                     "evaluator", "evaluator_conflicted"])
def test_nobody_but_the_startups_members_reads_or_rates(reasons, submitted, personas,
                                                        client_for, persona):
    _stage, counted, _conflicted = reasons
    client = client_for(personas.by_name(persona))
    assert client.get(_page(submitted)).status_code == 404
    assert client.post(_rate(submitted, counted),
                       {f"s{counted.pk}-usefulness": "1"}).status_code == 404
    assert not ReasonRating.objects.exists()


def test_a_member_rates_and_may_change_the_rating_which_names_nobody(
        reasons, submitted, personas, client_for):
    _stage, counted, _conflicted = reasons
    client = client_for(personas.startup_a_member)
    response = client.post(_rate(submitted, counted), {f"s{counted.pk}-usefulness": "2"})
    assert response.status_code == 302 and response["Location"] == _page(submitted)
    assert ReasonRating.objects.get().usefulness == 2

    client = client_for(personas.startup_a)  # the company's one rating; the latest stands
    client.post(_rate(submitted, counted), {f"s{counted.pk}-usefulness": "4"})
    client.post(_rate(submitted, counted), {f"s{counted.pk}-usefulness": "4"})  # no change
    assert ReasonRating.objects.get().usefulness == 4
    rows = list(AuditLog.objects.filter(object_type="evaluation.reasonrating")
                .order_by("created_at", "id"))
    assert [(r.action, r.before, r.after) for r in rows] == [
        ("evaluation.reasons_rated", None, {"usefulness": 2}),
        ("evaluation.reasons_rating_changed", {"usefulness": 2}, {"usefulness": 4}),
    ]
    # Anonymous: no actor, and not in the agency's audit log (operators read that).
    assert all(r.actor_id is None and r.actor_email == "" and r.tenant_id is None
               for r in rows)
    html = client.get(_page(submitted)).content.decode()
    assert "4 of 5" in html or "5점 중 4점" in html


def test_a_bad_rating_comes_back_with_a_clear_error(reasons, submitted, personas, client_for):
    _stage, counted, _conflicted = reasons
    client = client_for(personas.startup_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for value in ("", "0", "6", "five"):
        response = client.post(_rate(submitted, counted), {f"s{counted.pk}-usefulness": value})
        assert response.status_code == 200
        assert "Choose how useful the reasons were, from 1 to 5." in response.content.decode()
    assert not ReasonRating.objects.exists()


def test_the_conflicted_evaluators_scoresheet_cannot_be_rated(reasons, submitted, personas,
                                                               client_for):
    _stage, _counted, conflicted = reasons
    response = client_for(personas.startup_a).post(_rate(submitted, conflicted),
                                                   {f"s{conflicted.pk}-usefulness": "1"})
    assert response.status_code == 404
    with pytest.raises(ValidationError):
        rate_reasons(scoresheet=conflicted, usefulness=1, by=personas.startup_a)
    assert not ReasonRating.objects.exists()


def test_ratings_close_after_the_window_and_stay_as_they_were(reasons, submitted, personas,
                                                              client_for):
    stage, counted, _conflicted = reasons
    rate_reasons(scoresheet=counted, usefulness=3, by=personas.startup_a)
    stage.closes_at = timezone.now() - timedelta(days=RATING_WINDOW_DAYS, seconds=1)
    stage.save()
    client = client_for(personas.startup_a)
    assert client.post(_rate(submitted, counted),
                       {f"s{counted.pk}-usefulness": "5"}).status_code == 404
    with pytest.raises(ValidationError):
        rate_reasons(scoresheet=counted, usefulness=5, by=personas.startup_a)
    assert ReasonRating.objects.get().usefulness == 3
    html = client.get(_page(submitted)).content.decode()
    assert COUNTED in html and 'name="s' not in html  # still readable, no form


@pytest.mark.parametrize("value", [0, 6, True, "3", None])
def test_the_service_refuses_values_outside_one_to_five(reasons, personas, value):
    with pytest.raises(ValidationError):
        rate_reasons(scoresheet=reasons[1], usefulness=value, by=personas.startup_a)
