"""Issue 4 in a real browser: a demo startup working on NPU chips sees the partner track about
AI chips ranked first, with the explanation visible."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_demo_npu_startup_sees_the_ai_chip_track_first(page, transactional_db):
    from tests.factories import PASSWORD  # noqa: F401 - demo accounts use the demo password

    # Embeds profiles and tracks, as the demo does.
    call_command("seed_demo", startups=12, calls_only=True)
    page.goto("/accounts/login/")
    page.get_by_label("이메일 주소").fill("startup001@kbridge.demo")
    page.get_by_label("비밀번호").fill("kbridge-demo-2026")
    page.get_by_role("button", name="로그인").last.click()

    page.get_by_role("link", name="추천 트랙").click()
    first = page.locator("ol.ranked > li").first
    expect(first.get_by_role("heading")).to_contain_text("오픈AI · 협업 트랙")
    expect(first.locator(".explanation")).to_be_visible()
    expect(first.locator(".explanation .term").first).to_be_visible()
    expect(first.locator("blockquote.pair")).to_be_visible()
