"""Issue 3 in a real browser: a founder signs up, keeps a draft across a closed tab, uploads a
deck, submits and downloads the receipt."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kbridge.applications import services
from kbridge.applications.models import Submission
from tests.e2e.helpers import fill_startup_sign_up, pdf_file

pytestmark = pytest.mark.e2e


def test_founder_applies_from_sign_up_to_receipt(page, world, personas, tmp_path):
    questions = services.add_standard_questions(call=world.call, by=personas.operator)
    summary_q = questions[0]

    page.goto("/accounts/signup/startup/")
    fill_startup_sign_up(page, email="ceo@edge-npu.example", name="정하은",
                         company_ko="엣지엔피유", company_en="Edge NPU",
                         password="low-power-npu-2026!")
    page.get_by_label("개인정보 수집·이용에 동의합니다").check()
    page.get_by_role("button", name="계정 만들기").click()
    expect(page.get_by_text("환영합니다")).to_be_visible()
    # Applying needs a verified address (issue 11): open the link from the e-mail.
    from kbridge.accounts.models import User
    from kbridge.accounts.services import verification_token

    founder = User.objects.get(email="ceo@edge-npu.example")
    page.goto(f"/accounts/verify/{verification_token(founder)}/")
    expect(page.get_by_text("이메일 주소가 인증되었습니다")).to_be_visible()

    page.get_by_role("link", name="기업 정보").click()
    page.get_by_label("사업자등록번호").fill("2208162517")
    page.get_by_label("설립일").fill("2023-04-03")
    page.get_by_label("분야").fill("AI 반도체")
    page.get_by_label("기술 키워드").fill("NPU, 엣지 AI, on-device AI")
    page.get_by_label("설명(국문)").fill("엣지 디바이스용 저전력 NPU를 설계합니다.")
    page.get_by_role("button", name="기업 정보 저장").click()
    expect(page.get_by_text("기업 정보를 저장했습니다")).to_be_visible()

    page.goto(f"/calls/{world.call.pk}/")
    page.get_by_role("button", name="API 트랙 신청하기").click()
    expect(page.get_by_role("heading", name=re.compile("신청서"))).to_be_visible()
    expect(page.get_by_text("작성 중(미제출)")).to_be_visible()

    # Type, leave the field, and let autosave confirm; then close the tab mid-way.
    page.get_by_label("사업 아이템 개요").fill("온디바이스 AI를 위한 저전력 NPU와 컴파일러.")
    page.get_by_label("사업 아이템 개요").press("Tab")
    expect(page.locator("#save-status")).to_contain_text("자동 저장됨")
    context = page.context
    page.close()

    page = context.new_page()
    page.goto("/applications/")
    page.get_by_role("link", name=world.call.title_ko).click()
    expect(page.get_by_label("사업 아이템 개요")).to_have_value(
        "온디바이스 AI를 위한 저전력 NPU와 컴파일러.")

    page.get_by_label("핵심 기술과 차별성").fill("INT4 양자화 전용 MAC 어레이, 1 W 미만 전력.")
    page.get_by_label("글로벌 기업과의 협업 계획").fill("OpenAI API 기반 온디바이스 에이전트 공동 PoC.")
    page.get_by_label("희망 협업 형태").select_option("co_dev")
    page.get_by_label("현재 다른 정부 창업지원사업의 지원을 받고 있습니까?").select_option("no")
    page.get_by_label("당사는 국세·지방세 체납이 없음을 확인합니다.").check()
    page.get_by_role("button", name="임시 저장").click()
    expect(page.get_by_text("임시 저장했습니다")).to_be_visible()

    for question, pages in ((questions[5], 12), (questions[6], 20)):
        slot = page.locator(f"#slot-{question.pk}")
        slot.locator("input[type=file]").set_input_files(pdf_file(tmp_path / f"{question.pk}.pdf",
                                                              pages))
        slot.get_by_role("button", name="올리기").click()
        expect(page.get_by_text(f"올렸습니다({pages}쪽)")).to_be_visible()

    expect(page.get_by_text("신청 자격을 충족합니다")).to_be_visible()
    page.get_by_role("button", name="신청서 제출").click()
    expect(page.get_by_role("heading", name="신청서가 제출되었습니다")).to_be_visible()
    submission = Submission.objects.get()
    expect(page.locator("[data-receipt-number]")).to_have_text(submission.receipt_number)
    assert submission.answers["answers"][str(summary_q.pk)] == "온디바이스 AI를 위한 저전력 NPU와 컴파일러."

    with page.expect_download() as download_info:
        page.get_by_role("link", name="접수증 내려받기").click()
    text = download_info.value.path().read_text(encoding="utf-8")
    assert submission.receipt_number in text
    assert submission.answers_sha256 in text
    assert all(f["sha256"] in text for f in submission.files)
