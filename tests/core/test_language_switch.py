"""The language switch always lands on a page that answers GET (issue 11, item 3).

The switch posts ``next`` to Django's ``set_language``, and the browser then GETs it. A page
rendered by a POST to a POST-only URL (a refused submission, an extension form with errors)
used to send ``next`` = that URL: "HTTP ERROR 405". Here every POST-only URL of the permission
matrix is POSTed to as every persona, and the ``next`` of every page that comes back (and of
the page the view would render) is fetched with GET.
"""

from __future__ import annotations

import html
import re

import pytest
from django.test import RequestFactory
from django.urls import resolve

from kbridge.core.language import switch_target
from tests.applications.conftest import draft, profile_a, questions  # noqa: F401 - fixtures
from tests.conftest import PERSONA_NAMES
from tests.test_permissions_matrix import (  # noqa: F401 - ids is a fixture
    MATRIX,
    NOT_ALLOWED,
    as_persona,
    ids,
)

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


def test_a_refused_submission_switches_to_the_edit_page(draft, personas, client):  # noqa: F811
    client.force_login(personas.startup_a)
    response = client.post(f"/applications/{draft.pk}/submit/",
                           {"version": draft.version, "declarations_present": "1"})
    assert response.status_code == 422
    assert _switch_next(response) == f"/applications/{draft.pk}/"
    switched = client.post("/i18n/setlang/", {"language": "en", "next": _switch_next(response)})
    assert switched.status_code == 302
    page = client.get(switched["Location"])
    assert page.status_code == 200
    assert '<html lang="en">' in page.content.decode()


def test_an_extension_with_errors_switches_to_the_list(world, personas, client):
    client.force_login(personas.operator)
    response = client.post(f"/manage/calls/{world.call.pk}/extensions/", {"applicant": "nobody"})
    assert response.status_code == 200
    assert _switch_next(response) == f"/manage/calls/{world.call.pk}/applications/"


def test_a_form_page_shown_again_switches_to_itself(personas, client):
    client.force_login(personas.startup_a)
    response = client.post("/startup/profile/?from=menu", {"name_ko": ""})
    assert _switch_next(response) == "/startup/profile/?from=menu"


def test_a_post_to_a_page_that_does_not_exist_for_you_switches_to_the_calls(
        draft, personas, client):  # noqa: F811
    client.force_login(personas.startup_b)
    response = client.post(f"/applications/{draft.pk}/submit/", {})
    assert response.status_code == 404
    assert _switch_next(response) == "/"
