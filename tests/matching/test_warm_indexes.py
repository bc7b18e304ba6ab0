"""Ranking pages reuse the process's analyser and indexes, and never serve a stale index."""

from __future__ import annotations

import kiwipiepy
import pytest

from kbridge.engine.matching import text
from kbridge.matching.selectors import INDEXES
from tests.factories import (
    ApplicationFactory,
    OrganisationFactory,
    StartupProfileFactory,
    UserFactory,
)


@pytest.fixture
def constructions(monkeypatch):
    """Forget the process's analyser and Kiwi; count the ones built from now on."""
    counts = {"analyzer": 0, "kiwi": 0}
    real_init, real_kiwi = text.Analyzer.__init__, kiwipiepy.Kiwi

    def counting_init(self, *args, **kwargs):
        counts["analyzer"] += 1
        real_init(self, *args, **kwargs)

    def counting_kiwi(*args, **kwargs):
        counts["kiwi"] += 1
        return real_kiwi(*args, **kwargs)

    monkeypatch.setattr(text.Analyzer, "__init__", counting_init)
    monkeypatch.setattr(kiwipiepy, "Kiwi", counting_kiwi)
    monkeypatch.setattr(text, "_KIWI", None, raising=False)
    monkeypatch.setattr(text, "_DEFAULT", None, raising=False)
    return counts


def _startup(name_ko, description_ko, *, discoverable=True):
    org = OrganisationFactory(kind="startup", name_ko=name_ko, name_en=name_ko,
                              description_ko=description_ko, description_en="")
    StartupProfileFactory(organisation=org, representative=UserFactory(),
                          technology_keywords=[], discoverable=discoverable)
    return org


@pytest.fixture
def startups(db):
    return {"chips": _startup("엣지칩스", "저전력 NPU 반도체를 설계합니다."),
            "bio": _startup("바이오랩", "단백질 구조 예측으로 항체를 설계합니다.")}


@pytest.mark.parametrize("page", ["recommendations", "applicants", "discover"])
def test_two_requests_build_the_analyser_and_kiwi_once(page, constructions, world, personas,
                                                       startups, client_for):
    ApplicationFactory(track=world.track_a, applicant=startups["chips"], status="submitted")
    user, url = {
        "recommendations": (personas.startup_a, "/startup/recommendations/"),
        "applicants": (personas.operator, f"/manage/tracks/{world.track_a.pk}/applicants/"),
        "discover": (personas.partner_a, "/manage/discover/?q=반도체 설계"),
    }[page]
    client = client_for(user)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["ranked"].matches
    assert constructions == {"analyzer": 1, "kiwi": 1}
    assert INDEXES.builds == 1  # the second request reused the first one's index
    if page != "recommendations":  # open tracks are few and read every time
        assert INDEXES.loads == 1  # ... and did not even read the documents again


def test_a_saved_but_unchanged_profile_reads_the_documents_but_keeps_the_index(
        startups, personas, client_for):
    client = client_for(personas.partner_a)
    url = "/manage/discover/?q=반도체"
    client.get(url)
    startups["bio"].save()  # a new updated_at: the stamp moves, the text does not
    client.get(url)
    assert (INDEXES.loads, INDEXES.builds) == (2, 1)


def _lexical_of(ranked, org):
    return {m.doc_id: m.lexical for m in ranked.matches}[f"startup:{org.pk}"]


def test_index_is_reused_then_rebuilt_when_a_profile_changes(startups, personas, client_for):
    client = client_for(personas.partner_a)
    url = "/manage/discover/?q=양자 컴퓨팅"
    first = client.get(url).context["ranked"]
    second = client.get(url).context["ranked"]
    assert INDEXES.builds == 1
    assert _lexical_of(first, startups["bio"]) == _lexical_of(second, startups["bio"]) == 0

    bio = startups["bio"]
    bio.description_ko = "양자 컴퓨팅으로 단백질 구조를 예측합니다."
    bio.save()
    after = client.get(url).context["ranked"]
    assert INDEXES.builds == 2
    assert after.matches[0].doc_id == f"startup:{bio.pk}"
    assert _lexical_of(after, bio) > 0


def test_applicants_index_follows_a_changed_answer_and_a_new_applicant(world, startups, personas,
                                                                       client_for):
    ApplicationFactory(track=world.track_a, applicant=startups["chips"], status="submitted")
    client = client_for(personas.operator)
    url = f"/manage/tracks/{world.track_a.pk}/applicants/"
    assert len(client.get(url).context["ranked"].matches) == 1
    client.get(url)
    assert INDEXES.builds == 1
    ApplicationFactory(track=world.track_a, applicant=startups["bio"], status="submitted")
    assert len(client.get(url).context["ranked"].matches) == 2
    assert INDEXES.builds == 2


def test_hidden_profile_disappears_from_search_on_the_next_request(startups, personas,
                                                                    client_for):
    client = client_for(personas.partner_a)
    url = "/manage/discover/?q=반도체"
    ids = {m.doc_id for m in client.get(url).context["ranked"].matches}
    assert f"startup:{startups['chips'].pk}" in ids
    profile = startups["chips"].profile
    profile.discoverable = False
    profile.save()
    ids = {m.doc_id for m in client.get(url).context["ranked"].matches}
    assert f"startup:{startups['chips'].pk}" not in ids


def test_a_cold_process_reads_the_analysis_instead_of_running_kiwi(startups, personas,
                                                                   client_for, monkeypatch):
    from kbridge.engine.matching import LexicalIndex
    from kbridge.matching.models import Analysis

    client = client_for(personas.partner_a)
    url = "/manage/discover/?q=반도체"
    first = [m.doc_id for m in client.get(url).context["ranked"].matches]
    assert Analysis.objects.count() == 2  # one row per distinct profile text

    INDEXES.clear()  # a new worker process: nothing warm, the database is shared

    def no_analysis(self, document):
        raise AssertionError(f"{document.id} analysed again")

    monkeypatch.setattr(LexicalIndex, "field_terms", no_analysis)
    assert [m.doc_id for m in client.get(url).context["ranked"].matches] == first
    assert INDEXES.builds == 1


def test_a_gunicorn_worker_is_warm_before_its_first_request(world, startups, personas,
                                                            client_for, caplog):
    import logging

    from kbridge import gunicorn_conf

    ApplicationFactory(track=world.track_a, applicant=startups["chips"], status="submitted")

    class Worker:  # what gunicorn passes to the hook: the worker, with its logger
        log = logging.getLogger("gunicorn.error")

    with caplog.at_level(logging.INFO, logger="gunicorn.error"):
        gunicorn_conf.post_worker_init(Worker())
    assert f"applicants:{world.track_a.pk}=1" in caplog.text
    assert "discoverable=2" in caplog.text
    loads, builds = INDEXES.loads, INDEXES.builds
    assert builds == 2
    client_for(personas.operator).get(f"/manage/tracks/{world.track_a.pk}/applicants/")
    client_for(personas.partner_a).get("/manage/discover/?q=반도체")
    assert (INDEXES.loads, INDEXES.builds) == (loads, builds)  # nothing read or built again
