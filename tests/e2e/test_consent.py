"""Issue 11, item 6 in a real browser: sign-up with the PIPA consent notice in Korean and in
English, an unverified founder who cannot submit yet, and the my-data page; axe-core checks
every changed page (WCAG 2.x A/AA)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from kbridge.accounts.models import Consent, User
from tests.e2e.test_accessibility import _violations
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.e2e


def test_korean_startup_sign_up_with_consent_then_an_unverified_founder_cannot_submit(
        page, world, personas):
    page.goto("/accounts/signup/startup/")
    expect(page.get_by_role("heading", name="개인정보 수집·이용 동의 (필수)")).to_be_visible()
    for term in ("수집·이용 목적", "수집 항목", "보유 및 이용 기간", "동의를 거부할 권리와 거부 시 불이익"):
        expect(page.get_by_text(term, exact=True)).to_be_visible()
    assert _violations(page) == []
    page.get_by_label("이메일 주소").fill("ceo@edge-npu.example")
    page.get_by_label("성명(기업 대표자)").fill("정하은")
    page.get_by_label("기업명(국문)").fill("엣지엔피유")
    page.locator("#id_password1").fill("low-power-npu-2026!")
    page.locator("#id_password2").fill("low-power-npu-2026!")
    # Without the tick: the reason is shown and nothing typed is lost.
    page.get_by_role("button", name="계정 만들기").click()
    expect(page.get_by_text("개인정보 수집·이용에 동의하려면 확인란을 선택하세요")).to_be_visible()
    expect(page.get_by_label("이메일 주소")).to_have_value("ceo@edge-npu.example")
    expect(page.get_by_label("기업명(국문)")).to_have_value("엣지엔피유")
    assert _violations(page) == []
    page.locator("#id_password1").fill("low-power-npu-2026!")
    page.locator("#id_password2").fill("low-power-npu-2026!")
    page.get_by_label("위 안내를 읽었으며 개인정보 수집·이용에 동의합니다(필수).").check()
    page.get_by_role("button", name="계정 만들기").click()
    expect(page.get_by_text("환영합니다")).to_be_visible()
    founder = User.objects.get(email="ceo@edge-npu.example")
    assert Consent.objects.get(user=founder).text_version == "2026-11-privacy-v1"

    # Not verified yet: the call page explains instead of offering to apply.
    page.goto(f"/calls/{world.call.pk}/")
    expect(page.get_by_text("이메일 주소를 인증하면 신청할 수 있습니다").first).to_be_visible()
    expect(page.get_by_role("button", name="API 트랙 신청하기")).to_have_count(0)
    assert _violations(page) == []

    # A draft from before the rule: it can be written, not submitted, and says why.
    draft = ApplicationFactory(track=world.track_a, applicant=founder.memberships.get()
                               .organisation, created_by=founder)
    page.goto(f"/applications/{draft.pk}/")
    expect(page.get_by_text("제출하려면 이메일 주소를 인증하세요.")).to_be_visible()
    expect(page.get_by_role("button", name="신청서 제출")).to_have_count(0)
    assert _violations(page) == []
    page.get_by_role("button", name="인증 링크 다시 보내기").last.click()
    expect(page.get_by_text("새 인증 링크를 보냈습니다")).to_be_visible()
    assert page.url.endswith(f"/applications/{draft.pk}/")

    # My data: the consent with its version, and a download of the JSON.
    page.get_by_role("link", name="내 정보").click()
    expect(page.get_by_role("heading", name="내 정보", exact=True)).to_be_visible()
    expect(page.get_by_text("2026-11-privacy-v1")).to_be_visible()
    assert _violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="내 정보 내려받기(JSON)").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["account"]["email"] == "ceo@edge-npu.example"
    assert [a["id"] for a in data["applications"]] == [draft.pk]


def test_english_evaluator_sign_up_then_deletes_the_account(page, live_server, db):
    page.context.add_cookies([{"name": "django_language", "value": "en",
                               "url": live_server.url}])
    page.goto("/accounts/signup/evaluator/")
    expect(page.get_by_role("heading", name="Consent to the collection and use of personal "
                                              "data (required)")).to_be_visible()
    expect(page.get_by_text("You have the right to refuse this consent.",
                            exact=False)).to_be_visible()
    page.get_by_label("E-mail address").fill("prof@snu.example")
    page.get_by_label("Your name").fill("Dana Park")
    page.locator("#id_affiliation_name").fill("Seoul National University")
    page.locator("#id_password1").fill("evaluation-with-reasons-9")
    page.locator("#id_password2").fill("evaluation-with-reasons-9")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Tick the box to agree to the collection and use of your "
                            "personal data.")).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Dana Park")
    assert _violations(page) == []
    page.locator("#id_password1").fill("evaluation-with-reasons-9")
    page.locator("#id_password2").fill("evaluation-with-reasons-9")
    page.get_by_label("I have read the notice above and agree").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Welcome!")).to_be_visible()

    page.get_by_role("link", name="My data").click()
    expect(page.get_by_role("heading", name="Delete my account")).to_be_visible()
    assert _violations(page) == []
    # A wrong password keeps the account and says so, accessibly.
    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_label("I understand that my account is deleted at once").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("The password is not correct.")).to_be_visible()
    assert _violations(page) == []
    page.get_by_label("Your password").fill("evaluation-with-reasons-9")
    page.get_by_label("I understand that my account is deleted at once").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account is deleted.")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    user = User.objects.get(consents__isnull=False)
    assert user.deleted_at is not None and user.email.endswith("@deleted.invalid")
