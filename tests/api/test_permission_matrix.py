"""Every API operation × every persona (issue 17): 0 unexpected 2xx.

The same world as the web's matrix (tests/test_permissions_matrix.py, built once per module).
Each persona calls with a token of **every** area and write scope, so only the permission
predicates decide (the scopes have their own tests); anonymous calls with no token.

Each row names the operation with a concrete path (ids from the matrix world) and the personas
that get **through** (2xx, or for a write a 409/422 refusal of the payload or state). Everyone
else must get 401 (anonymous) or 404 (signed in: what one may not see does not exist), never
403 and never 2xx. ``test_every_operation_is_in_the_matrix`` fails when an operation of the
schema has no row.
"""

# ruff: noqa: F811  (the matrix world's fixtures are imported to shadow tests/conftest.py's)
from __future__ import annotations

import json
import re

import pytest
from django.db import transaction
from django.test import Client

from kbridge.api.models import AREAS
from kbridge.api.schema_file import DEFAULT_PATH
from kbridge.api.services import create_token
from tests.api.matrix_rows import all_rows
from tests.conftest import PERSONA_NAMES
from tests.test_permissions_matrix import (  # noqa: F401
    evaluation,
    ids,
    matrix,
    personas,
    submitted,
    world,
)

# CI runs this sweep on PostgreSQL only (pyproject.toml, .ci/run): its verdict does not
# depend on the database.
pytestmark = pytest.mark.one_database

THROUGH_WRITE = {409, 422}  # a permitted write refused for its payload or the object's state

# (method, path with {ids}, JSON body or None, personas that get through): one module per
# area in tests/api/matrix_rows/.
API_MATRIX: list[tuple[str, str, dict | None, set[str]]] = all_rows()
ALL = set(PERSONA_NAMES)


def _schema_operations() -> set[tuple[str, str]]:
    schema = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    return {(method.upper(), path) for path, methods in schema["paths"].items()
            for method in methods}


def _template_of(path: str, operations) -> tuple[str, str] | None:
    for _method, template in operations:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template
    return None


def test_every_operation_is_in_the_matrix(ids):
    operations = _schema_operations()
    listed = set()
    for method, path, _body, _through in API_MATRIX:
        concrete = path.format(**ids).split("?")[0]
        template = _template_of(concrete, [op for op in operations if op[0] == method])
        assert template is not None, f"{method} {path}: no such operation in the schema"
        listed.add((method, template))
    assert operations - listed == set()


def _tokens(personas) -> dict[str, str | None]:
    scopes = dict.fromkeys(AREAS, "write")
    return {name: (create_token(user=personas.by_name(name), name="matrix", scopes=scopes)[1]
                   if name != "anonymous" else None) for name in PERSONA_NAMES}


@pytest.mark.parametrize(("method", "path", "body", "through"), API_MATRIX,
                         ids=[f"{row[0]} {row[1]}" for row in API_MATRIX])
def test_operation(method, path, body, through, ids, personas, settings):
    settings.KBRIDGE_THROTTLE_RATES = {**settings.KBRIDGE_THROTTLE_RATES,
                                       "api-token": "100000/m", "api-anonymous": "100000/m"}
    tokens = _tokens(personas)
    url = path.format(**ids)
    got = {}
    for name in PERSONA_NAMES:
        headers = {"Authorization": f"Bearer {tokens[name]}"} if tokens[name] else {}
        sid = transaction.savepoint()
        try:
            response = Client().generic(method, url, json.dumps(body or {}) if method != "GET"
                                        else "", content_type="application/json",
                                        headers=headers)
        finally:
            transaction.savepoint_rollback(sid)
        got[name] = response.status_code
    passed = {name for name, status in got.items()
              if 200 <= status < 300 or (method != "GET" and status in THROUGH_WRITE)}
    assert passed == through, got
    for name in ALL - through:
        # Anonymous: 401 where a token is needed, 404 on a public operation's hidden object.
        assert got[name] in ((401, 404) if name == "anonymous" else (404,)), (name, got)
