"""The language switch always lands on a page that answers GET (issue 11, item 3).

The switch posts ``next`` to Django's ``set_language``, and the browser then GETs it. A page
rendered by a POST to a POST-only URL (a refused submission, an extension form with errors)
used to send ``next`` = that URL: "HTTP ERROR 405". Here every POST-only URL of the permission
matrix is POSTed to as every persona, and the ``next`` of every page that comes back (and of
the page the view would render) is fetched with GET (test_language_switch_matrix.py, in the
matrix's world); here, the pages that render after a refused POST.
"""

from __future__ import annotations

import html
import re

from tests.applications.conftest import draft, profile_a, questions  # noqa: F401 - fixtures

NEXT = re.compile(r'name="next" value="([^"]*)"')


def _switch_next(response) -> str | None:
    found = NEXT.search(response.content.decode()) if response.get(
        "Content-Type", "").startswith("text/html") else None
    return html.unescape(found.group(1)) if found else None


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
