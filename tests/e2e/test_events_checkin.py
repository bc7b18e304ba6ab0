"""Issue 15, part 4, in Chromium: a chosen startup's attendee opens the ticket page; the host's
staff check the ticket in with the phone page's CAMERA; a second scan and the typed code are
refused, naming when and by whom the first check-in was made.

The camera is Chromium's fake capture device playing a Y4M video drawn here from the ticket's
QR matrix (``--use-file-for-fake-video-capture``), so the scanner (barcode-detector on
zxing-wasm, served from our static files) decodes a real camera stream. The staff browser is a
separate launch because those switches apply to the whole browser.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kbridge.events import ticket_codes
from kbridge.events.models import CheckIn
from tests.e2e.conftest import CHROMIUM, CspWatch
from tests.e2e.test_accessibility import _violations
from tests.events import world as events_world
from tests.events.tickets.world import issue, payload
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 640, 480
KST = dt.timezone(dt.timedelta(hours=9))


def write_y4m(path: Path, text: str, frames: int = 10) -> Path:
    """A grey-scale YUV4MPEG2 video (4:2:0) of ``frames`` identical frames showing ``text``'s
    QR code black on white, as big as fits with its four-module quiet zone."""
    matrix = [list(row) for row in ticket_codes.qr(text).matrix]
    size = len(matrix) + 8
    scale = min(WIDTH, HEIGHT) // size
    left, top = (WIDTH - size * scale) // 2, (HEIGHT - size * scale) // 2
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for y in range(top + (r + 4) * scale, top + (r + 5) * scale):
                    start = y * WIDTH + left + (c + 4) * scale
                    luma[start:start + scale] = b"\x00" * scale
    chroma = b"\x80" * ((WIDTH // 2) * (HEIGHT // 2))
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * frames)
    return path


@pytest.fixture
def camera_page(browser, tmp_path, live_server):
    """A page in a second Chromium (launched by the session's Playwright, ``browser``'s) with a
    fake camera; call it with the QR text to show. Fails the test on any
    Content-Security-Policy violation, like the ``page`` fixture."""
    opened = []

    def _open(text: str):
        video = write_y4m(tmp_path / "ticket.y4m", text)
        camera_browser = browser.browser_type.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={video}"])
        context = camera_browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul",
                                      base_url=live_server.url,
                                      viewport={"width": 390, "height": 844},
                                      is_mobile=True, has_touch=True,
                                      permissions=["camera"])
        context.set_default_timeout(20_000)
        csp = CspWatch.attach(context)
        page = context.new_page()
        opened.append((camera_browser, context, csp, page))
        return page

    yield _open
    for camera_browser, context, csp, page in opened:
        try:
            csp.settle(page)
        finally:
            context.close()
            camera_browser.close()
        csp.assert_clean()


@pytest.fixture
def event_world(world, personas):
    return events_world.build(world, personas)


def _sign_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("이메일 주소").fill(user.email)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").last.click()
    page.wait_for_load_state()


def test_ticket_then_camera_check_in_then_second_scan_refused(page, login, camera_page,
                                                              event_world, personas):
    event = event_world.event
    ticket = issue(event_world.registration_a, by=personas.operator)
    typed = ticket_codes.display_short_code(ticket.short_code)

    # The attendee (startup A's member) opens the ticket page: QR code, typed code, KST time.
    login(personas.startup_a_member)
    page.goto(f"/events/{event.pk}/")
    page.get_by_role("link", name="내 입장권").click()
    expect(page).to_have_url(re.compile(rf"/events/{event.pk}/ticket/$"))
    expect(page.get_by_role("heading", name="내 입장권")).to_be_visible()
    expect(page.locator("svg.ticket-qr")).to_be_visible()
    expect(page.locator("[data-typed-code]")).to_have_text(typed)
    expect(page.get_by_text("18:00")).to_be_visible()
    assert _violations(page) == []

    # OpenAI's staff member opens the door page on a phone and scans with the camera.
    staff = personas.partner_a
    door = camera_page(payload(ticket))
    _sign_in(door, staff)
    door.goto(f"/manage/events/{event.pk}/check-in/")
    width = door.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the door page scrolls sideways on a phone ({width}px)"
    assert _violations(door) == []
    door.get_by_role("button", name="카메라 켜기").click()
    expect(door.get_by_role("button", name="카메라 켜기")).to_be_hidden()
    answer = door.locator("#check-in-answer [data-answer]")
    expect(answer).to_have_attribute("data-answer", "admitted", timeout=30_000)
    expect(answer).to_contain_text(event_world.registration_a.attendee_name)
    expect(answer).to_contain_text(personas.startup_a_org.name_ko)
    first = CheckIn.objects.get(ticket=ticket)
    assert (first.by, first.method) == (staff, CheckIn.Method.SCAN)
    expect(door.locator("#check-in-recent")).to_contain_text(
        event_world.registration_a.attendee_name)

    # The ticket stays in front of the camera: it is not sent again. Stopping and starting
    # the camera is a deliberate second scan: refused, with the first's time and staff name.
    door.wait_for_timeout(1000)
    assert CheckIn.objects.count() == 1
    door.get_by_role("button", name="카메라 끄기").click()
    door.get_by_role("button", name="카메라 켜기").click()
    expect(answer).to_have_attribute("data-answer", "refused", timeout=30_000)
    when = timezone.localtime(first.at, KST).strftime("%H:%M:%S")
    name = staff.full_name or staff.email
    expect(answer).to_contain_text(re.compile(rf"{when}.*{re.escape(name)}"))
    door.get_by_role("button", name="카메라 끄기").click()

    # The typed code, lower case with spaces, is refused the same way.
    door.get_by_label("입장 코드").fill(" " + typed.lower().replace("-", " "))
    door.get_by_role("button", name="입장 확인").click()
    expect(answer).to_have_attribute("data-answer", "refused")
    expect(answer).to_contain_text(when)
    expect(answer).to_contain_text(name)
    assert CheckIn.objects.count() == 1
    assert _violations(door) == []  # with the answer and the list of check-ins
