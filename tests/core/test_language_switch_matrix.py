"""The language switch after a POST to every POST-only URL of the permission matrix, as every
persona, in the matrix's world (built once per module): the ``next`` of every page that comes
back, and of the page the view would render, answers GET (issue 11, item 3;
test_language_switch.py has the rest)."""

from __future__ import annotations

import html
import re

import pytest
from django.test import RequestFactory
from django.urls import resolve

from kbridge.core.language import switch_target
from tests.conftest import PERSONA_NAMES
from tests.test_permissions_matrix import (  # noqa: F401 - the matrix world's fixtures
    MATRIX,
    NOT_ALLOWED,
    as_persona,
    ids,
    matrix,
    personas,
)

# CI runs this sweep on PostgreSQL only (pyproject.toml, .ci/run): its verdict does not
# depend on the database.
pytestmark = pytest.mark.one_database

NEXT = re.compile(r'name="next" value="([^"]*)"')
# The URLs that refuse GET (for someone): a page a POST to them renders has no GET of its own.
POST_ONLY_ROWS = [(url, post) for url, get, post in MATRIX if NOT_ALLOWED in get.values()]


def test_the_matrix_has_post_only_urls():
    assert len(POST_ONLY_ROWS) >= 12


def _switch_next(response) -> str | None:
    found = NEXT.search(response.content.decode()) if response.get(
        "Content-Type", "").startswith("text/html") else None
    return html.unescape(found.group(1)) if found else None


@pytest.mark.parametrize(("url", "post"), POST_ONLY_ROWS, ids=[r[0] for r in POST_ONLY_ROWS])
def test_the_switch_after_a_post_only_url_answers_get(url, post, ids, personas, client):  # noqa: F811
    url = url.format(**ids)
    checked = []
    for name in PERSONA_NAMES:
        with as_persona(name, personas, client) as user:
            response = client.post(url, {})
            targets = []
            shown = _switch_next(response)
            if shown is not None:
                targets.append(("page", shown))
            if user is not None and response.status_code not in (404, 405):
                # The page this view would render (most redirect, but a refusal renders one).
                request = RequestFactory().post(url)
                request.user = user
                request.resolver_match = resolve(url.split("?")[0])
                targets.append(("view", switch_target(request)))
            for source, target in targets:
                assert target.startswith("/") and not target.startswith("//"), (name, target)
                status = client.get(target).status_code
                assert status in (200, 302), (name, source, target, status)
                checked.append(name)
    assert checked, "no persona reached a page of this URL"
