"""The polled list with a poll token (events/live_qna.py): no session, no user, no query on
a 304; the same list for every attendee, fitted in the browser; a token opens only its own
event, for its own kind of viewer, for at most the session's absolute age."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kbridge.accounts.middleware import SESSION_KEY
from kbridge.events import live_qna, selectors_qna
from kbridge.events.models import Event
from kbridge.events.services import qna as services

pytestmark = pytest.mark.django_db


def page(qna, client, user) -> str:
    client.force_login(user)
    return client.get(f"/events/{qna.event_world.event.pk}/qna/").content.decode()


def poll_url(html: str) -> str:
    return re.search(r'id="qna-live" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")


def test_the_page_polls_with_a_token_and_a_poll_needs_no_session(qna, client, monkeypatch):
    monkeypatch.setattr(selectors_qna, "STAMP_REUSE_SECONDS", 60.0)
    url = poll_url(page(qna, client, qna.attendee))
    assert "?t=" in url
    stranger = Client()  # no cookies at all: the token alone is enough to read the list
    first = stranger.get(url)
    assert first.status_code == 200 and qna.question.text in first.content.decode()
    assert "sessionid" not in first.cookies
    with CaptureQueriesContext(connection) as queries:
        again = stranger.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        full = stranger.get(url)
    assert again.status_code == 304 and full.status_code == 200
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_every_attendee_gets_the_same_list_and_the_page_fits_it(qna, client):
    html_a = page(qna, client, qna.attendee)
    url_a = poll_url(html_a)
    services.vote(event=qna.event_world.event, question_id=qna.question.pk, voter=qna.attendee)
    html_a = page(qna, client, qna.attendee)
    html_c = page(qna, client, qna.attendee_c)
    list_a = Client().get(poll_url(html_a)).content
    assert list_a == Client().get(poll_url(html_c)).content
    assert Client().get(url_a).content == list_a  # an older token of the same kind: same list
    # Both forms travel; the ids the browser fits them with are on the page.
    assert list_a.decode().count(f'/qna/{qna.question.pk}/vote/') == 4  # action + hx-post, ×2
    voted = re.search(r'data-qna-voted="([^"]*)"', html_a).group(1).split()
    assert voted == [str(qna.question.pk)]
    assert re.search(r'data-qna-voted="([^"]*)"', html_c).group(1) == ""


def test_anonymous_author_is_not_in_the_polled_list(qna, client):
    body = Client().get(poll_url(page(qna, client, qna.attendee))).content.decode()
    assert qna.anonymous_question.text in body
    assert body.count("Sensor Works CEO") == 1 and "ceo@sensorworks.example" not in body


def test_staff_token_shows_no_vote_buttons(qna, client, personas):
    body = Client().get(poll_url(page(qna, client, personas.partner_a))).content.decode()
    assert qna.question.text in body and "/vote/" not in body


def test_closed_qna_or_unpublished_event_stops_what_the_token_shows(qna, client, personas):
    url = poll_url(page(qna, client, qna.attendee))
    services.save_settings(event=qna.event_world.event, by=personas.operator,
                           premoderated=False, open=False)
    live_qna.clear_caches()
    body = Client().get(url).content.decode()
    assert qna.question.text in body and "/vote/" not in body
    Event.objects.filter(pk=qna.event_world.event.pk).update(status=Event.Status.CANCELLED)
    live_qna.clear_caches()
    assert Client().get(url).status_code == 404


def test_a_token_opens_only_its_event_and_only_until_it_expires(qna, client):
    url = poll_url(page(qna, client, qna.attendee))
    token = url.split("?t=")[1]
    other = f"/events/{qna.event_world.event.pk + 1000}/qna/live/?t={token}"
    tampered = url[:-2] + ("AA" if not url.endswith("AA") else "BB")
    for address in (other, tampered):
        # Not a valid token here: the session decides, and a stranger has none.
        response = Client().get(address)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=13)):
        assert Client().get(url).status_code == 302


def test_polls_do_not_keep_a_session_alive(qna, client):
    url = poll_url(page(qna, client, qna.attendee))
    seen = client.session[SESSION_KEY]
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=5)):
        for _ in range(3):
            assert client.get(url).status_code == 200
        assert client.session[SESSION_KEY] == seen


def test_a_merged_question_tells_the_page_whose_votes_it_now_holds(qna, client, personas):
    """A tester's finding: after a merge the page still knew the vote by the duplicate's id,
    so the target showed "vote" to someone whose vote it already held."""
    event = qna.event_world.event
    services.vote(event=event, question_id=qna.anonymous_question.pk, voter=qna.attendee)
    services.merge_questions(event=event, duplicate_id=qna.anonymous_question.pk,
                   target_id=qna.question.pk, by=personas.operator)
    body = Client().get(poll_url(page(qna, client, qna.attendee))).content.decode()
    widget = re.search(rf'data-qna-question="{qna.question.pk}" data-qna-merged="([^"]*)"', body)
    assert widget and widget.group(1).split() == [str(qna.anonymous_question.pk)]
