"""Milestone reports in Chromium (issue 16's acceptance): startup A files its interim report,
KISED's operator returns it with a comment, the startup reads the comment, fixes the report
and submits it again, the operator approves it and releases the tranche it held, the
startup sees that tranche released, and the operator's KPI dashboard moved by exactly that
report.

The accepted agreement and its scheduled reports are made as the alliance tests make them
(tests/alliance/reports/world.py); everything else goes through the pages.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kbridge.alliance.models import MilestoneReport, TrancheRelease
from tests.alliance.reports.world import accepted, first_report

pytestmark = pytest.mark.e2e


def _switch_to(page, login, user):
    page.context.clear_cookies()
    login(user)


def test_startup_files_operator_returns_startup_fixes_operator_approves_tranche_released(
        page, login, world, personas):
    agreement = accepted(world, personas)
    report = first_report(agreement)
    page.on("dialog", lambda d: d.accept())  # returning, approving, releasing ask first
    closed_on = report.period_starts_on.isoformat()

    # The startup's representative files report 1 (before tranche 2); amounts as people type
    # them. Overseas revenue more than revenue is refused, what was typed kept.
    login(personas.startup_a)
    page.goto("/alliance/reports/")
    expect(page.locator('[data-tranche="2"] [data-tranche-state]')).to_have_text("지급 보류")
    page.locator(f'[data-report="{report.pk}"] a').click()
    page.get_by_label("일자리 창출").fill("4")
    page.get_by_label("기간 말 임직원 수").fill("19")
    page.get_by_label("매출(원):", exact=True).fill("8억 5천만")
    page.get_by_label("해외 매출(원)").fill("9억")
    page.get_by_label("특허 출원").fill("2")
    page.get_by_label("특허 등록").fill("1")
    page.get_by_label("추진 경과").fill("NPU 시제품 출하, 해외 고객 2곳 계약.")
    page.get_by_label("투자 1: 투자 단계").select_option("series_a")
    page.get_by_label("투자 1: 금액(원)").fill("30억")
    page.get_by_label("투자 1: 투자자").fill("스파크랩")
    page.get_by_label("투자 1: 투자일").fill(closed_on)
    page.get_by_role("button", name="보고서 제출").click()
    # The summary at the top of the page says what to fix, and so does the field.
    expect(page.locator("[data-error-summary]").get_by_text(
        "해외 매출은 매출의 일부이므로 매출보다 클 수 없습니다.")).to_be_visible()
    expect(page.locator(".field-invalid").get_by_text(
        "해외 매출은 매출의 일부이므로 매출보다 클 수 없습니다.")).to_be_visible()
    expect(page.get_by_label("해외 매출(원)")).to_have_value("9억")
    page.get_by_label("해외 매출(원)").fill("1억 2천만")
    page.get_by_role("button", name="보고서 제출").click()
    expect(page.get_by_text("보고서를 제출했습니다.", exact=False)).to_be_visible()
    expect(page.locator("[data-report-status]").first).to_have_text("제출 완료")

    # The operator finds it first in the queue and returns it with a comment.
    _switch_to(page, login, personas.operator)
    page.goto("/manage/alliance/reports/")
    page.locator(f'[data-queue="submitted"] [data-report="{report.pk}"] a').click()
    expect(page.locator("[data-report-figures]")).to_contain_text("₩3,000,000,000")
    page.get_by_label("기업에 보내는 의견").fill("해외 매출의 근거(수출 계약)를 추진 경과에 적어 주세요.")
    page.get_by_role("button", name="의견과 함께 보완 요청").click()
    expect(page.get_by_text("의견과 함께 기업에 보완을 요청했습니다.")).to_be_visible()

    # The startup reads the comment, fixes the report and submits it again.
    _switch_to(page, login, personas.startup_a)
    page.goto(f"/alliance/reports/{report.pk}/")
    expect(page.locator("[data-review-comment]")).to_contain_text(
        "해외 매출의 근거(수출 계약)를 추진 경과에 적어 주세요.")
    expect(page.get_by_label("해외 매출(원)")).to_have_value("120,000,000")
    page.get_by_label("추진 경과").fill("NPU 시제품 출하. 해외 매출: 싱가포르 수출 계약 2건.")
    page.get_by_role("button", name="보고서 제출").click()
    expect(page.get_by_text("보고서를 제출했습니다.", exact=False)).to_be_visible()

    # The operator reads the KPI dashboard (the report, submitted, counts nowhere yet), then
    # approves it and releases tranche 2, which it held.
    _switch_to(page, login, personas.operator)
    before = _headline(page)
    page.goto(f"/manage/alliance/reports/{report.pk}/")
    expect(page.locator("[data-report-history] li")).to_have_count(3)
    page.get_by_role("button", name="승인", exact=True).click()
    expect(page.get_by_text("보고서를 승인하고 기업에 이메일로 알렸습니다.")).to_be_visible()
    page.get_by_role("link", name="이 협약의 지원금 지급").click()
    page.get_by_role("button", name="2차 지급 승인").click()
    expect(page.get_by_text("2차 지급을 승인하고 기업에 이메일로 알렸습니다.")).to_be_visible()

    # The startup sees tranche 2 released.
    _switch_to(page, login, personas.startup_a)
    page.goto("/alliance/reports/")
    expect(page.locator('[data-tranche="2"] [data-tranche-state]')).to_have_text("지급 승인됨")

    approved_report = MilestoneReport.objects.get(pk=report.pk)
    assert approved_report.status == MilestoneReport.Status.APPROVED
    assert approved_report.overseas_revenue_krw == 120_000_000
    assert TrancheRelease.objects.get(agreement=agreement).tranche == 2

    # The dashboard moved by exactly this report: its jobs, revenue and follow-on
    # investment, and one more firm with overseas revenue.
    _switch_to(page, login, personas.operator)
    after = _headline(page)
    assert {k: after[k] - before[k] for k in after} == {
        "jobs": 4, "revenue": 850_000_000, "investment": 3_000_000_000, "overseas-firms": 1}


def _headline(page) -> dict[str, int]:
    """The KPI dashboard's headline totals (their raw ``data-value``), all programs."""
    page.goto("/manage/alliance/kpis/")
    return {key: int(page.get_by_test_id(f"kpi-{key}").get_attribute("data-value"))
            for key in ("jobs", "revenue", "investment", "overseas-firms")}
