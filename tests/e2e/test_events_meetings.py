"""Issue 15, part 6 in Chromium: a startup asks OpenAI's staff member for a 1:1 meeting, the
partner accepts, the operator runs the schedule (proven optimal), both sides see the slot and
table in KST, and the startup downloads its agenda as iCalendar, which parses and names the
same instant."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from kbridge.events.models import MeetingPlacement, MeetingRequest, MeetingRun
from tests.events import world as events_world
from tests.events.meetings import world as mw

pytestmark = pytest.mark.e2e
KST = ZoneInfo("Asia/Seoul")
MESSAGE = "NPU 컴파일러를 OpenAI 모델 서빙에 쓰는 방안을 논의하고 싶습니다."


def test_request_accept_schedule_and_download_the_agenda(page, login, world, personas):
    ew = events_world.build(world, personas)
    event = ew.event
    mw.session(event, tables=2)
    # Another attendee already meets OpenAI's staff member: the schedule must keep them apart.
    org2, rep2 = mw.attendee(event, 2)
    other = mw.accepted(event, org2, personas.partner_a, rep2)
    staff = personas.partner_a.full_name or personas.partner_a.email

    # 1. The startup finds OpenAI's staff member and asks, with a message.
    login(personas.startup_a)
    page.goto(f"/events/{event.pk}/meetings/")
    page.get_by_role("link", name="미팅 요청하기").click()
    page.locator("#people li", has_text=staff).get_by_role("link").click()
    page.get_by_label("메시지").fill(MESSAGE)
    page.get_by_role("button", name="요청 보내기").click()
    expect(page.get_by_text("미팅 요청을 보냈습니다.")).to_be_visible()
    request = MeetingRequest.objects.get(startup=personas.startup_a_org)
    expect(page.locator(f'#requests tr[data-request="{request.pk}"]')).to_contain_text("요청됨")

    # 2. The partner reads the message and accepts.
    page.context.clear_cookies()
    login(personas.partner_a)
    page.goto(f"/events/{event.pk}/meetings/")
    row = page.locator(f'#requests tr[data-request="{request.pk}"]')
    expect(row).to_contain_text(MESSAGE)
    row.get_by_role("button", name="수락").click()
    expect(page.get_by_text("미팅을 수락했습니다.")).to_be_visible()
    expect(page.locator(f'#requests tr[data-request="{request.pk}"]')).to_contain_text("수락됨")

    # 3. The operator runs the schedule: both meetings placed, proven optimal.
    page.context.clear_cookies()
    login(personas.operator)
    page.goto(f"/manage/events/{event.pk}/meetings/")
    page.get_by_role("button", name="일정 편성").click()
    expect(page.get_by_text("미팅 2건 중 2건을 편성했습니다.")).to_be_visible()
    expect(page.locator("#run [data-optimal]")).to_have_attribute("data-optimal", "true")
    mine, theirs = (MeetingPlacement.objects.get(request=request),
                    MeetingPlacement.objects.get(request=other))
    assert mine.starts_at != theirs.starts_at  # one staff member, one meeting at a time
    hm = mine.starts_at.astimezone(KST).strftime("%H:%M")
    end_hm = mine.ends_at.astimezone(KST).strftime("%H:%M")
    expect(page.locator("#grid")).to_contain_text("뉴로칩스")

    # 4. Both sides see the slot and the table in KST.
    for user in (personas.partner_a, personas.startup_a):
        page.context.clear_cookies()
        login(user)
        page.goto(f"/events/{event.pk}/meetings/")
        agenda_row = page.locator(f'#agenda tr[data-request="{request.pk}"]')
        expect(agenda_row).to_contain_text(f"{hm}–{end_hm}")
        expect(agenda_row).to_contain_text(f"{mine.table}번 테이블")

    # 5. The startup downloads its agenda; the file is a calendar with the same instant.
    with page.expect_download() as download:
        page.get_by_role("link", name="미팅 일정 내려받기(iCalendar)").click()
    calendar = Calendar.from_ical(download.value.path().read_bytes())
    [vevent] = calendar.walk("VEVENT")
    assert vevent.decoded("dtstart") == mine.starts_at
    assert vevent.decoded("dtend") == mine.ends_at
    assert vevent.decoded("dtstart").astimezone(KST).strftime("%H:%M") == hm
    assert str(vevent.decoded("dtstart").tzinfo) == "Asia/Seoul"
    assert f"{mine.table}번 테이블" in str(vevent["LOCATION"])


def _width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def test_every_meetings_page_fits_a_phone_and_irreversible_steps_ask(page, login, world,
                                                                      personas):
    """The tester's findings: the console was 584 px wide at 390 px; withdrawing showed to
    the asked side; cancelling asked nothing; an outcome note over the limit was lost."""
    ew = events_world.build(world, personas)
    event = ew.event
    mw.session(event, tables=4)
    orgs = [mw.attendee(event, n) for n in range(2, 6)]
    for org, rep in orgs:
        mw.accepted(event, org, personas.partner_a, rep)
    asked = MeetingRequest.objects.create(
        event=event, startup=personas.startup_a_org, person=personas.partner_a,
        direction=MeetingRequest.From.PARTNER, requested_by=personas.partner_a,
        message=MESSAGE)
    questions = []
    page.on("dialog", lambda d: (questions.append(d.message), d.accept()))
    page.set_viewport_size({"width": 390, "height": 844})

    # The operator runs the schedule (no question), then re-runs it (asked first).
    login(personas.operator)
    page.goto(f"/manage/events/{event.pk}/meetings/")
    page.get_by_role("button", name="일정 편성").click()
    expect(page.locator("#grid")).to_be_visible()
    assert questions == []
    with page.expect_navigation():
        page.get_by_role("button", name="일정 다시 편성").click()
    assert MeetingRun.objects.filter(event=event).count() == 2
    assert len(questions) == 1 and "다시 편성" in questions[0]
    for url in (f"/manage/events/{event.pk}/meetings/",
                f"/manage/events/{event.pk}/meetings/session/"):
        page.goto(url)
        assert _width(page) <= 390, url

    # The asked startup: accept or decline, never "withdraw"; the wording of availability.
    page.context.clear_cookies()
    login(personas.startup_a)
    for url in (f"/events/{event.pk}/meetings/", f"/events/{event.pk}/meetings/directory/",
                f"/events/{event.pk}/meetings/request/"):
        page.goto(url)
        assert _width(page) <= 390, url
    page.goto(f"/events/{event.pk}/meetings/")
    row = page.locator(f'#requests tr[data-request="{asked.pk}"]')
    expect(row.get_by_role("button", name="수락")).to_be_visible()
    expect(row.get_by_role("button", name="요청 철회")).to_have_count(0)
    expect(page.get_by_role("heading", name="미팅이 어려운 시간")).to_be_visible()
    expect(page.locator('#availability label[for="busy-0"]')).to_be_visible()
    row.get_by_role("button", name="거절").click()
    expect(page.get_by_text("요청을 거절했습니다.")).to_be_visible()
    assert len(questions) == 2
    asked.refresh_from_db()
    assert asked.status == MeetingRequest.Status.DECLINED

    # The partner cancels a scheduled meeting: asked first, then cancelled.
    page.context.clear_cookies()
    login(personas.partner_a)
    page.goto(f"/events/{event.pk}/meetings/")
    assert _width(page) <= 390
    first = MeetingRequest.objects.filter(status=MeetingRequest.Status.ACCEPTED).first()
    page.locator(f'#requests tr[data-request="{first.pk}"]').get_by_role(
        "button", name="미팅 취소").click()
    expect(page.get_by_text("미팅을 취소했습니다.")).to_be_visible()
    assert len(questions) == 3
    first.refresh_from_db()
    assert first.status == MeetingRequest.Status.CANCELLED
