"""Issue 2 in a real browser: an operator builds a call, a visitor reads it in English, a
partner edits only its own track."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kbridge.programs.models import Call

pytestmark = pytest.mark.e2e


def test_operator_creates_a_call_with_two_tracks(page, login, world, personas):
    login(personas.operator)
    page.goto(f"/manage/programs/{world.program.pk}/")
    page.get_by_role("link", name="새 공고").click()
    page.get_by_label("제목(국문)").fill("2027년 K-스타트업 밋 OpenAI 참가기업 모집")
    page.get_by_label("제목(영문)").fill("2027 K-Startups meet OpenAI: call for startups")
    page.get_by_label("접수 시작").fill("2027-01-05T09:00")
    page.get_by_label("접수 마감").fill("2027-02-05T16:00")
    page.get_by_label("서면평가 시작일").fill("2027-02-08")
    page.get_by_label("서면평가 종료일").fill("2027-02-19")
    page.get_by_label("발표평가 시작일").fill("2027-02-24")
    page.get_by_label("발표평가 종료일").fill("2027-02-25")
    page.get_by_label("결과 발표일").fill("2027-03-05")
    page.get_by_role("button", name="저장").click()
    expect(page.get_by_text("공고를 만들었습니다")).to_be_visible()

    for partner, name_ko, name_en in [
        (world.partner_a, "API 트랙", "API track"),
        (world.partner_a, "협업 트랙", "Collaboration track"),
    ]:
        page.get_by_role("link", name="트랙 추가").click()
        page.get_by_label("글로벌 기업").select_option(str(partner.pk))
        page.get_by_label("이름(국문)").fill(name_ko)
        page.get_by_label("이름(영문)").fill(name_en)
        page.get_by_label("선정 규모").fill("7")
        page.get_by_label("기업당 지원 한도(원)").fill("200000000")
        page.get_by_label("관심 키워드").fill("LLM, AI chips")
        page.locator("#id_package-0-kind").select_option("cloud_credits")
        page.locator("#id_package-0-description_ko").fill("API 크레딧")
        page.locator("#id_package-0-description_en").fill("API credits")
        page.get_by_role("button", name="트랙 저장").click()
        expect(page.get_by_text("트랙을 추가했습니다")).to_be_visible()

    page.get_by_role("button", name="공고 게시").click()
    expect(page.get_by_text("공고를 게시했습니다")).to_be_visible()

    call = Call.objects.get(title_en="2027 K-Startups meet OpenAI: call for startups")
    assert (call.status, call.tracks.count()) == ("published", 2)
    page.goto(f"/calls/{call.pk}/")
    expect(page.get_by_text("2027년 2월 5일(금) 16:00 KST").first).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("API 트랙"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("협업 트랙"))).to_be_visible()


def test_visitor_switches_to_english_and_sees_the_countdown(page, world):
    page.goto("/")
    expect(page.get_by_role("heading", name="모집 중인 공고")).to_be_visible()
    # Korean writes the days as one word: "12일 11:09:25", never "12 일".
    expect(page.locator("[data-countdown-text]").first).to_have_text(
        re.compile(r"^\d+일 \d\d:\d\d:\d\d$"))
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Open calls")).to_be_visible()
    countdown = page.locator("[data-countdown-text]").first
    expect(countdown).to_have_text(re.compile(r"^(\d+ days|1 day) \d\d:\d\d:\d\d$"))
    first = countdown.text_content()
    # It ticks: the text changes within a few seconds, even on a busy machine.
    expect(countdown).not_to_have_text(first, timeout=5000)
    page.get_by_role("link", name=world.call.title_en).click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.get_by_text(re.compile(r"\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d KST")).first).to_be_visible()


def test_partner_edits_only_its_own_track(page, login, world, personas):
    login(personas.partner_a)
    expect(page.get_by_role("heading", name="담당 트랙")).to_be_visible()
    expect(page.get_by_role("cell", name="API 트랙")).to_be_visible()
    expect(page.get_by_role("cell", name="가속 컴퓨팅 트랙")).to_have_count(0)
    page.locator(f"a[href='/manage/programs/tracks/{world.track_a.pk}/edit/']").click()
    expect(page.get_by_label("선정 규모")).to_have_count(0)
    page.locator("#id_description_en").fill("Build agents on our newest models.")
    page.get_by_role("button", name="트랙 저장").click()
    expect(page.get_by_text("트랙을 저장했습니다")).to_be_visible()
    world.track_a.refresh_from_db()
    assert world.track_a.description_en == "Build agents on our newest models."

    response = page.goto(f"/manage/programs/tracks/{world.track_b.pk}/edit/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="페이지를 찾을 수 없습니다")).to_be_visible()
