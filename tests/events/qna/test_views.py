"""Pages of the live Q&A: what the audience sees (never an anonymous author), live updates
with ETags, voting through htmx, throttles that keep what was typed, moderation."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from kbridge.events.models import Question, Vote
from kbridge.events.services import qna as services

pytestmark = pytest.mark.django_db


def url(qna, suffix=""):
    return f"/events/{qna.event_world.event.pk}/qna/{suffix}"


def manage(qna, suffix=""):
    return f"/manage/events/{qna.event_world.event.pk}/qna/{suffix}"


def test_anonymous_author_never_reaches_the_audience(qna, client, personas):
    client.force_login(qna.attendee)
    for page in (url(qna), url(qna, "live/")):
        html = client.get(page).content.decode()
        assert qna.anonymous_question.text in html
        assert qna.question.text in html
        # C's name is shown once, for the question C asked openly; never for the other.
        assert html.count("Sensor Works CEO") == 1
        assert "ceo@sensorworks.example" not in html
    client.force_login(personas.partner_a)
    presenter = client.get(manage(qna, "presenter/")).content.decode()
    assert presenter.count("Sensor Works CEO") == 1
    queue = client.get(manage(qna)).content.decode()
    assert queue.count("Sensor Works CEO") == 2  # moderators always see the author


def test_hidden_count_is_public_and_hidden_text_is_not(qna, client, personas):
    services.hide(event=qna.event_world.event, question_id=qna.question.pk, by=personas.operator)
    client.force_login(qna.attendee)
    html = client.get(url(qna, "live/")).content.decode()
    assert qna.question.text not in html
    assert re.search(r'data-testid="hidden-count">[^<]*1', html)
    client.force_login(qna.attendee_c)  # the author still sees it on the page, marked hidden
    html = client.get(url(qna)).content.decode()
    assert qna.question.text in html and f'data-own="{qna.question.pk}"' in html
    # …and never in the polled list, which is the same for everybody.
    assert qna.question.text not in client.get(url(qna, "live/")).content.decode()


def test_live_fragment_answers_304_until_something_changes(qna, client):
    client.force_login(qna.attendee)
    first = client.get(url(qna, "live/"), HTTP_HX_REQUEST="true")
    etag = first["ETag"]
    assert client.get(url(qna, "live/"), HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.vote(event=qna.event_world.event, question_id=qna.question.pk, voter=qna.attendee)
    changed = client.get(url(qna, "live/"), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_vote_through_htmx_returns_the_new_count(qna, client):
    client.force_login(qna.attendee)
    response = client.post(url(qna, f"{qna.question.pk}/vote/"), {"on": "1"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    client.post(url(qna, f"{qna.question.pk}/vote/"), {"on": "1"}, HTTP_HX_REQUEST="true")
    assert Vote.objects.filter(question=qna.question).count() == 1
    response = client.post(url(qna, f"{qna.question.pk}/vote/"), {"on": "0"},
                           HTTP_HX_REQUEST="true")
    assert 'aria-pressed="false"' in response.content.decode()
    assert Vote.objects.filter(question=qna.question).count() == 0


def test_own_question_has_no_vote_button_and_refuses_a_vote(qna, client):
    client.force_login(qna.attendee_c)
    html = client.get(url(qna)).content.decode()
    # The page has no button for it, and tells the browser to show none after a poll either.
    assert f'/qna/{qna.question.pk}/vote/' not in html
    own = re.search(r'data-qna-own="([^"]*)"', html).group(1).split()
    assert str(qna.question.pk) in own and str(qna.anonymous_question.pk) in own
    response = client.post(url(qna, f"{qna.question.pk}/vote/"), {"on": "1"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and not Vote.objects.exists()


@override_settings(KBRIDGE_THROTTLE_RATES={"qna-question": "2/m", "qna-vote": "60/m"})
def test_throttled_question_keeps_the_text_and_says_when(qna, client):
    client.force_login(qna.attendee)
    for n in range(2):
        assert client.post(url(qna, "ask/"), {"text": f"Question {n}?"}).status_code == 302
    response = client.post(url(qna, "ask/"), {"text": "A third question, typed with care?"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "A third question, typed with care?" in html
    assert Question.objects.filter(text__startswith="A third").count() == 0


@override_settings(KBRIDGE_THROTTLE_RATES={"qna-question": "5/m", "qna-vote": "1/m"})
def test_throttled_vote_answers_429(qna, client):
    client.force_login(qna.attendee)
    assert client.post(url(qna, f"{qna.question.pk}/vote/"), HTTP_HX_REQUEST="true").status_code == 200
    refused = client.post(url(qna, f"{qna.question.pk}/vote/"), {"on": "0"},
                          HTTP_HX_REQUEST="true")
    assert refused.status_code == 429 and refused["HX-Reswap"] == "none"
    assert Vote.objects.filter(question=qna.question).count() == 1


def test_premoderated_question_waits_and_only_its_author_sees_it(qna, client, personas):
    services.save_settings(event=qna.event_world.event, by=personas.operator,
                           premoderated=True, open=True)
    client.force_login(qna.attendee)
    client.post(url(qna, "ask/"), {"text": "Pending question?", "anonymous": "on"})
    assert "Pending question?" in client.get(url(qna)).content.decode()
    assert "Pending question?" not in client.get(url(qna, "live/")).content.decode()
    client.force_login(qna.attendee_c)
    assert "Pending question?" not in client.get(url(qna)).content.decode()
    pending = Question.objects.get(text="Pending question?")
    client.force_login(personas.operator)
    client.post(manage(qna, f"{pending.pk}/moderate/"), {"action": "approve"})
    client.force_login(qna.attendee_c)
    assert "Pending question?" in client.get(url(qna, "live/")).content.decode()


def test_closed_qna_refuses_questions_and_votes(qna, client, personas):
    services.save_settings(event=qna.event_world.event, by=personas.operator,
                           premoderated=False, open=False)
    client.force_login(qna.attendee)
    assert client.get(url(qna)).status_code == 200
    assert client.post(url(qna, "ask/"), {"text": "Late?"}).status_code == 404
    assert client.post(url(qna, f"{qna.question.pk}/vote/")).status_code == 404


def test_moderation_through_the_queue(qna, client, personas):
    client.force_login(personas.partner_a)
    q = qna.question
    client.post(manage(qna, f"{q.pk}/moderate/"), {"action": "highlight"})
    client.post(manage(qna, f"{q.pk}/moderate/"), {"action": "answer", "text": "Yes, soon."})
    q.refresh_from_db()
    assert (q.status, q.answer, q.highlighted) == (Question.Status.ANSWERED, "Yes, soon.", False)
    response = client.post(manage(qna, "merge/"),
                           {"duplicate": qna.anonymous_question.pk, "target": q.pk})
    assert response.status_code == 302
    qna.anonymous_question.refresh_from_db()
    assert qna.anonymous_question.merged_into_id == q.pk
    assert client.post(manage(qna, "merge/"), {"duplicate": "x"}).status_code == 302
    response = client.post(manage(qna, "merge/"), {"duplicate": q.pk, "target": 999999})
    assert response.status_code == 302


def test_other_events_question_is_not_found(qna, client, personas):
    client.force_login(personas.operator)
    other = qna.event_world.draft_event.pk
    response = client.post(f"/manage/events/{other}/qna/{qna.question.pk}/moderate/",
                           {"action": "hide"})
    assert response.status_code == 404
    qna.question.refresh_from_db()
    assert qna.question.status == Question.Status.APPROVED


def _help_texts(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", h)).strip()
            for h in re.findall(r'class="helptext"[^>]*>(.*?)</', html, re.S)]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_help_texts_speak_the_pages_language_and_say_the_limit_once(qna, client, personas,
                                                                   language):
    """Every help text of the Q&A forms is in the page's language (none was frozen at
    import) and names the character limit once (the shared form layer adds it)."""
    client.force_login(qna.attendee)
    live = client.get(url(qna), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    client.force_login(personas.partner_a)
    queue = client.get(manage(qna), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    helps = _help_texts(live) + _help_texts(queue)
    assert len(helps) >= 3, helps
    hangul = re.compile(r"[\uac00-\ud7a3]")
    for text in helps:
        assert bool(hangul.search(text)) == (language == "ko"), text
        assert len(re.findall(r"300", text)) <= 1, text
        assert text.count("자까지") + text.count("characters.") <= 1, text
    assert any("300" in text for text in helps)


def test_closed_qna_shows_no_highlight_as_now_and_stops_polling(qna, client, personas):
    event = qna.event_world.event
    services.highlight(event=event, question_id=qna.question.pk, by=personas.operator)
    client.force_login(qna.attendee)
    page = client.get(url(qna), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Being answered now" in page and "hx-trigger" in page
    services.save_settings(event=event, by=personas.operator, premoderated=False, open=False)
    for viewer in (qna.attendee, personas.partner_a):
        client.force_login(viewer)
        page = client.get(url(qna), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        fragment = client.get(url(qna, "live/"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert qna.question.text in page
        for html in (page, fragment):
            assert "Being answered now" not in html and "qna-highlighted" not in html
        assert "hx-trigger" not in page and 'data-testid="qna-closed"' in page
    presenter = client.get(manage(qna, "presenter/")).content.decode()
    assert "hx-trigger" not in presenter and "qna-highlighted" not in presenter


def test_hide_merge_and_settings_ask_for_a_confirmation(qna, client, personas):
    client.force_login(personas.partner_a)
    html = client.get(manage(qna), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    hide = re.findall(r'<button[^>]*value="hide"[^>]*>', html)
    merges = re.findall(r'<button[^>]*>Merge</button>', html)
    settings_form = re.search(r'<form[^>]*qna/settings/[^>]*>', html).group(0)
    assert hide and merges
    for tag in (*hide, *merges, settings_form):
        assert re.search(r'data-confirm="[^"]*\?', tag), tag
    assert "Hide this question" in html and "table-wrap" in html
