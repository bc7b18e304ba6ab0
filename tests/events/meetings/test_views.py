"""1:1 meeting pages: the participants' page, requests through the form, the ICS file (valid,
right in UTC and KST), the console's run and grid, outcomes through the page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from icalendar import Calendar

from kbridge.events.models import MeetingOutcome, MeetingPlacement, MeetingRequest
from kbridge.events.services import meetings as services
from tests.events.meetings import world as mw

pytestmark = pytest.mark.django_db
KST = ZoneInfo("Asia/Seoul")


@pytest.fixture
def session(event_world):
    return mw.session(event_world.event)


def test_request_through_the_form_keeps_the_message_on_error(client_for, event_world,
                                                            personas, session):
    event = event_world.event
    client = client_for(personas.startup_a)
    url = f"/events/{event.pk}/meetings/request/"
    page = client.get(url + f"?with=p{personas.partner_a.pk}")
    assert page.status_code == 200 and f'value="p{personas.partner_a.pk}" selected' in (
        page.content.decode())
    # NVIDIA's staff are not in the choices: the form says so and keeps the message.
    bad = client.post(url, {"with_whom": f"p{personas.partner_b.pk}", "message": "협업 제안"})
    assert bad.status_code == 200 and "협업 제안" in bad.content.decode()
    assert not MeetingRequest.objects.exists()
    ok = client.post(url, {"with_whom": f"p{personas.partner_a.pk}", "message": "협업 제안"})
    assert ok.status_code == 302
    r = MeetingRequest.objects.get()
    assert (r.startup, r.person, r.message) == (personas.startup_a_org, personas.partner_a,
                                                "협업 제안")
    # The partner sees it and accepts it on the meetings page.
    partner = client_for(personas.partner_a)
    assert "협업 제안" in partner.get(f"/events/{event.pk}/meetings/").content.decode()
    partner.post(f"/events/{event.pk}/meetings/{r.pk}/", {"action": "accept"})
    r.refresh_from_db()
    assert r.status == MeetingRequest.Status.ACCEPTED


def test_the_directory_lists_whom_each_side_may_ask(client_for, event_world, personas,
                                                   session):
    event = event_world.event
    startup_view = client_for(personas.startup_a).get(
        f"/events/{event.pk}/meetings/directory/").content.decode()
    assert "staff@openai.example" in startup_view or personas.partner_a.full_name in startup_view
    assert personas.partner_b.full_name not in startup_view
    partner_view = client_for(personas.partner_a).get(
        f"/events/{event.pk}/meetings/directory/").content.decode()
    assert "뉴로칩스" in partner_view and str(personas.startup_b_org.name_ko) not in partner_view


def test_agenda_ics_is_a_valid_calendar_in_kst(client_for, event_world, personas, session):
    event = event_world.event
    r = mw.accepted(event, personas.startup_a_org, personas.partner_a, personas.startup_a)
    services.schedule(event=event, by=personas.operator)
    placement = MeetingPlacement.objects.get(request=r)
    for user, other in ((personas.startup_a, personas.partner_a.full_name),
                        (personas.partner_a, "뉴로칩스")):
        response = client_for(user).get(f"/events/{event.pk}/meetings/agenda.ics")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.content)
        events = calendar.walk("VEVENT")
        assert len(events) == 1
        start, end = events[0].decoded("dtstart"), events[0].decoded("dtend")
        assert start == placement.starts_at and end == placement.ends_at
        assert start.astimezone(dt.UTC) == placement.starts_at.astimezone(dt.UTC)
        assert str(start.tzinfo) == "Asia/Seoul"
        assert start.astimezone(KST).hour == placement.starts_at.astimezone(KST).hour
        assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Seoul"
        assert other in str(events[0]["SUMMARY"])
        assert str(placement.table) in str(events[0]["LOCATION"])


def test_the_pages_show_slot_and_table_in_kst(client_for, event_world, personas, session):
    event = event_world.event
    r = mw.accepted(event, personas.startup_a_org, personas.partner_a, personas.startup_a)
    operator = client_for(personas.operator)
    response = operator.post(f"/manage/events/{event.pk}/meetings/schedule/")
    assert response.status_code == 302
    placement = MeetingPlacement.objects.get(request=r)
    hm = placement.starts_at.astimezone(KST).strftime("%H:%M")
    console = operator.get(f"/manage/events/{event.pk}/meetings/").content.decode()
    assert hm in console and f'data-request="{r.pk}"' in console
    page = client_for(personas.startup_a_member).get(
        f"/events/{event.pk}/meetings/").content.decode()
    assert hm in page and 'id="agenda"' in page


def test_outcome_form_after_the_slot(client_for, event_world, personas, session):
    event = event_world.event
    r = mw.accepted(event, personas.startup_a_org, personas.partner_a, personas.startup_a)
    services.schedule(event=event, by=personas.operator)
    placement = MeetingPlacement.objects.get(request=r)
    url = f"/events/{event.pk}/meetings/{r.pk}/outcome/"
    client = client_for(personas.partner_a)
    client.post(url, {"result": "follow_up", "note": "PoC"})
    assert not MeetingOutcome.objects.exists()  # before the slot ended
    with time_machine.travel(placement.ends_at + dt.timedelta(minutes=1)):
        client = client_for(personas.partner_a)
        assert f'action="{url}"' in client.get(f"/events/{event.pk}/meetings/").content.decode()
        client.post(url, {"result": "follow_up", "note": "PoC"})
        page = client.get(f"/events/{event.pk}/meetings/").content.decode()
    assert MeetingOutcome.objects.get().result == "follow_up"
    assert "PoC" in page


def test_availability_is_saved_from_the_page(client_for, event_world, personas, session):
    event = event_world.event
    client = client_for(personas.startup_a)
    client.post(f"/events/{event.pk}/meetings/availability/", {"busy": ["0", "2"]})
    assert sorted(event.meeting_busy_slots.values_list("starts_at", flat=True)) == [
        session.slot_start(0), session.slot_start(2)]
    client.post(f"/events/{event.pk}/meetings/availability/", {"busy": ["99"]})
    assert event.meeting_busy_slots.count() == 2  # a bad slot changes nothing


# --- the tester's findings (Chromium run of issue 15) -----------------------------------------


def _after_the_slot(event, personas):
    r = mw.accepted(event, personas.startup_a_org, personas.partner_a, personas.startup_a)
    services.schedule(event=event, by=personas.operator)
    return r, MeetingPlacement.objects.get(request=r)


def test_a_too_long_outcome_note_is_shown_again_with_its_own_error(client_for, event_world,
                                                                   personas, session):
    event = event_world.event
    r, placement = _after_the_slot(event, personas)
    url = f"/events/{event.pk}/meetings/{r.pk}/outcome/"
    note = "가" * 1000 + "나"
    with time_machine.travel(placement.ends_at + dt.timedelta(minutes=1)):
        client = client_for(personas.partner_a)
        page = client.get(f"/events/{event.pk}/meetings/").content.decode()
        assert "1,000" in page  # the limit is shown
        response = client.post(url, {"result": "held", "note": note})
        body = response.content.decode()
        assert response.status_code == 400  # no redirect: the typed note stays
        assert note in body and "1,001" in body  # the count, with the limit
        assert "미팅 결과를 골라 주세요" not in body
        missing = client.post(url, {"note": "메모"}).content.decode()
        assert "메모" in missing
    assert not MeetingOutcome.objects.exists()


def _buttons(client, event) -> str:
    return client.get(f"/events/{event.pk}/meetings/").content.decode()


def test_each_side_sees_only_the_buttons_it_may_use(client_for, event_world, personas,
                                                    session):
    event = event_world.event
    r = services.request_meeting(event=event, by=personas.startup_a,
                                 startup=personas.startup_a_org, person=personas.partner_a,
                                 message="협업 논의")
    asker, asked = _buttons(client_for(personas.startup_a), event), _buttons(
        client_for(personas.partner_a), event)
    assert 'value="withdraw"' in asker and 'value="accept"' not in asker
    assert 'value="decline"' not in asker and 'value="must_meet"' not in asker
    assert 'value="withdraw"' not in asked
    assert 'value="accept"' in asked and 'value="decline"' in asked
    assert 'value="must_meet"' in asked  # the staff member of the request
    # Each shown button is accepted by its service, each hidden one refused.
    services.accept(request=r, by=personas.partner_a)
    for client in (client_for(personas.startup_a), client_for(personas.partner_a)):
        page = _buttons(client, event)
        assert 'value="cancel"' in page and 'value="withdraw"' not in page
        assert 'value="accept"' not in page
    # The session started: no must-meet, no availability, no accept (none open anyway).
    with time_machine.travel(session.starts_at + dt.timedelta(minutes=1)):
        page = _buttons(client_for(personas.partner_a), event)
        assert 'value="must_meet"' not in page
        assert f'action="/events/{event.pk}/meetings/availability/"' not in page
        with pytest.raises(ValidationError):
            services.set_must_meet(request=r, by=personas.partner_a, must_meet=True)
    # After the session, an unplaced meeting cannot be cancelled any more.
    with time_machine.travel(session.ends_at + dt.timedelta(minutes=1)):
        assert 'value="cancel"' not in _buttons(client_for(personas.startup_a), event)
        with pytest.raises(ValidationError):
            services.cancel(request=r, by=personas.startup_a)


def test_the_console_shows_the_operator_only_allowed_actions(client_for, event_world,
                                                            personas, session):
    event = event_world.event
    r, placement = _after_the_slot(event, personas)
    operator = client_for(personas.operator)
    console = operator.get(f"/manage/events/{event.pk}/meetings/").content.decode()
    assert 'value="cancel"' in console and "data-confirm=" in console
    with time_machine.travel(placement.starts_at + dt.timedelta(minutes=1)):
        console = client_for(personas.operator).get(
            f"/manage/events/{event.pk}/meetings/").content.decode()
        assert 'value="cancel"' not in console and 'value="must_meet"' not in console
        # The host's staff read the console without the operator's buttons.
    host = client_for(personas.partner_a).get(
        f"/manage/events/{event.pk}/meetings/").content.decode()
    assert 'value="cancel"' not in host and "meetings/schedule/" not in host
    assert r.status == "accepted"


def test_availability_closes_when_the_session_starts(client_for, event_world, personas,
                                                     session):
    event = event_world.event
    with time_machine.travel(session.starts_at + dt.timedelta(days=1)):
        with pytest.raises(ValidationError):
            services.set_availability(event=event, by=personas.startup_a, busy=[],
                                      organisation=personas.startup_a_org)
        client = client_for(personas.startup_a)
        client.post(f"/events/{event.pk}/meetings/availability/", {"busy": ["0"]})
        page = client.get(f"/events/{event.pk}/meetings/").content.decode()
    assert not event.meeting_busy_slots.exists()
    assert 'name="busy"' not in page


def test_a_request_needs_a_message_and_returns_to_the_meetings_page(client_for, event_world,
                                                                    personas, session):
    event = event_world.event
    client = client_for(personas.startup_a)
    url = f"/events/{event.pk}/meetings/request/"
    assert "500" in client.get(url).content.decode()  # the limit is shown (500 characters)
    empty = client.post(url, {"with_whom": f"p{personas.partner_a.pk}", "message": "  "})
    assert empty.status_code == 200 and not MeetingRequest.objects.exists()
    assert 'class="errorlist' in empty.content.decode()
    with pytest.raises(ValidationError):
        services.request_meeting(event=event, by=personas.startup_a,
                                 startup=personas.startup_a_org, person=personas.partner_a)
    ok = client.post(url, {"with_whom": f"p{personas.partner_a.pk}", "message": "협업"})
    assert ok.status_code == 302 and ok["Location"] == f"/events/{event.pk}/meetings/"


def test_irreversible_buttons_ask_first_and_the_wording_is_right(client_for, event_world,
                                                                personas, session):
    event = event_world.event
    services.request_meeting(event=event, by=personas.startup_a,
                             startup=personas.startup_a_org, person=personas.partner_a,
                             message="협업 논의")
    asker = _buttons(client_for(personas.startup_a), event)
    asked = _buttons(client_for(personas.partner_a), event)
    assert "요청 철회" in asker and "신청 취소" not in asker
    assert 'value="withdraw" data-confirm="' in asker
    assert 'value="decline" data-confirm="' in asked
    assert "미팅이 어려운 시간" in asker and "미팅 가능 시간" not in asker
    assert '<label for="busy-0">' in asker and 'id="busy-0"' in asker
    mw.accepted(event, mw.attendee(event, 7)[0], personas.partner_a, personas.partner_a)
    assert 'value="cancel" data-confirm="' in _buttons(client_for(personas.partner_a), event)
    services.schedule(event=event, by=personas.operator)
    console = client_for(personas.operator).get(
        f"/manage/events/{event.pk}/meetings/").content.decode()
    assert "data-confirm=" in console.split("meetings/schedule/")[1].split("</form>")[0]


def test_the_ics_location_names_the_venue_and_the_table(client_for, event_world, personas,
                                                        session):
    event = event_world.event
    _after_the_slot(event, personas)
    client = client_for(personas.startup_a)
    [vevent] = Calendar.from_ical(client.get(
        f"/events/{event.pk}/meetings/agenda.ics").content).walk("VEVENT")
    assert "서울 코엑스 그랜드볼룸" in str(vevent["LOCATION"])
    assert "번 테이블" in str(vevent["LOCATION"])
