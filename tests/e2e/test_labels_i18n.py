"""Issue 11 in a real browser: labels instead of codes (item 1) and both languages all the way
(item 2), in Korean and English, with axe-core checks on the changed pages. Screenshots of
every page and language are saved under the test's temporary directory."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import ApplicationFactory, StartupProfileFactory

pytestmark = pytest.mark.e2e

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}
RAW_CODES = ["duplicate_funding_declared", "company_too_old", "application.submitted",
             "track.updated", "{'", "startup_rep"]
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _axe(page) -> list[str]:
    results = Axe().run(page, options=WCAG)
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]]


def _language(page, live_server, language: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language,
                               "url": live_server.url}])


def _shot(page, tmp_path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)


@pytest.fixture
def coded(world, personas, submitted):
    """Startup B's draft with two findings, Korean and English keywords, a track change."""
    from kbridge.programs import services as program_services

    world.track_a.interest_keywords = ["platform developers", "플랫폼 개발", "LLM"]
    world.track_a.save()
    world.track_b.interest_keywords = ["autonomous driving", "자율주행", "GPU"]
    world.track_b.save()
    org = personas.startup_b_org
    org.name_ko, org.name_en = "워크로보틱스", "Work Robotics"
    org.save()
    StartupProfileFactory(organisation=org, representative=personas.startup_b,
                          founded_on=dt.date(2010, 1, 4))
    ApplicationFactory(track=world.track_b, applicant=org, created_by=personas.startup_b,
                       declares_government_support=True, government_support_detail="TIPS")
    program_services.update_track(track=world.track_a, by=personas.operator, quota=8)
    return submitted


@pytest.mark.parametrize("language", ["ko", "en"])
def test_operator_pages_show_labels_not_codes(page, login, live_server, world, personas, coded,
                                              language, tmp_path):
    """Item 1: findings, choice answers, statuses and audit changes read as words."""
    login(personas.operator)
    _language(page, live_server, language)
    page.set_viewport_size({"width": 1280, "height": 900})
    en = language == "en"

    page.goto(f"/manage/calls/{world.call.pk}/applications/")
    _shot(page, tmp_path, f"application-list-{language}")
    body = page.locator("main").inner_text()
    assert [c for c in RAW_CODES if c in body] == []
    findings = page.locator(".findings li")
    expect(findings.filter(has_text="Company too old for this track" if en
                           else "업력 기준 초과")).to_be_visible()
    expect(findings.filter(has_text="Declared duplicate funding" if en
                           else "중복지원 신고")).to_be_visible()
    per_track = page.get_by_role("list", name="Applications per track" if en else "트랙별 신청 건수")
    expect(per_track).to_contain_text("NVIDIA · Accelerated computing track: 1" if en
                                      else "엔비디아 · 가속 컴퓨팅 트랙: 1")
    assert _axe(page) == []

    page.goto(f"/manage/applications/{coded.pk}/")
    _shot(page, tmp_path, f"application-detail-{language}")
    body = page.locator("main").inner_text()
    assert [c for c in RAW_CODES if c in body] == []
    assert re.search(r"^poc$", body, re.M) is None
    expect(page.locator("dl.facts dd").filter(
        has_text="Proof of concept" if en else "기술검증(PoC)")).to_be_visible()
    assert _axe(page) == []

    page.goto("/audit/")
    _shot(page, tmp_path, f"audit-log-{language}")
    body = page.locator("main").inner_text()
    assert [c for c in RAW_CODES if c in body] == []
    change = page.locator(".changes li").filter(has_text="→").first
    expect(change).to_have_text(re.compile(r"^(Places|선정 규모): 7 → 8$"))
    # E-mail addresses stay on one line: the cell is about one line high.
    cell = page.locator("td.email").first
    line = float(cell.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    box = cell.evaluate("e => { const r = document.createRange(); r.selectNodeContents(e);"
                        " return r.getBoundingClientRect().height; }")
    assert box < 1.5 * line, (box, line)
    assert _axe(page) == []


@pytest.mark.parametrize("language", ["ko", "en"])
def test_pages_speak_one_language_and_one_date_style(page, login, live_server, world, personas,
                                                     coded, language, tmp_path):
    """Item 2: names and keywords in the page's language, a visible note where only the
    other language exists, and every date written the same way."""
    en = language == "en"
    _language(page, live_server, language)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"/calls/{world.call.pk}/")
    _shot(page, tmp_path, f"call-detail-{language}")
    timeline = page.locator("dl.timeline").inner_text()
    assert ISO_DAY.search(timeline) is None, timeline
    day = (r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}" if en
           else r"\d{4}년 \d{1,2}월 \d{1,2}일\([월화수목금토일]\)")
    expect(page.locator("dl.timeline dd").first).to_have_text(
        re.compile(rf"^{day}{', ' if en else ' '}\d\d:\d\d KST$"))
    expect(page.locator("dl.timeline dd").nth(2)).to_have_text(re.compile(rf"^{day} – {day}$"))
    keywords = page.locator("article.track").first.locator("ul.tags")
    if en:
        expect(keywords).to_have_text(re.compile(r"platform developers"))
        assert HANGUL.search(keywords.inner_text()) is None
        expect(page.get_by_role("heading", name="NVIDIA · Accelerated computing track"))\
            .to_be_visible()
    else:
        expect(keywords).to_contain_text("플랫폼 개발")
    assert _axe(page) == []

    # A company without an English name: its Korean name, marked as Korean.
    personas.startup_a_org.name_en = ""
    personas.startup_a_org.save()
    _language(page, live_server, "ko")  # the sign-in helper reads the Korean labels
    login(personas.operator)
    _language(page, live_server, language)
    page.goto(f"/manage/calls/{world.call.pk}/applications/")
    _shot(page, tmp_path, f"fallback-{language}")
    row = page.get_by_role("row").filter(has_text="뉴로칩스")
    if en:
        expect(row.locator(".lang-fallback")).to_have_text("(in Korean)")
        expect(row.locator("[lang=ko]")).to_have_text("뉴로칩스")
        expect(page.get_by_role("link", name="Work Robotics")).to_be_visible()
        assert "워크로보틱스" not in page.locator("main").inner_text()
    else:
        expect(row.locator(".lang-fallback")).to_have_count(0)
    dates = page.locator("table td:nth-child(4)").all_inner_texts()
    assert all(re.fullmatch(rf"({day}, \d\d:\d\d KST)?" if en
                            else rf"({day} \d\d:\d\d KST)?", d.strip()) for d in dates), dates
    assert _axe(page) == []
