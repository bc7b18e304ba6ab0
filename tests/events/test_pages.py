"""The event's public page and the operator's console for the event itself."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kbridge.core.i18n import KST
from kbridge.core.models import AuditLog
from kbridge.events.models import Event, FitQuestion
from tests.events.world import make_event

pytestmark = pytest.mark.django_db


def _local(value: dt.datetime) -> str:
    return value.astimezone(KST).strftime("%Y-%m-%dT%H:%M")


def _form(world, **overrides) -> dict:
    start = (timezone.now() + dt.timedelta(days=30)).astimezone(KST).replace(
        hour=14, minute=0, second=0, microsecond=0)
    data = {
        "host": world.partner_a.pk, "title_ko": "K-스타트업, OpenAI를 만나다",
        "title_en": "K-Startups meet OpenAI", "summary_ko": "", "summary_en": "",
        "starts_at": _local(start), "ends_at": _local(start + dt.timedelta(hours=4)),
        "venue_ko": "코엑스", "venue_en": "COEX", "address": "서울 강남구 영동대로 513",
        "capacity": "100", "review_places": "20", "waitlist_length": "20",
        "waitlist_offer_hours": "48",
        "registration_opens_at": _local(start - dt.timedelta(days=20)),
        "registration_closes_at": _local(start - dt.timedelta(days=10)),
    }
    data.update(overrides)
    return data


def test_public_page_shows_the_event_in_the_page_language_and_korea_time(event_world, client):
    event = event_world.event
    korean = client.get(f"/events/{event.pk}/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "K-스타트업, OpenAI를 만나다" in korean and "서울 코엑스 그랜드볼룸" in korean
    assert "샘 올트먼" in korean and "기조연설" in korean
    assert "14:00" in korean and "KST" in korean  # 14:00 KST whatever the server's zone
    client.cookies["django_language"] = "en"
    english = client.get(f"/events/{event.pk}/").content.decode()
    assert "K-Startups meet OpenAI" in english and "Sam Altman" in english
    assert "Keynote" in english and "K-스타트업" not in english
    assert "20 chosen by a fit review, 80 by a public lottery" in english


def test_a_draft_is_not_found_by_the_public_and_the_list_shows_published_only(
        event_world, client):
    assert client.get(f"/events/{event_world.draft_event.pk}/").status_code == 404
    page = client.get("/events/").content.decode()
    assert "K-스타트업, OpenAI를 만나다" in page and "하반기 밋업" not in page


def test_past_events_are_listed_apart(world, client):
    past = timezone.now() - dt.timedelta(days=30)
    make_event(world, title_ko="지난 밋업", title_en="Past meetup", starts_at=past,
               ends_at=past + dt.timedelta(hours=3),
               registration_opens_at=past - dt.timedelta(days=10),
               registration_closes_at=past - dt.timedelta(days=2))
    page = client.get("/events/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert page.index("지난 행사") < page.index("지난 밋업")


def test_operator_creates_a_draft_event_and_publishes_it(world, personas, client):
    client.force_login(personas.operator)
    response = client.post(f"/manage/events/new/{world.program.pk}/", _form(world))
    event = Event.objects.get(title_en="K-Startups meet OpenAI")
    assert response.status_code == 302 and event.status == Event.Status.DRAFT
    assert event.starts_at.astimezone(KST).hour == 14
    assert AuditLog.objects.filter(action="event.created").count() == 1
    client.post(f"/manage/events/{event.pk}/status/", {"action": "publish"})
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    assert client.get(f"/events/{event.pk}/").status_code == 200


@pytest.mark.parametrize(("field", "value", "message"), [
    ("ends_at", "starts_at", "The event must end after it starts."),
    ("registration_closes_at", "ends_at", "Registration must close before the event starts."),
    ("review_places", "101",
     "The fit review cannot choose more startups than the event has places."),
    ("capacity", "99999999999999999999", None),
    ("starts_at", "not a time", None),
])
def test_a_bad_event_form_says_what_is_wrong_and_keeps_what_was_typed(
        world, personas, client, field, value, message):
    client.force_login(personas.operator)
    data = _form(world)
    data[field] = data.get(value, value)
    client.cookies["django_language"] = "en"
    response = client.post(f"/manage/events/new/{world.program.pk}/", data)
    page = response.content.decode()
    assert response.status_code == 200 and not Event.objects.exists()
    assert "K-Startups meet OpenAI" in page  # nothing typed is lost
    assert 'class="error' in page or "errorlist" in page
    if message:
        assert message in page


def test_the_host_must_be_a_partner_of_the_program(world, personas, client):
    from tests.factories import PartnerFactory, ProgramFactory

    other = PartnerFactory(program=ProgramFactory(operator=personas.operator_org, year=2030))
    client.force_login(personas.operator)
    response = client.post(f"/manage/events/new/{world.program.pk}/",
                           _form(world, host=other.pk))
    assert response.status_code == 200 and not Event.objects.exists()


def test_published_event_goes_back_to_draft_only_while_nobody_registered(
        event_world, personas, client):
    client.force_login(personas.operator)
    event = event_world.event
    client.post(f"/manage/events/{event.pk}/status/", {"action": "unpublish"})
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED  # two companies registered
    client.post(f"/manage/events/{event.pk}/status/", {"action": "cancel"})
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    page = client.get(f"/events/{event.pk}/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "이 행사는 취소되었습니다." in page


def test_speakers_and_agenda_are_saved_and_items_must_lie_within_the_event(
        world, personas, client):
    event = make_event(world)
    client.force_login(personas.operator)
    start = event.starts_at
    data = {
        "speakers-TOTAL_FORMS": "1", "speakers-INITIAL_FORMS": "0",
        "speakers-0-name_ko": "샘 올트먼", "speakers-0-name_en": "Sam Altman",
        "speakers-0-role_ko": "CEO", "speakers-0-role_en": "CEO",
        "agenda-TOTAL_FORMS": "1", "agenda-INITIAL_FORMS": "0",
        "agenda-0-starts_at": _local(start), "agenda-0-ends_at": _local(
            start + dt.timedelta(minutes=40)),
        "agenda-0-title_ko": "기조연설", "agenda-0-title_en": "Keynote", "agenda-0-speaker": "1",
    }
    assert client.post(f"/manage/events/{event.pk}/programme/", data).status_code == 302
    item = event.agenda.get()
    assert item.speaker.name_en == "Sam Altman"
    data.update({"speakers-INITIAL_FORMS": "1", "agenda-INITIAL_FORMS": "1"})  # as now shown
    outside = {**data, "agenda-0-ends_at": _local(event.ends_at + dt.timedelta(hours=1))}
    client.cookies["django_language"] = "en"
    response = client.post(f"/manage/events/{event.pk}/programme/", outside, follow=True)
    assert "Every agenda item must lie within the event" in response.content.decode()
    assert event.agenda.get().ends_at == start + dt.timedelta(minutes=40)  # unchanged
    page = client.get(f"/manage/events/{event.pk}/programme/").content.decode()
    assert 'name="speakers-INITIAL_FORMS" value="1"' in page and "Sam Altman" in page
    unknown = {**data, "agenda-0-speaker": "3"}
    response = client.post(f"/manage/events/{event.pk}/programme/", unknown)
    assert "Speaker number 3 is not in the list of speakers." in response.content.decode()
    removed = {**data, "speakers-0-DELETE": "on", "agenda-0-speaker": ""}
    assert client.post(f"/manage/events/{event.pk}/programme/", removed).status_code == 302
    assert not event.speakers.exists() and event.agenda.get().speaker is None


def test_fit_questions_take_options_and_freeze_once_a_company_registered(
        world, event_world, personas, client):
    event = make_event(world)
    client.force_login(personas.operator)
    data = {"questions-TOTAL_FORMS": "1", "questions-INITIAL_FORMS": "0",
            "questions-0-text_ko": "주력 분야", "questions-0-text_en": "Main field",
            "questions-0-options": "AI 반도체 | AI chips\nAI 응용 | AI apps",
            "questions-0-required": "on", "questions-0-max_chars": "500"}
    assert client.post(f"/manage/events/{event.pk}/questions/", data).status_code == 302
    assert event.fit_questions.get().choices[1] == {"ko": "AI 응용", "en": "AI apps"}
    client.cookies["django_language"] = "en"
    bad = {**data, "questions-0-options": "AI 반도체 AI chips\nAI 응용 | AI apps"}
    page = client.post(f"/manage/events/{event.pk}/questions/", bad).content.decode()
    assert "Line 1: write the option as" in page and "AI 반도체 AI chips" in page
    frozen = event_world.event
    before = list(frozen.fit_questions.values_list("text_en", flat=True))
    response = client.post(f"/manage/events/{frozen.pk}/questions/", data, follow=True)
    assert "the fit questions can no longer change" in response.content.decode()
    assert list(FitQuestion.objects.filter(event=frozen).values_list(
        "text_en", flat=True)) == before


def test_the_host_partner_reads_the_console_but_cannot_change_the_event(
        event_world, personas, client):
    client.force_login(personas.partner_a)
    event = event_world.event
    assert client.get(f"/manage/events/{event.pk}/").status_code == 200
    assert client.get(f"/manage/events/{event.pk}/edit/").status_code == 404
    page = client.get("/manage/events/").content.decode()
    assert "K-스타트업, OpenAI를 만나다" in page
