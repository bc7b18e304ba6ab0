"""Agreements (협약) in Chromium: the operator drafts and sends startup A's agreement with the
prefilled terms, the representative uploads the three documents and accepts, and OpenAI's
staff (the track's partner) see it accepted.

The decided selection (tests/selection/world.py) is made through the ORM, as the selection
tests do; everything else goes through the pages.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kbridge.selection.models import Agreement
from tests.applications.conftest import make_pdf
from tests.selection.world import decided as make_decided

pytestmark = pytest.mark.e2e


def _switch_to(page, login, user):
    page.context.clear_cookies()
    login(user)


def test_operator_sends_startup_uploads_and_accepts_partner_sees_it(
        page, login, world, personas, submitted, tmp_path):
    decided = make_decided(world, personas, submitted)
    outcome = decided.outcomes[0]

    # The operator drafts from the list: the period and the 70/30 split are prefilled.
    login(personas.operator)
    page.goto("/manage/selection/agreements/")
    page.locator(f'a[href="/manage/selection/outcomes/{outcome.pk}/agreement/"]').click()
    expect(page.get_by_label("1차 지급액(원)")).to_have_value("140,000,000")
    expect(page.get_by_label("2차 지급액(원)")).to_have_value("60,000,000")
    # A typo in the second tranche is refused, the typed value kept.
    page.get_by_label("2차 지급액(원)").fill("6,000,000")
    page.get_by_role("button", name="협약 보내기").click()
    expect(page.get_by_text("₩54,000,000 모자랍니다", exact=False)).to_be_visible()
    expect(page.get_by_label("2차 지급액(원)")).to_have_value("6,000,000")
    page.get_by_label("2차 지급액(원)").fill("60,000,000")
    page.get_by_role("button", name="협약 보내기").click()
    expect(page.get_by_text("협약을 기업 대표자에게 보냈습니다.")).to_be_visible()
    expect(page.locator('[data-agreement-status="offered"]')).to_be_visible()

    # The representative uploads the three PDFs at once and accepts.
    _switch_to(page, login, personas.startup_a)
    page.goto(f"/applications/{submitted.pk}/agreement/")
    for n, kind in enumerate(("business_registration", "bank_account", "signed_agreement"), 1):
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(make_pdf(n))
        page.locator(f"#file-{kind}").set_input_files(str(path))
    page.get_by_role("button", name="올리기").click()
    expect(page.get_by_text("사업자등록증: “business_registration.pdf” 파일을 올렸습니다(1쪽)."))\
        .to_be_visible()
    expect(page.get_by_text("필요 서류: 3건 중 3건 제출")).to_be_visible()
    page.get_by_label("협약 내용을 읽었으며 회사를 대표하여 수락합니다.").check()
    page.get_by_role("button", name="협약 수락").click()
    expect(page.get_by_text("협약을 수락했습니다.", exact=False)).to_be_visible()
    expect(page.locator('[data-agreement-status="accepted"]')).to_be_visible()

    agreement = Agreement.objects.get(outcome=outcome)
    assert agreement.status == Agreement.Status.ACCEPTED
    assert agreement.accepted_by == personas.startup_a
    assert agreement.accepted_ip == "127.0.0.1"

    # OpenAI's staff see it accepted and its documents in, but not the files themselves.
    _switch_to(page, login, personas.partner_a)
    page.goto("/partner/selection/agreements/")
    card = page.locator(f'[data-agreement="{agreement.pk}"]')
    expect(card.locator('[data-agreement-status="accepted"]')).to_have_text("수락됨")
    expect(card.locator('[data-document="signed_agreement"]')).to_contain_text("올린 일시")
    expect(card.get_by_role("link", name="signed_agreement.pdf")).to_have_count(0)
