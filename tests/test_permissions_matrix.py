"""Every page × every persona (QUALITY bar 6): what a persona may not see answers 404.

Anonymous visitors are sent to sign in (302) on pages that need an account; signed-in users
without the right get 404, never 403, so they cannot learn that an object exists.
"""

from __future__ import annotations

import pytest

from tests.conftest import PERSONA_NAMES

OK, REDIRECT, NOT_FOUND = 200, 302, 404

# url template, then expected status per persona in PERSONA_NAMES order:
# operator, partner_a, partner_b, evaluator, startup_a, startup_b, anonymous
MATRIX = [
    ("/", [OK, OK, OK, OK, OK, OK, OK]),
    ("/calls/{call}/", [OK, OK, OK, OK, OK, OK, OK]),
    ("/calls/{draft_call}/", [OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND]),
    ("/dashboard/", [REDIRECT, REDIRECT, REDIRECT, OK, OK, OK, REDIRECT]),
    ("/audit/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/accounts/invitations/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/programs/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/programs/new/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/programs/{program}/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/programs/{program}/edit/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/programs/{program}/partners/add/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/programs/partners/{partner_a}/edit/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/programs/{program}/calls/new/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/programs/calls/{call}/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/programs/calls/{call}/edit/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/programs/calls/{call}/tracks/new/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/programs/tracks/{track_a}/edit/",
     [OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, REDIRECT]),
    ("/manage/programs/tracks/{track_b}/edit/",
     [OK, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, REDIRECT]),
    ("/manage/programs/tracks/{draft_track_a}/edit/",
     [OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, REDIRECT]),
    ("/manage/programs/partner/",
     [NOT_FOUND, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, REDIRECT]),
    # Matching (issue 4)
    ("/startup/recommendations/", [NOT_FOUND] * 4 + [OK, OK, REDIRECT]),
    ("/manage/discover/", [OK, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, REDIRECT]),
    ("/manage/tracks/{track_a}/applicants/",
     [OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, REDIRECT]),
    ("/manage/tracks/{track_b}/applicants/",
     [OK, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, REDIRECT]),
    # Applications (issue 3)
    ("/startup/profile/", [NOT_FOUND] * 4 + [OK, OK, REDIRECT]),
    ("/startup/members/", [NOT_FOUND] * 4 + [OK, OK, REDIRECT]),
    ("/applications/", [NOT_FOUND] * 4 + [OK, OK, REDIRECT]),
    ("/applications/{application}/",
     [REDIRECT, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, REDIRECT]),
    ("/applications/{application}/receipts/1/",
     [OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, REDIRECT]),
    ("/applications/{application}/files/{attachment}/download/",
     [OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, REDIRECT]),
    ("/manage/applications/{application}/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/calls/{call}/applications/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/calls/{call}/applications/?export=csv", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/calls/{call}/questions/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
]

CASES = [
    pytest.param(url, persona, expected[i], id=f"{url}-{persona}")
    for url, expected in MATRIX
    for i, persona in enumerate(PERSONA_NAMES)
]


def _url(template: str, world, application=None) -> str:
    return template.format(
        call=world.call.pk, draft_call=world.draft_call.pk, program=world.program.pk,
        partner_a=world.partner_a.pk, track_a=world.track_a.pk, track_b=world.track_b.pk,
        draft_track_a=world.draft_track_a.pk,
        application=application.pk if application else 0,
        attachment=application.attachments.first().pk if application else 0,
    )


@pytest.mark.parametrize(("url", "persona", "expected"), CASES)
def test_get(url, persona, expected, world, personas, client_for, request):
    application = request.getfixturevalue("submitted") if "{application}" in url else None
    response = client_for(personas.by_name(persona)).get(_url(url, world, application))
    assert response.status_code == expected
    if expected == REDIRECT and persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


POSTS = [
    ("/applications/{application}/autosave/",
     [NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, REDIRECT]),
    ("/applications/{application}/submit/",
     [NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, REDIRECT, NOT_FOUND, REDIRECT]),
    ("/applications/{application}/withdraw/",
     [NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, REDIRECT, NOT_FOUND, REDIRECT]),
    # The call is public: everyone is sent back to it, only a representative gets a draft.
    ("/applications/start/{track_a}/", [REDIRECT] * 7),
    # An invalid extension form comes back with what was typed (issue 9, input limits).
    ("/manage/calls/{call}/extensions/", [OK] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/calls/{call}/questions/standard/", [REDIRECT] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/programs/calls/{call}/publish/", [REDIRECT] + [NOT_FOUND] * 5 + [REDIRECT]),
    ("/manage/programs/tracks/{track_a}/edit/",
     [OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, REDIRECT]),
]


@pytest.mark.parametrize(
    ("url", "persona", "expected"),
    [pytest.param(u, p, e[i], id=f"POST {u}-{p}") for u, e in POSTS
     for i, p in enumerate(PERSONA_NAMES)],
)
def test_post(url, persona, expected, world, personas, client_for, request):
    # An empty POST: permitted users get the form back with errors (200) or a redirect,
    # everyone else must not learn anything (404) or must sign in first.
    application = request.getfixturevalue("submitted") if "{application}" in url else None
    response = client_for(personas.by_name(persona)).post(_url(url, world, application), {})
    assert response.status_code == expected


def test_operator_of_another_agency_cannot_see_the_program(world, client_for):
    from kbridge.accounts.models import Membership, Organisation
    from tests.factories import MembershipFactory, OrganisationFactory

    other = MembershipFactory(
        organisation=OrganisationFactory(kind=Organisation.Kind.OPERATOR, name_ko="다른 기관"),
        role=Membership.Role.OPERATOR,
    ).user
    client = client_for(other)
    assert client.get(f"/manage/programs/{world.program.pk}/").status_code == NOT_FOUND
    assert client.get(f"/manage/programs/tracks/{world.track_a.pk}/edit/").status_code == 404
    assert client.get(f"/calls/{world.draft_call.pk}/").status_code == NOT_FOUND
    assert client.get("/manage/programs/").status_code == OK
    assert world.program.name_ko not in client.get("/manage/programs/").content.decode()
