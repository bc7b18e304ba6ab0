"""The OpenAPI schema as committed text (``docs/openapi.json``): deterministic, English."""

from __future__ import annotations

import json
from pathlib import Path

from django.utils import translation

#: docs/openapi.json of the checkout (src/kbridge/api/ → the repository's root).
DEFAULT_PATH = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def render_schema() -> str:
    """The schema as sorted JSON with a final newline (generated in English)."""
    from kbridge.api.main import api

    with translation.override("en"):
        schema = api.get_openapi_schema(path_prefix="/api/v1")
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
