"""The applicant's result page and the public results page (issue 14, item 4), in Korean and
English: nothing of the outcome before the announcement instant, everything the applicant
needs to understand and challenge it after, evaluators anonymised; the public page names only
consenting selected startups."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils.html import escape

from kbridge.core.models import AuditLog
from kbridge.evaluation.models import Conflict, Scoresheet
from kbridge.selection.models import Outcome
from tests.selection.world import decided as make_decided

SECOND = dt.timedelta(seconds=1)


def _get(client, url, lang="ko"):
    return client.get(url, HTTP_ACCEPT_LANGUAGE=lang)


def _page(client, url, lang="ko") -> str:
    response = _get(client, url, lang)
    assert response.status_code == 200
    return response.content.decode()


# What would give the outcome of startup A's application away: its status, its score, its
# award, the cut-off and the band.
OUTCOME_MARKERS = ["90.00", "85.00", "200,000,000", "상위 10 %", "Top 10 %", "data-result=\"selected\"",
                   "평가위원 1", "Evaluator 1"]


def test_before_the_announcement_the_page_gives_only_the_instant(world, personas, submitted,
                                                                 client_for):
    d = make_decided(world, personas, submitted, announced=False)
    client = client_for(personas.startup_a)
    url = f"/applications/{submitted.pk}/result/"
    ko, en = _page(client, url), _page(client, url, "en")
    assert "결과는" in ko and "발표됩니다" in ko
    assert "The results will be announced on" in en
    for html in (ko, en):
        assert all(marker not in html for marker in OUTCOME_MARKERS)
    # …nor on the dashboard, the my-data page and its export.
    for path in ("/dashboard/", "/accounts/my-data/", "/accounts/my-data/export/"):
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert all(marker.encode() not in body for marker in ("90.00", "200,000,000", "85.00"))
    assert d.outcomes[0].status == "selected"


def test_the_result_appears_at_the_announcement_instant(world, personas, submitted, client_for):
    d = make_decided(world, personas, submitted, announced=False)
    url = f"/applications/{submitted.pk}/result/"
    # Signed in at each instant (a day later the idle session would have expired).
    with time_machine.travel(d.policy.announcement_at - SECOND, tick=False):
        assert 'data-result="pending"' in _page(client_for(personas.startup_a), url)
    with time_machine.travel(d.policy.announcement_at + SECOND, tick=False):
        assert 'data-result="selected"' in _page(client_for(personas.startup_a), url)


def test_the_selected_applicant_reads_decision_scores_band_and_reasons_in_korean(
        decided, personas, submitted, client_for):
    html = _page(client_for(personas.startup_a_member), f"/applications/{submitted.pk}/result/")
    assert 'data-result="selected"' in html and "트랙의 선정 규모 안에 들었습니다." in html
    assert "200,000,000" in html                       # the award
    assert "90.00 / 100" in html and "85.00 / 100" in html  # final score and cut-off
    assert 'data-band="top10"' in html and "상위 10 %" in html
    assert "시장성" in html and "팀 역량" in html and "37.50 / 50" in html
    assert all(f"평가위원 {n}" in html for n in range(1, 6)) and "평가위원 6" not in html
    for evaluator in decided.evaluators:                  # never named
        assert evaluator.email not in html and escape(evaluator.full_name) not in html
    assert f'href="/applications/{submitted.pk}/appeal/"' in html
    assert f'href="/applications/{submitted.pk}/agreement/"' in html


def test_the_result_page_in_english(decided, personas, submitted, client_for):
    html = _page(client_for(personas.startup_a), f"/applications/{submitted.pk}/result/", "en")
    assert "Ranked within the places of the track." in html and "Top 10 %" in html
    assert "Market" in html and "Evaluator 5" in html
    assert "Show our company&#x27;s name on the public results page" in html


def test_a_waitlisted_applicant_reads_the_position_without_agreement_or_consent(
        decided, client_for):
    waitlisted = decided.applications[2]
    rep = waitlisted.applicant.memberships.get(role="startup_rep").user
    html = _page(client_for(rep), f"/applications/{waitlisted.pk}/result/", "en")
    assert 'data-result="waitlisted"' in html and "Waitlist position" in html
    assert 'data-band="25-50"' in html and "Top 25–50 %" in html
    assert "/agreement/" not in html and "public results page" not in html
    assert f"/applications/{waitlisted.pk}/appeal/" in html


def test_a_conflicted_evaluator_is_not_on_the_page(decided, submitted, personas, client_for):
    conflicted = decided.evaluators[2]
    sheet = Scoresheet.objects.get(assignment__application=submitted,
                                   assignment__evaluator=conflicted,
                                   assignment__stage=decided.stage)
    sheet.scores.update(reason="편향된 의견입니다. 이 평가는 반영되면 안 됩니다.")
    Conflict.objects.create(evaluator=conflicted, application=submitted, source="declared",
                            detail="former employee")
    html = _page(client_for(personas.startup_a), f"/applications/{submitted.pk}/result/")
    assert "편향된 의견입니다" not in html
    assert "평가위원 4" in html and "평가위원 5" not in html


def test_the_representative_consents_and_the_member_cannot(decided, personas, submitted,
                                                           client_for):
    url = f"/applications/{submitted.pk}/result/consent/"
    member = client_for(personas.startup_a_member)
    assert member.post(url, {"publish": "on"}).status_code == 404
    html = _page(member, f"/applications/{submitted.pk}/result/")
    assert "기업 대표자만 바꿀 수 있습니다." in html
    response = client_for(personas.startup_a).post(url, {"publish": "on"})
    assert response.status_code == 302
    assert response["Location"] == f"/applications/{submitted.pk}/result/"
    assert Outcome.objects.get(application=submitted).publish_consent is True
    assert AuditLog.objects.filter(action="selection.publish_consent_given",
                                   actor=personas.startup_a).exists()


def test_no_consent_before_the_announcement(world, personas, submitted, client_for):
    make_decided(world, personas, submitted, announced=False)
    response = client_for(personas.startup_a).post(
        f"/applications/{submitted.pk}/result/consent/", {"publish": "on"})
    assert response.status_code == 404
    assert Outcome.objects.get(application=submitted).publish_consent is False


# --- the public results page -------------------------------------------------------------------


def test_the_public_page_names_consenting_startups_and_counts_the_others(decided, world,
                                                                         client_for):
    Outcome.objects.filter(pk=decided.outcomes[0].pk).update(publish_consent=True)
    client = client_for(None)
    ko = _page(client, f"/results/{world.call.pk}/")
    assert "뉴로칩스" in ko and "지원기업1" not in ko and "외 선정 기업 1곳" in ko
    assert "오픈AI" in ko
    en = _page(client, f"/results/{world.call.pk}/", "en")
    assert "Neuro Chips" in en and "Applicant 1" not in en
    assert "and 1 more selected startup" in en and "startups" not in en.split(
        "and 1 more selected startup")[1][:1]
    # No personal data: no e-mail address, no representative, no score.
    for html in (ko, en):
        assert "@" not in html.split("<main")[1] and "90.00" not in html


def test_without_consent_only_the_count_is_shown(decided, world, client_for):
    html = _page(client_for(None), f"/results/{world.call.pk}/", "en")
    assert 'data-others="2"' in html and "2 selected startups" in html
    assert "Neuro Chips" not in html


def test_the_public_page_is_404_before_the_announcement_and_for_a_draft_call(
        world, personas, submitted, client_for):
    d = make_decided(world, personas, submitted, announced=False)
    client = client_for(None)
    with time_machine.travel(d.policy.announcement_at - SECOND, tick=False):
        assert _get(client, f"/results/{world.call.pk}/").status_code == 404
    with time_machine.travel(d.policy.announcement_at + SECOND, tick=False):
        assert _get(client, f"/results/{world.call.pk}/").status_code == 200
        assert _get(client, f"/results/{world.draft_call.pk}/").status_code == 404


def test_the_public_page_answers_304_until_it_changes(decided, world, client_for):
    client = client_for(None)
    url = f"/results/{world.call.pk}/"
    _get(client, url)  # sets the CSRF cookie the page's forms use
    first = _get(client, url)
    assert first["Cache-Control"] == "private, no-cache"
    etag = first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_LANGUAGE="ko").status_code == 304
    Outcome.objects.filter(pk=decided.outcomes[0].pk).update(publish_consent=True)
    again = client.get(url, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_LANGUAGE="ko")
    assert again.status_code == 200 and "뉴로칩스" in again.content.decode()
