"""1:1 meeting pages: the participants' page, requests through the form, the ICS file (valid,
right in UTC and KST), the console's run and grid, outcomes through the page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
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
