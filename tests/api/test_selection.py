"""Selection through the API: a startup's results (only from the announcement instant), a
partner's tracks and a track's selection as the partner's or the operator's page (issue 17)."""

from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kbridge.selection.models import Selection, SelectionPolicy
from kbridge.selection.services import results as result_services
from tests.api.conftest import ApiClient, token_for
from tests.factories import MembershipFactory, TrackFactory
from tests.selection.world import decided

pytestmark = pytest.mark.django_db


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def test_before_the_announcement_the_result_says_only_when(world, personas, submitted, api_for):
    d = decided(world, personas, submitted, announced=False)
    answer = api_for(personas.startup_a_member).get(f"/api/v1/applications/{submitted.pk}/result")
    assert answer.status_code == 200
    body = answer.json()
    assert body["announced"] is False and body["decision"] is None
    assert body["criteria"] == [] and body["evaluator_reasons"] == []
    assert body["announcement_at"].startswith(
        d.policy.announcement_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"))
    assert api_for(personas.startup_a).get("/api/v1/selection/results").json()["count"] == 0


def test_after_the_announcement_the_result_has_the_decision_and_anonymous_reasons(
        world, personas, submitted, api_for):
    decided(world, personas, submitted)
    answer = api_for(personas.startup_a, language="ko").get(
        f"/api/v1/applications/{submitted.pk}/result")
    body = answer.json()
    decision = body["decision"]
    assert body["announced"] is True and decision["status"] == "selected"
    assert decision["status_label"] == "선정" and decision["award_krw"] == 200_000_000
    assert decision["band"]["key"] == "top10" and decision["ranked"] == 6
    assert decision["waitlist_position"] is None
    assert [c["title_ko"] for c in body["criteria"]] == ["시장성", "팀 역량"]
    assert [r["evaluator"] for r in body["evaluator_reasons"]] == [
        f"평가위원 {n}" for n in range(1, 6)]
    # Never an evaluator's name or address.
    assert "kaist" not in answer.content.decode() and personas.evaluator.full_name not in (
        answer.content.decode())


def test_another_startups_result_is_404(world, personas, submitted, api_for):
    d = decided(world, personas, submitted)
    assert api_for(personas.startup_b).get(
        f"/api/v1/applications/{submitted.pk}/result").status_code == 404
    assert api_for(personas.startup_a).get(
        f"/api/v1/applications/{d.applications[2].pk}/result").status_code == 404
    for other in (personas.operator, personas.partner_a, personas.evaluator):
        assert api_for(other).get(
            f"/api/v1/applications/{submitted.pk}/result").status_code == 404


def test_my_results_list_the_announced_outcomes_with_constant_queries(world, personas,
                                                                      submitted):
    d = decided(world, personas, submitted)
    client = ApiClient(token_for(personas.startup_a))
    client.get("/api/v1/selection/results")
    one = count_queries(client, "/api/v1/selection/results")
    body = client.get("/api/v1/selection/results").json()
    assert [r["application_id"] for r in body["items"]] == [submitted.pk]
    assert body["items"][0]["status"] == "selected"
    # The same person in three more startups: their results too, at the same cost.
    for application in d.applications[1:4]:
        MembershipFactory(organisation=application.applicant, user=personas.startup_a,
                          role="startup_member")
    assert count_queries(client, "/api/v1/selection/results") == one
    body = client.get("/api/v1/selection/results?status=waitlisted").json()
    assert body["count"] == 2 and {r["waitlist_position"] for r in body["items"]} == {1, 2}
    assert all(r["award_krw"] is None for r in body["items"])
    assert api_for_status(personas.operator, "/api/v1/selection/results") == 404


def api_for_status(user, path) -> int:
    return ApiClient(token_for(user)).get(path).status_code


def test_partners_list_their_own_tracks_with_constant_queries(world, personas, submitted):
    decided(world, personas, submitted)
    client = ApiClient(token_for(personas.partner_a))
    path = "/api/v1/selection/tracks"
    client.get(path)
    one = count_queries(client, path)
    body = client.get(path).json()
    ids = {t["id"] for t in body["items"]}
    assert ids == {world.track_a.pk, world.draft_track_a.pk}
    track_a = next(t for t in body["items"] if t["id"] == world.track_a.pk)
    assert track_a["selection"]["status"] == "confirmed"
    for _ in range(3):
        TrackFactory(call=world.call, partner=world.partner_a)
    assert count_queries(client, path) == one
    assert client.get(path).json()["count"] == 5
    assert {t["id"] for t in ApiClient(token_for(personas.partner_b)).get(path).json()[
        "items"]} == {world.track_b.pk}
    assert api_for_status(personas.operator, path) == 404
    assert api_for_status(personas.startup_a, path) == 404


def test_a_partner_sees_ranks_and_statuses_an_operator_also_awards(world, personas, submitted,
                                                                  api_for):
    d = decided(world, personas, submitted)
    result_services.record_interest(application=submitted, organisation=personas.partner_a_org,
                                    note="PoC 제안 예정", by=personas.partner_a)
    path = f"/api/v1/selection/tracks/{world.track_a.pk}"
    partner = api_for(personas.partner_a).get(path).json()
    assert [o["rank"] for o in partner["outcomes"]] == [1, 2, 3, 4, 5, 6]
    first = partner["outcomes"][0]
    assert first["application_id"] == submitted.pk and first["status"] == "selected"
    assert first["award_krw"] is None and first["reason"] is None
    assert first["your_interest"]["note"] == "PoC 제안 예정"
    operator = api_for(personas.operator).get(path).json()
    assert operator["outcomes"][0]["award_krw"] == 200_000_000
    assert operator["outcomes"][0]["your_interest"] is None
    assert api_for(personas.partner_b).get(path).status_code == 404
    assert api_for(personas.operator_b).get(path).status_code == 404
    assert api_for(personas.startup_a).get(path).status_code == 404

    # A draft selection: the partner's page shows no results yet; the operator's does.
    Selection.objects.filter(pk=d.selection.pk).update(status=Selection.Status.DRAFT)
    draft = api_for(personas.partner_a).get(path).json()
    assert draft["outcomes"] == [] and draft["selection"]["status"] == "draft"
    assert draft["selection"]["cutoff_score"] is None
    assert api_for(personas.operator).get(path).json()["selection"]["cutoff_score"] == "85.00"
    assert len(api_for(personas.operator).get(path).json()["outcomes"]) == 6


def test_a_result_turns_visible_at_the_announcement_instant(world, personas, submitted,
                                                            api_for):
    d = decided(world, personas, submitted, announced=False)
    client = api_for(personas.startup_a)
    path = f"/api/v1/applications/{submitted.pk}/result"
    assert client.get(path).json()["decision"] is None
    SelectionPolicy.objects.filter(pk=d.policy.pk).update(
        announcement_at=timezone.now() - timedelta(seconds=1))
    assert client.get(path).json()["decision"]["status"] == "selected"
