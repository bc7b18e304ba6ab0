"""The committed schema (docs/openapi.json) is the code's: CI fails when they differ."""

from kbridge.api.schema_file import DEFAULT_PATH, render_schema


def test_the_committed_schema_matches_the_code():
    assert DEFAULT_PATH.read_text(encoding="utf-8") == render_schema(), (
        "docs/openapi.json differs from the code: run `python -m kbridge api_schema`")
