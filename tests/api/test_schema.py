"""The committed schema (docs/openapi.json) is the code's: CI fails when they differ."""

from kbridge.api.schema_file import DEFAULT_PATH, render_schema


def test_the_committed_schema_matches_the_code():
    assert DEFAULT_PATH.read_text(encoding="utf-8") == render_schema(), (
        "docs/openapi.json differs from the code: run `python -m kbridge api_schema`")


def test_the_served_schema_is_the_committed_one(client, db):
    """``GET /api/v1/openapi.json`` (docs/api.md) serves the same operations (it was a 500:
    the view reverses the API's root, whose pattern had been dropped)."""
    import json

    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200, answer.content[:300]
    served = answer.json()
    assert served["paths"].keys() == json.loads(DEFAULT_PATH.read_text("utf-8"))["paths"].keys()
    assert client.get("/api/v1/").json()["error"]["code"] == "not_found"
