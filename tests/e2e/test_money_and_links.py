"""Issue 11, items 4 and 8 in Chromium: amounts typed as people write them and shown as
₩350,000,000 / 3억 5,000만 원; e-mail links of a demo pointing at the address it is served at."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from kbridge.accounts.models import User
from kbridge.programs.models import Program, Track
from tests.e2e.helpers import fill_startup_sign_up
from tests.e2e.test_accessibility import _violations

pytestmark = pytest.mark.e2e


def _language(page, live_server, language):
    page.context.add_cookies([{"name": "django_language", "value": language,
                               "url": live_server.url}])


def test_amounts_typed_with_the_won_sign_are_shown_formatted_in_both_languages(
        page, login, world, personas, live_server):
    login(personas.operator)
    page.goto("/manage/programs/new/")
    page.locator("#id_operator").select_option(str(personas.operator_org.pk))
    page.locator("#id_year").fill("2027")
    page.locator("#id_name_ko").fill("2027 글로벌 기업 협업 프로그램")
    page.locator("#id_name_en").fill("2027 Global Company Collaboration Program")
    budget = page.locator("#id_budget_krw")
    expect(budget).to_have_attribute("inputmode", "numeric")
    budget.fill("-₩350,000,000")
    page.get_by_role("button", name="저장").click()
    # Refused with a reason; what was typed is still there.
    expect(page.locator("#id_budget_krw")).to_have_value("-₩350,000,000")
    expect(page.get_by_text("0원 이상의 금액을 마이너스(-) 기호 없이 입력해 주세요.")).to_be_visible()
    assert _violations(page) == []
    page.locator("#id_budget_krw").fill("₩350,000,000")
    page.get_by_role("button", name="저장").click()
    expect(page.get_by_text("3억 5,000만 원 (₩350,000,000)")).to_be_visible()
    assert Program.objects.get(year=2027).budget_krw == 350_000_000
    assert _violations(page) == []
    program = Program.objects.get(year=2027)

    # A track's cap, typed the same way, on the world's open call.
    page.goto(f"/manage/programs/calls/{world.call.pk}/tracks/new/")
    page.locator("#id_partner").select_option(str(world.partner_a.pk))
    page.locator("#id_name_ko").fill("공동개발 트랙")
    page.locator("#id_name_en").fill("Co-development track")
    page.locator("#id_quota").fill("1")
    page.locator("#id_funding_cap_krw").fill("₩350,000,000")
    page.get_by_role("button", name="저장").click()
    page.wait_for_load_state()
    assert Track.objects.get(name_en="Co-development track").funding_cap_krw == 350_000_000

    page.goto(f"/calls/{world.call.pk}/")
    expect(page.get_by_text("최대 3억 5,000만 원 (₩350,000,000)")).to_be_visible()
    assert _violations(page) == []
    page.goto(f"/manage/programs/{program.pk}/edit/")
    expect(page.locator("#id_budget_krw")).to_have_value("350,000,000")

    _language(page, live_server, "en")
    page.goto(f"/manage/programs/{program.pk}/")
    expect(page.get_by_text("₩350,000,000")).to_be_visible()
    assert "350000000" not in page.content()
    assert _violations(page) == []
    page.goto(f"/calls/{world.call.pk}/")
    expect(page.get_by_text("up to ₩350,000,000")).to_be_visible()
    assert _violations(page) == []


def test_the_demo_sends_verification_links_to_the_address_it_serves(
        page, live_server, settings, run_tasks):
    settings.DEBUG, settings.SITE_URL = True, ""
    page.goto("/accounts/signup/startup/")
    fill_startup_sign_up(page, email="ceo@edge-npu.example", name="정하은",
                         company_ko="엣지엔피유", company_en="Edge NPU",
                         password="low-power-npu-2026!")
    page.locator("#id_privacy_consent").check()
    page.get_by_role("button", name="계정 만들기").click()
    page.wait_for_load_state()
    # The confirmation names the address without a particle placeholder.
    expect(page.get_by_text("ceo@edge-npu.example 주소로 인증 링크를 보냈습니다")).to_be_visible()
    assert "(으)로" not in page.content()
    run_tasks()
    link = re.search(r"https?://\S+/accounts/verify/\S+", mail.outbox[-1].body).group(0)
    assert link.startswith(live_server.url + "/")
    page.goto(link)
    assert User.objects.get(email="ceo@edge-npu.example").email_verified_at is not None
    assert _violations(page) == []
