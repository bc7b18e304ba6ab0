"""Evaluation through the API: an evaluator's assignments and scoresheets, with the scoring
page's rules — pledge, conflicts of interest, independence, locks (issue 17)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kbridge.evaluation.models import Assignment, Scoresheet, StageEvaluator
from tests.api.conftest import ApiClient, token_for
from tests.evaluation.feedback_world import submitted_sheet
from tests.factories import ApplicationFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

REASON = "시제품의 전력 효율을 실측했고 파트너 모델과 비교한 결과가 구체적입니다."


def _url(assignment, tail=""):
    return f"/api/v1/evaluation/assignments/{assignment.pk}{tail}"


def test_an_evaluator_lists_their_assignments_and_never_a_conflicted_one(evaluation, personas,
                                                                         api_for):
    body = api_for(personas.evaluator).get("/api/v1/evaluation/assignments").json()
    assert [a["id"] for a in body["items"]] == [evaluation.assignment.pk]
    item = body["items"][0]
    assert item["stage"]["kind"] == "document" and item["stage"]["is_open"] is True
    assert item["application"]["applicant_ko"] == "뉴로칩스"
    assert item["scoresheet_status"] == "draft"
    conflicted = api_for(personas.evaluator_conflicted).get("/api/v1/evaluation/assignments")
    assert conflicted.status_code == 200 and conflicted.json()["count"] == 0
    assert api_for(personas.startup_a).get("/api/v1/evaluation/assignments").status_code == 404
    assert api_for(personas.operator).get("/api/v1/evaluation/assignments").status_code == 404


def test_the_list_filters_by_stage_and_status(evaluation, personas, api_for):
    client = api_for(personas.evaluator)
    stage = evaluation.stage.pk
    assert client.get(f"/api/v1/evaluation/assignments?stage={stage}").json()["count"] == 1
    assert client.get("/api/v1/evaluation/assignments?stage=999999").json()["count"] == 0
    assert client.get("/api/v1/evaluation/assignments?status=draft").json()["count"] == 1
    assert client.get("/api/v1/evaluation/assignments?status=submitted").json()["count"] == 0
    assert client.get("/api/v1/evaluation/assignments?status=maybe").status_code == 422


def test_nothing_is_listed_or_shown_before_the_current_pledge_is_signed(evaluation, personas,
                                                                        api_for):
    StageEvaluator.objects.filter(evaluator=personas.evaluator).update(pledge_version="old")
    client = api_for(personas.evaluator)
    assert client.get("/api/v1/evaluation/assignments").json()["count"] == 0
    assert client.get(_url(evaluation.assignment)).status_code == 404


def test_the_list_costs_the_same_queries_for_one_or_several(evaluation, personas, world):
    client = ApiClient(token_for(personas.evaluator))
    path = "/api/v1/evaluation/assignments"
    client.get(path)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured.captured_queries)

    one = count()
    for n in range(3):
        application = ApplicationFactory(track=world.track_b, status="submitted",
                                         applicant=OrganisationFactory(kind="startup"),
                                         exclusivity_key=f"eval:{n}")
        assignment = Assignment.objects.create(stage=evaluation.stage, application=application,
                                               evaluator=personas.evaluator)
        if n:
            Scoresheet.objects.create(assignment=assignment, saved_at=timezone.now())
    assert count() == one
    assert client.get(path).json()["count"] == 4


def test_the_detail_is_the_scoring_page_and_conflicted_evaluators_get_404(
        evaluation, personas, submitted, api_for):
    answer = api_for(personas.evaluator).get(_url(evaluation.assignment))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert [c["title_ko"] for c in body["rubric"]["criteria"]] == ["기술성", "협업 적합성"]
    assert body["rubric"]["min_reason_length"] == 20
    assert body["submission"]["receipt_number"] == submitted.submissions.get().receipt_number
    assert body["submission"]["profile"]["name_ko"] == "뉴로칩스"
    assert body["submission"]["answers"] and len(body["submission"]["files"]) == 2
    assert body["scoresheet"]["status"] == "draft" and body["scoresheet"]["may_change"] is True
    assert body["may_see_panel"] is False and body["panel"] == []
    for other in (personas.evaluator_conflicted, personas.operator, personas.startup_a):
        assert api_for(other).get(_url(evaluation.assignment)).status_code == 404
    assert api_for(personas.evaluator_conflicted).get(
        _url(evaluation.conflicted_assignment)).status_code == 404


def test_a_scoresheet_saves_and_a_stale_version_is_409(evaluation, personas, api_for):
    first, second = evaluation.criteria
    client = api_for(personas.evaluator)
    saved = client.put(_url(evaluation.assignment, "/scoresheet"), {
        "version": 1, "editor": "tab-1", "levels": {str(first.pk): 4},
        "reasons": {str(first.pk): REASON}, "comment": "좋습니다."})
    assert saved.status_code == 200, saved.content
    sheet = saved.json()["scoresheet"]
    assert sheet["levels"] == {str(first.pk): 4, str(second.pk): None}
    assert sheet["reasons"][str(first.pk)] == REASON and sheet["version"] == 2
    stale = client.put(_url(evaluation.assignment, "/scoresheet"), {
        "version": 1, "editor": "tab-2", "levels": {str(first.pk): 2}})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"


def test_a_level_off_the_scale_or_an_unknown_criterion_is_422(evaluation, personas, api_for):
    first = evaluation.criteria[0]
    client = api_for(personas.evaluator, language="ko")
    off = client.put(_url(evaluation.assignment, "/scoresheet"),
                     {"version": 1, "levels": {str(first.pk): 9}})
    assert off.status_code == 422
    detail = off.json()["error"]["details"][0]
    assert detail["field"] == f"levels.{first.pk}" and "1" in detail["message"]
    unknown = client.put(_url(evaluation.assignment, "/scoresheet"),
                         {"version": 1, "levels": {"424242": 3}, "reasons": {"77": "좋음"}})
    assert unknown.status_code == 422
    # Named as the body names them (not the bare criterion id).
    assert [d["field"] for d in unknown.json()["error"]["details"]] == ["levels.424242",
                                                                         "reasons.77"]
    wrong_type = client.put(_url(evaluation.assignment, "/scoresheet"),
                            {"version": 1, "levels": {str(first.pk): "many"}})
    assert wrong_type.status_code == 422
    # Pydantic's own refusal, in the request's language.
    assert wrong_type.json()["error"]["details"] == [
        {"field": f"levels.{first.pk}", "message": "정수를 입력하세요."}]


def test_submission_needs_every_level_and_reason_then_locks_and_shows_the_panel(
        evaluation, personas, submitted, api_for):
    first, second = evaluation.criteria
    other = submitted_sheet(evaluation.stage, submitted, UserFactory(), 70)
    client = api_for(personas.evaluator)
    incomplete = client.post(_url(evaluation.assignment, "/scoresheet/submit"), {"version": 1})
    assert incomplete.status_code == 422
    fields = {d["field"] for d in incomplete.json()["error"]["details"]}
    assert fields == {f"levels.{first.pk}", f"reasons.{first.pk}", f"levels.{second.pk}",
                      f"reasons.{second.pk}"}

    saved = client.put(_url(evaluation.assignment, "/scoresheet"), {
        "version": 1, "levels": {str(first.pk): 5, str(second.pk): 3},
        "reasons": {str(first.pk): REASON, str(second.pk): REASON}}).json()
    assert saved["panel"] == []  # independence: nothing of the others before one's own
    done = client.post(_url(evaluation.assignment, "/scoresheet/submit"),
                       {"version": saved["scoresheet"]["version"]})
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["scoresheet"]["status"] == "submitted" and body["scoresheet"]["total"]
    assert body["scoresheet"]["may_change"] is False
    assert body["may_see_panel"] is True
    assert [p["evaluator"] for p in body["panel"]] == ["Evaluator 1"]
    assert float(body["panel"][0]["total"]) == float(other.total) == 70

    locked = api_for(personas.evaluator, language="ko").put(
        _url(evaluation.assignment, "/scoresheet"),
        {"version": body["scoresheet"]["version"], "levels": {str(first.pk): 1}})
    assert locked.status_code == 409
    assert "제출" in locked.json()["error"]["message"]


def test_after_the_stage_ends_scores_are_locked(evaluation, personas, api_for):
    type(evaluation.stage).objects.filter(pk=evaluation.stage.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1))
    answer = api_for(personas.evaluator).put(_url(evaluation.assignment, "/scoresheet"),
                                             {"version": 1, "comment": "늦은 의견"})
    assert answer.status_code == 409
    assert "closed" in answer.json()["error"]["message"]


# --- operators: the ranking --------------------------------------------------------------------


def test_the_operator_reads_a_stages_ranking_without_conflicted_scores(
        evaluation, personas, submitted, api_for):
    conflicted = Scoresheet.objects.get(assignment=evaluation.conflicted_assignment)
    Scoresheet.objects.filter(pk=conflicted.pk).update(status="submitted", total=10)
    submitted_sheet(evaluation.stage, submitted, UserFactory(), 70)
    path = f"/api/v1/evaluation/stages/{evaluation.stage.pk}/ranking"
    body = api_for(personas.operator).get(path).json()
    assert body["measure"] == "trimmed_mean" and body["excluded_conflicted"] == 1
    [track] = body["tracks"]
    [row] = track["rows"]
    assert row["application_id"] == submitted.pk and row["place"] == "1"
    assert row["submitted"] == 1 and row["assigned"] == 2 and row["mean"] == 70
    assert api_for(personas.operator).get(f"{path}?by=normalised").json()["measure"] == (
        "normalised")
    assert api_for(personas.operator).get(f"{path}?by=median").status_code == 422
    for other in (personas.operator_b, personas.evaluator, personas.partner_a):
        assert api_for(other).get(path).status_code == 404


def test_the_ranking_costs_the_same_queries_for_one_or_several(evaluation, personas, world,
                                                               submitted):
    client = ApiClient(token_for(personas.operator))
    path = f"/api/v1/evaluation/stages/{evaluation.stage.pk}/ranking"
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    one = len(captured.captured_queries)
    for n in range(3):
        application = ApplicationFactory(track=world.track_b, status="submitted",
                                         applicant=OrganisationFactory(kind="startup"),
                                         exclusivity_key=f"rank:{n}")
        submitted_sheet(evaluation.stage, application, UserFactory(), 60 + n)
    with CaptureQueriesContext(connection) as captured:
        body = client.get(path).json()
    assert len(captured.captured_queries) == one
    assert sum(len(t["rows"]) for t in body["tracks"]) == 4
