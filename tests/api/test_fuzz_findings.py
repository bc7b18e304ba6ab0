"""What the fuzzer found (tests/api/test_schemathesis.py), pinned as plain tests, and the error
responses that every operation of the schema declares without a line in its router."""

from __future__ import annotations

import json

import pytest

from kbridge.api.main import CleanParser
from kbridge.api.schema_file import render_schema
from kbridge.api.schemas import MAX_OFFSET

ERROR_REF = "#/components/schemas/ErrorOut"


def _schema():
    return json.loads(render_schema())


def _operations():
    for path, methods in _schema()["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


@pytest.mark.parametrize(("label", "operation"), list(_operations()),
                         ids=[label for label, _ in _operations()])
def test_every_operation_declares_its_errors_in_the_one_shape(label, operation):
    responses = operation["responses"]
    errors = {int(status) for status in responses if int(status) >= 400}
    assert {404, 429} <= errors, label
    if any(requirement for requirement in operation.get("security", [])):
        assert 401 in errors, label
    if operation["parameters"] or "requestBody" in operation or not label.startswith("GET"):
        assert 422 in errors, label
    if "application/json" in operation.get("requestBody", {}).get("content", {}):
        assert 400 in errors, label  # a body that is not JSON (a file upload has none)
    for status in errors:
        content = responses[str(status)]["content"]["application/json"]["schema"]
        assert content == {"$ref": ERROR_REF}, (label, status)


def test_scopes_decide_403_in_the_schema():
    schema = _schema()["paths"]
    assert "403" in schema["/api/v1/calls"]["get"]["responses"]  # TokenAuth("calls")
    assert "403" not in schema["/api/v1/me"]["get"]["responses"]  # any scope


def _error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == code
    return response.json()["error"]


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [MAX_OFFSET + 1, 655398962678512176070656, -1])
def test_an_offset_out_of_range_is_invalid_input(client, offset):
    error = _error(client.get("/api/v1/calls", {"offset": offset}), 422, "invalid")
    assert error["details"][0]["field"] == "offset"


@pytest.mark.django_db
def test_the_largest_offset_is_an_empty_page(client):
    response = client.get("/api/v1/calls", {"offset": MAX_OFFSET, "limit": 100})
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("call_id", ["99999999999999999999999999", "9223372036854775808", "0"])
def test_an_id_beyond_the_database_integers_is_not_found(client, call_id):
    _error(client.get(f"/api/v1/calls/{call_id}"), 404, "not_found")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/calls/", "/api/v1/nowhere", "/api/v1/calls/1/2",
                                  "/api/v1/calls/1/%00", "/api/v1/"])
def test_a_path_the_api_does_not_have_is_not_found_in_the_error_shape(client, path):
    _error(client.get(path, headers={"Accept-Language": "en"}), 404, "not_found")


@pytest.mark.django_db
def test_an_id_that_is_not_a_number_is_invalid_input_named_as_sent(client):
    error = _error(client.get("/api/v1/calls/abc"), 422, "invalid")
    assert error["details"][0]["field"] == "call_id"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "status", "call_id", "messages"), [
    ("ko", "soon", "1", ["다음 중 하나를 고르세요: 'open', 'upcoming', 'closed'."]),
    ("en", "soon", "1", ["Choose one of: 'open', 'upcoming', 'closed'."]),
    ("ko", "open", "x", ["정수를 입력하세요."]),
    ("en", "open", "x", ["Enter a whole number."]),
])
def test_invalid_input_is_explained_in_the_request_language(client, language, status,
                                                             call_id, messages):
    """Pydantic's own messages are English only; the API translates each by its type."""
    path = "/api/v1/calls" if call_id == "1" else f"/api/v1/calls/{call_id}"
    error = _error(client.get(path, {"state": status}, headers={"Accept-Language": language}),
                   422, "invalid")
    assert [d["message"] for d in error["details"]] == messages


@pytest.mark.parametrize(("error", "message"), [
    ({"type": "string_too_long", "ctx": {"max_length": 200}}, "200자 이하로 입력하세요."),
    ({"type": "less_than_equal", "ctx": {"le": 9007199254740992}},
     "9007199254740992 이하의 숫자를 입력하세요."),
    ({"type": "missing"}, "필수 항목입니다."),
    ({"type": "a_type_pydantic_adds_later"}, "올바른 값이 아닙니다."),
    ({"type": "string_too_long", "ctx": {}}, "올바른 값이 아닙니다."),  # ctx without the limit
])
def test_every_pydantic_error_type_has_a_korean_sentence(error, message):
    from django.utils import translation

    from kbridge.api.errors import pydantic_message

    with translation.override("ko"):
        assert pydantic_message(error) == message


def test_service_and_form_errors_are_named_as_the_json_names_them():
    from django.core.exceptions import ValidationError

    from kbridge.api.errors import details_of

    assert details_of(ValidationError({"partner": ["x"], "__all__": ["y"]}),
                      {"partner": "partner_id"}) == [
        {"field": "partner_id", "message": "x"}, {"field": "", "message": "y"}]
    assert details_of(ValidationError("z")) == [{"field": "", "message": "z"}]
    assert details_of({"amount_krw": ["w"], "__all__": ["v"]}, prefix="investments.0.") == [
        {"field": "investments.0.amount_krw", "message": "w"},
        {"field": "investments.0", "message": "v"}]


@pytest.mark.django_db
def test_head_answers_as_get_without_a_body(client):
    """RFC 9110: a server that supports GET supports HEAD (it was 405)."""
    got = client.get("/api/v1/calls")
    head = client.head("/api/v1/calls")
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] == got["Content-Type"]
    assert head["Content-Length"] == str(len(got.content))  # what GET would send
    assert client.head("/api/v1/me").status_code == 401  # the same authentication
    assert client.head("/api/v1/calls/abc").status_code == 422
    assert client.head("/api/v1/nowhere").status_code == 404


@pytest.mark.django_db
def test_a_method_the_path_does_not_have_is_405_in_the_error_shape(client):
    error = _error(client.delete("/api/v1/calls", headers={"Accept-Language": "en"}), 405,
                   "method_not_allowed")
    assert "DELETE" in error["message"]
    response = client.post("/api/v1/me", "{}", content_type="application/json")
    _error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["open%00", "op%E2%80%AEen", "%ED%A0%80", "%00%00", "%FF",
                                   "open&state=closed", "%F0%9F%98%80" * 500])
def test_odd_bytes_in_the_query_are_never_a_server_error(client, query):
    response = client.get(f"/api/v1/calls?state={query}&limit=1%00")
    assert response.status_code in (200, 422)
    if query == "open%00":  # cleaned as the web's forms clean: NUL removed
        assert response.status_code == 200


@pytest.mark.parametrize("body", ["[null, null]", "5", '"text"', "null", "{", "\x00"])
def test_a_body_that_is_not_a_json_object_is_refused(rf, body):
    request = rf.post("/", body, content_type="application/json")
    with pytest.raises(ValueError):  # ninja answers 400 (errors.http_error: bad_request)
        CleanParser().parse_body(request)


def test_the_parser_cleans_bodies_and_queries_like_the_forms(rf):
    request = rf.post("/", json.dumps({"name\x00": ["a\x00b", {"c": "\u202ed\r\ne"}], "n": 5}),
                      content_type="application/json")
    assert CleanParser().parse_body(request) == {"name": ["ab", {"c": "d\ne"}], "n": 5}
    query = rf.get("/", {"q": "x\x00y", "many": ["1\x00", "2"]}).GET
    assert CleanParser().parse_querydict(query, ["many"], None) == {"q": "xy",
                                                                     "many": ["1", "2"]}


@pytest.mark.parametrize(("first", "second"), [
    # Found by fuzzing the merged areas: applications' and events' ``QuestionOut`` shared one
    # component, so the applications' answers 'violated' the events' schema.
    (("QuestionOut", "text", ""), ("QuestionOut", "label", "")),
    # A tester's find: the draft's and the scoresheet's ``SubmitIn`` (same field, other
    # description) shared one, so a draft's version read "The scoresheet version to submit".
    (("SubmitIn", "version", "draft"), ("SubmitIn", "version", "scoresheet")),
], ids=["other fields", "other descriptions"])
def test_two_different_schemas_of_one_name_are_refused(first, second):
    from ninja import Field, Router, Schema
    from ninja.errors import ConfigError

    from kbridge.api.main import KBridgeAPI

    api = KBridgeAPI(urls_namespace=f"test-duplicates-{first[0]}")
    for prefix, (name, field, description) in (("/a", first), ("/b", second)):
        schema = type(name, (Schema,), {"__annotations__": {field: str},
                                        field: Field("", description=description)})
        router = Router()
        router.get("/x", response=schema)(lambda request: {})
        api.add_router(prefix, router)
    with pytest.raises(ConfigError, match=first[0]):
        api.get_openapi_schema(path_prefix="/x")


@pytest.mark.django_db
def test_a_body_over_djangos_limit_is_400_not_500(personas, api_for, settings):
    """Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE; ninja's parse raised
    it as a 500 (a tester's 20 MB draft)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    client = api_for(personas.startup_a)
    answer = client.patch("/api/v1/startup/profile", {"description_ko": "가" * 3000})
    error = _error(answer, 400, "bad_request")
    assert "2.0" in error["message"]  # the limit, as people read it


@pytest.mark.django_db
def test_a_value_no_branch_of_a_union_takes_is_one_detail_on_the_field_sent(personas,
                                                                              api_for):
    """``amount_krw: int | str`` given 1.5: pydantic reports each branch under a type name
    (``amount_krw.int``, ``amount_krw.str``) that the client never sent (a tester's find)."""
    answer = api_for(personas.partner_a, language="ko").post("/api/v1/collaborations", {
        "partner_id": 1, "startup_id": 1, "kind": "poc", "title": "PoC", "amount_krw": 1.5,
        "investments": [{"round": "seed"}]})
    error = _error(answer, 422, "invalid")
    assert error["details"] == [{"field": "amount_krw",
                                 "message": "정수를 입력하세요. / 문자열을 입력하세요."}]
    answer = api_for(personas.partner_a).put("/api/v1/reports/1", {
        "investments": [{"round": "seed", "amount_krw": 2.5, "investor": "A",
                         "closed_on": "2026-01-01"}]})
    fields = [d["field"] for d in answer.json()["error"]["details"]]
    assert fields == ["investments.0.amount_krw"]
    # An object where a number or text belongs: still the field sent (a second tester's find).
    answer = api_for(personas.partner_a).put("/api/v1/reports/1", {
        "investments": [{"round": "seed", "amount_krw": {"a": 1}, "investor": "A",
                         "closed_on": "2026-01-01"}]})
    assert [d["field"] for d in answer.json()["error"]["details"]] == [
        "investments.0.amount_krw"]
    # A field left out is named, inside a row too.
    answer = api_for(personas.partner_a).put("/api/v1/reports/1", {
        "investments": [{"amount_krw": 1, "investor": "A", "closed_on": "2026-01-01"}]})
    assert [d["field"] for d in answer.json()["error"]["details"]] == ["investments.0.round"]
