"""The alliance's pages: my alliances, joining, the directory (filters and ranked search),
a member's profile and its editing, leaving, the operators' members page."""

from __future__ import annotations

import pytest

from kbridge.alliance.models import AllianceMember
from kbridge.core.models import AuditLog
from tests.alliance.world import member
from tests.factories import OrganisationFactory

Status, Kind = AllianceMember.Status, AllianceMember.Kind
pytestmark = pytest.mark.django_db


def _directory(client, agency, **params):
    return client.get(f"/alliance/{agency.pk}/directory/", params)


def test_an_empty_profile_form_saves_an_unlisted_profile(alliance, personas, client_for):
    response = client_for(personas.startup_a).post(
        f"/alliance/members/{alliance.member_a.pk}/edit/", {})
    assert response.status_code == 302
    alliance.member_a.refresh_from_db()
    assert alliance.member_a.listed is False
    assert AuditLog.objects.filter(action="alliance.member_profile_changed").count() == 1


def test_listing_needs_a_headline_and_nothing_typed_is_lost(alliance, personas, client_for):
    client = client_for(personas.partner_admin)
    response = client.post(f"/alliance/members/{alliance.member_partner_a.pk}/edit/",
                           {"listed": "on", "description_en": "GPT API credits for members",
                            "technologies": "LLM, agents"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "GPT API credits for members" in html and "LLM, agents" in html
    alliance.member_partner_a.refresh_from_db()
    assert alliance.member_partner_a.listed is False


def test_the_directory_lists_listed_members_in_the_page_language(alliance, personas, client_for):
    client = client_for(personas.partner_a)
    html = _directory(client, personas.operator_org).content.decode()
    assert "뉴로칩스" in html and "엣지 디바이스용 저전력 NPU" in html
    assert "오픈AI" not in html  # OpenAI is a member, but not listed
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = _directory(client, personas.operator_org).content.decode()
    assert "Neuro Chips" in html and "Low-power NPUs for edge devices" in html
    # Only the Korean description exists: shown, marked as Korean.
    assert "1와트 이하로" in html and "lang-fallback" in html


def test_the_directory_filters_by_sector_and_technology(alliance, personas, client_for):
    deep = member(personas.operator_org, personas.startup_b_org, listed=True, sectors=["health"],
                  technologies=["Protein design"], headline_en="Drug discovery")
    client = client_for(personas.operator)
    page = _directory(client, personas.operator_org, sector="health").content.decode()
    assert f'data-member="{deep.pk}"' in page and f'data-member="{alliance.member_a.pk}"' not in page
    page = _directory(client, personas.operator_org, technology="npu").content.decode()
    assert f'data-member="{alliance.member_a.pk}"' in page and f'data-member="{deep.pk}"' not in page
    # An unknown sector is ignored rather than an error.
    assert _directory(client, personas.operator_org, sector="<x>").status_code == 200
    assert "Protein design" in page or "Protein design" in _directory(
        client, personas.operator_org).content.decode()


def test_free_text_search_is_ranked_by_the_matching_engine_from_cached_vectors(
        alliance, personas, client_for, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from kbridge.matching.tasks import warm_search

    deep = member(personas.operator_org, personas.startup_b_org, listed=True, sectors=["health"],
                  headline_en="Drug discovery with protein language models",
                  description_en="We design proteins for new antibiotics.")
    client = client_for(personas.startup_a)

    def search(text: str) -> str:
        # The first answer ranks by keywords and queues the task that caches the vectors (the
        # page never runs the model); once the worker ran it, the page ranks semantically.
        with django_capture_on_commit_callbacks(execute=True):
            first = _directory(client, personas.operator_org, q=text).content.decode()
        assert "키워드 기준으로" in first
        for row in DBTaskResult.objects.filter(task_path__endswith="warm_search"):
            warm_search.func(*row.args_kwargs["args"])
        DBTaskResult.objects.all().delete()
        html = _directory(client, personas.operator_org, q=text).content.decode()
        assert "키워드 기준으로" not in html
        return html

    html = search("단백질 신약 개발")
    assert html.index(f'data-member="{deep.pk}"') < html.index(
        f'data-member="{alliance.member_a.pk}"')
    assert 'class="fit"' in html
    html = search("low-power chips for on-device inference")
    assert html.index(f'data-member="{alliance.member_a.pk}"') < html.index(
        f'data-member="{deep.pk}"')


def test_a_vague_search_asks_for_words(alliance, personas, client_for):
    html = _directory(client_for(personas.startup_a), personas.operator_org,
                      q="AI 플랫폼").content.decode()
    assert 'role="status"' in html


def test_the_directory_is_paginated(alliance, personas, client_for):
    from kbridge.alliance.selectors_members import PER_PAGE

    for n in range(PER_PAGE):
        member(personas.operator_org, OrganisationFactory(kind="startup", name_ko=f"가{n:03d}"),
               listed=True)
    client = client_for(personas.operator)
    first = _directory(client, personas.operator_org).content.decode()
    second = _directory(client, personas.operator_org, page=2).content.decode()
    assert first.count('data-member="') == PER_PAGE and second.count('data-member="') == 1


def test_my_alliances_offers_joining_and_an_invitation(world, personas, client_for):
    client = client_for(personas.partner_admin)
    html = client.get("/alliance/").content.decode()
    assert f"/alliance/{personas.operator_org.pk}/join/{personas.partner_a_org.pk}/" in html
    response = client.post(f"/alliance/{personas.operator_org.pk}/join/"
                           f"{personas.partner_a_org.pk}/")
    assert response.status_code == 302
    joined = AllianceMember.objects.get(organisation=personas.partner_a_org)
    assert (joined.kind, joined.status) == (Kind.PARTNER, Status.ACTIVE)
    # Now a member: its directory, and no join button any more.
    html = client.get("/alliance/").content.decode()
    assert f"/alliance/{personas.operator_org.pk}/directory/" in html
    assert f"/join/{personas.partner_a_org.pk}/" not in html


def test_an_operator_invites_an_attendee_and_its_representative_accepts(
        world, personas, client_for):
    from tests.events.world import BRN_B, make_event, register

    register(make_event(world), personas.startup_b_org, personas.startup_b, brn=BRN_B)
    operator = client_for(personas.operator)
    url = f"/manage/alliance/{personas.operator_org.pk}/members/"
    assert "딥랩스" in operator.get(url).content.decode()
    assert operator.post(url, {"organisation": personas.startup_b_org.pk}).status_code == 302
    invited = AllianceMember.objects.get(organisation=personas.startup_b_org)
    assert invited.status == Status.INVITED

    startup = client_for(personas.startup_b)
    html = startup.get("/alliance/").content.decode()
    assert f"/alliance/{personas.operator_org.pk}/join/{personas.startup_b_org.pk}/" in html
    startup.post(f"/alliance/{personas.operator_org.pk}/join/{personas.startup_b_org.pk}/")
    invited.refresh_from_db()
    assert invited.status == Status.ACTIVE
    # A startup the agency has never seen is not offered.
    stranger = OrganisationFactory(kind="startup", name_ko="모르는회사")
    operator = client_for(personas.operator)
    assert "모르는회사" not in operator.get(url).content.decode()
    assert operator.post(url, {"organisation": stranger.pk}).status_code == 200


def test_a_second_agency_sees_nothing_of_kiseds_alliance(alliance, personas, client_for):
    client = client_for(personas.operator_b)
    assert _directory(client, personas.operator_org).status_code == 404
    assert client.get(f"/alliance/members/{alliance.member_a.pk}/").status_code == 404
    assert client.get(f"/manage/alliance/{personas.operator_org.pk}/members/").status_code == 404
    # Its own (empty) alliance works.
    assert _directory(client, personas.operator_b_org).status_code == 200


def test_a_member_that_left_loses_the_directory(alliance, personas, client_for):
    client = client_for(personas.startup_a)
    response = client.post(f"/alliance/members/{alliance.member_a.pk}/leave/")
    assert response.status_code == 302
    assert _directory(client, personas.operator_org).status_code == 404
    assert _directory(client_for(personas.partner_a), personas.operator_org).content.decode() \
        .count('data-member="') == 0


def test_the_technology_menu_is_in_alphabetical_order(alliance, personas, client_for):
    """The menu reads alphabetically, whatever is used most (issue 16's tester)."""
    from kbridge.alliance.selectors_members import technology_options

    member(personas.operator_org, personas.startup_b_org, listed=True,
           technologies=["Robotics", "로봇", "agents", "NPU"], headline_en="Robots")
    options = technology_options(personas.operator_org)
    assert options == sorted(options, key=str.casefold) and "agents" in options
