"""Issue 15, parts 2, 3 and 4 in one journey, in Chromium: a startup registers for an event
answering its fit questions; after registration closes the host partner's staff review, the
operator confirms the fit review, commits the lottery (its seed's fingerprint is public, the
seed is not) and draws it (the seed and the kbridge-lottery command appear); the startup's page
says it is chosen by the lottery and links its ticket; the host's staff check the ticket in
with the phone's camera, and a second check-in (the typed code) is refused, naming when and by
whom the first was made."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kbridge.core.i18n import format_datetime
from kbridge.engine import lottery as engine
from kbridge.events import ticket_codes
from kbridge.events.models import CheckIn, Event, EventLottery, FitQuestion, Registration, Ticket
from kbridge.events.services import attendees as services
from tests.e2e.test_events_checkin import (
    _sign_in,
    camera_page,  # noqa: F401  (the fixture)
)
from tests.events.attendees.world import startup
from tests.events.tickets.world import payload
from tests.events.world import make_event
from tests.factories import StartupProfileFactory

pytestmark = pytest.mark.e2e

NUMBER = "120-81-47521"


def test_register_then_chosen_by_the_public_lottery_then_checked_in_once(
        page, login, world, personas, camera_page):  # noqa: F811
    event = make_event(world, capacity=3, review_places=1)
    FitQuestion.objects.create(event=event, position=1,
                               text_ko="OpenAI 플랫폼으로 무엇을 만들고 있습니까?",
                               text_en="What are you building on OpenAI's platform?")
    FitQuestion.objects.create(event=event, position=2, text_ko="주력 분야", text_en="Main field",
                               choices=[{"ko": "AI 반도체", "en": "AI chips"},
                                        {"ko": "AI 응용", "en": "AI apps"}])
    org, rep = startup("로보링크")
    StartupProfileFactory(organisation=org, representative=rep,
                          business_registration_number=NUMBER)
    # Two other companies registered earlier (B is the one the review will shortlist).
    answers = {str(q.pk): ("0" if q.choices else "온디바이스 추론") for q in event.fit_questions.all()}
    b = services.register(event=event, organisation=personas.startup_b_org, by=personas.startup_b,
                          business_registration_number="220-81-62517", attendee_name="딥랩스 대표",
                          attendee_email=personas.startup_b.email, answers=answers)
    other_org, other = startup("에이아이팜")
    services.register(event=event, organisation=other_org, by=other,
                      business_registration_number="101-81-10004", attendee_name="대표",
                      attendee_email=other.email, answers=answers)

    # 1. The startup registers from the event page.
    login(rep)
    page.goto(f"/events/{event.pk}/")
    page.get_by_role("link", name="기업 참가 신청").click()
    expect(page.get_by_label("사업자등록번호")).to_have_value(NUMBER)
    page.get_by_label("OpenAI 플랫폼으로 무엇을 만들고 있습니까?").fill(
        "제조 현장 로봇을 위한 음성 지시 에이전트")
    page.get_by_label("AI 응용").check()
    page.get_by_role("button", name="신청", exact=True).click()
    expect(page.get_by_text("참가 신청이 완료되었습니다.")).to_be_visible()
    mine = Registration.objects.get(event=event, organisation=org)
    expect(page.locator("[data-registration-status]")).to_contain_text("로보링크: 신청 완료")
    expect(page.get_by_text(mine.code, exact=False).first).to_be_visible()

    # Registration closes (the exact instant has passed).
    Event.objects.filter(pk=event.pk).update(
        registration_closes_at=timezone.now() - dt.timedelta(seconds=1))

    # 2. The host partner's staff shortlist B; the operator confirms the review.
    page.context.clear_cookies()
    login(personas.partner_a)
    page.goto(f"/manage/events/{event.pk}/registrations/")
    row = page.locator(f'tr[data-registration="{b.code}"]')
    row.get_by_label("적합성 점수").select_option("5")
    row.get_by_label("우선 선정 후보").check()
    row.get_by_role("button", name="저장").click()
    expect(page.get_by_text(f"{b.code} 검토를 저장했습니다.")).to_be_visible()
    expect(page.locator(f'tr[data-registration="{mine.code}"]')).to_contain_text(
        "제조 현장 로봇을 위한 음성 지시 에이전트")

    page.context.clear_cookies()
    login(personas.operator)
    # Each step that cannot be undone asks first (window.confirm): accepted here.
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.goto(f"/manage/events/{event.pk}/registrations/")
    page.get_by_role("button", name="적합성 검토 확정(1곳 선정)").click()
    expect(page.get_by_text("적합성 검토를 확정했습니다.")).to_be_visible()

    # 3. Commit: the fingerprint is public, the seed is not.
    page.get_by_role("button", name="추첨 공약하기").click()
    expect(page.get_by_text("추첨을 공약했습니다.")).to_be_visible()
    assert [q.split("?")[0] for q in asked] == ["적합성 검토를 확정하시겠습니까",
                                                  "추첨을 공약하시겠습니까"]
    draw = EventLottery.objects.get(event=event)
    earliest = format_datetime(draw.committed_at + services.DRAW_DELAY, "ko")
    page.goto(f"/events/{event.pk}/lottery/")
    expect(page.locator("#draw-not-before")).to_contain_text(f"추첨은 빨라도 {earliest}에")
    expect(page.get_by_role("link", name="공개된 추첨 정보(JSON)")).to_have_attribute(
        "download", "lottery.json")
    expect(page.locator("#seed-sha256")).to_have_text(draw.seed_sha256)
    expect(page.locator("#seed")).to_have_count(0)
    expect(page.locator("#entrants")).to_contain_text(mine.code)
    expect(page.locator("body")).not_to_contain_text(draw.seed)

    # 4. Draw: the seed and the command that re-runs it are published.
    page.goto(f"/manage/events/{event.pk}/registrations/")
    # Right after the commit the draw is refused, naming when it may happen.
    page.get_by_role("button", name="지금 추첨하기").click()
    expect(page.get_by_text(f"{earliest}부터 추첨할 수 있습니다.")).to_be_visible()
    # Half an hour later (the commit moved back in the database), the draw goes ahead.
    EventLottery.objects.filter(pk=draw.pk).update(
        committed_at=draw.committed_at - services.DRAW_DELAY)
    page.get_by_role("button", name="지금 추첨하기").click()
    expect(page.get_by_text("추첨했습니다.")).to_be_visible()
    assert asked[-1].startswith("지금 추첨하시겠습니까?")
    page.goto(f"/events/{event.pk}/lottery/")
    expect(page.locator("#seed")).to_have_text(draw.seed)
    assert engine.verify(page.locator("#seed").inner_text(), draw.seed_sha256)
    expect(page.locator("#command")).to_contain_text(
        f"kbridge-lottery --seed {draw.seed} --places 2")
    expect(page.locator("#winners")).to_contain_text(mine.code)

    # 5. The startup's page shows it is chosen by the lottery.
    page.context.clear_cookies()
    login(rep)
    page.goto(f"/events/{event.pk}/")
    expect(page.locator('[data-registration-status="chosen"]')).to_be_visible()
    expect(page.get_by_text("귀사는 추첨을 통해 참가 기업으로 선정되었습니다.")).to_be_visible()
    page.goto("/events/mine/")
    expect(page.get_by_role("row", name="K-스타트업, OpenAI를 만나다")).to_contain_text("선정")

    # 6. Its ticket: the QR code and the typed code (issued when it was chosen).
    ticket = Ticket.objects.get(registration=mine)
    page.goto(f"/events/{event.pk}/")
    page.get_by_role("link", name="내 입장권").click()
    expect(page.locator("svg.ticket-qr")).to_be_visible()
    typed = ticket_codes.display_short_code(ticket.short_code)
    expect(page.locator("[data-typed-code]")).to_have_text(typed)

    # 7. At the door: the host's staff scan it with the phone's camera; admitted once.
    door = camera_page(payload(ticket))
    _sign_in(door, personas.partner_a)
    door.goto(f"/manage/events/{event.pk}/check-in/")
    door.get_by_role("button", name="카메라 켜기").click()
    answer = door.locator("#check-in-answer [data-answer]")
    expect(answer).to_have_attribute("data-answer", "admitted", timeout=30_000)
    first = CheckIn.objects.get(ticket=ticket)
    door.get_by_role("button", name="카메라 끄기").click()

    # 8. A second check-in of the same ticket (its typed code) is refused with who and when.
    door.get_by_label("입장 코드").fill(typed.lower())
    door.get_by_role("button", name="입장 확인").click()
    expect(answer).to_have_attribute("data-answer", "refused")
    when = timezone.localtime(first.at).strftime("%H:%M:%S")
    name = personas.partner_a.full_name or personas.partner_a.email
    expect(answer).to_contain_text(when)
    expect(answer).to_contain_text(name)
    assert CheckIn.objects.filter(ticket=ticket).count() == 1
