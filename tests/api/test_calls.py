"""Public calls: what the call pages show, no token needed; drafts stay hidden."""

import pytest

from tests.api.conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db


def test_published_calls_are_listed_without_a_token_and_drafts_are_not(world):
    answer = ApiClient().get("/api/v1/calls")
    assert answer.status_code == 200
    body = answer.json()
    assert [c["id"] for c in body["items"]] == [world.call.pk] and body["count"] == 1
    call = body["items"][0]
    assert call["title_ko"] == world.call.title_ko and call["title"] == world.call.title_en
    assert {t["id"] for t in call["tracks"]} == {world.track_a.pk, world.track_b.pk}


def test_a_draft_call_is_404_to_the_public_and_visible_to_its_operator(world, personas):
    assert ApiClient().get(f"/api/v1/calls/{world.draft_call.pk}").status_code == 404
    operator = ApiClient(token_for(personas.operator))
    assert operator.get(f"/api/v1/calls/{world.draft_call.pk}").status_code == 200
    other_agency = ApiClient(token_for(personas.operator_b))
    assert other_agency.get(f"/api/v1/calls/{world.draft_call.pk}").status_code == 404


def test_the_title_follows_the_language(world):
    korean = ApiClient(language="ko").get(f"/api/v1/calls/{world.call.pk}").json()
    assert korean["title"] == world.call.title_ko


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "state=everything",
                                   "limit=abc"])
def test_bad_paging_or_filters_are_422_naming_the_parameter(world, query):
    answer = ApiClient().get(f"/api/v1/calls?{query}")
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"][0]["field"] == query.split("=")[0]


def test_the_list_is_paged(world):
    body = ApiClient().get("/api/v1/calls?limit=1&offset=1").json()
    assert body["count"] == 1 and body["items"] == []
