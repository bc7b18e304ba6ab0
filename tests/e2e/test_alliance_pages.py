"""The alliance's pages in Chromium, after the tester's findings: every page fits a 390 px
phone (the report form's visually hidden labels escaped their scroll box, the review page's
investments table had none), the KPI tables are readable at 1280 px, approving a report
asks first, and a failed save says so at the top of the page.

The world is made as the alliance tests make it (tests/alliance/world.py,
tests/alliance/reports/world.py); the pages are then only read, apart from the form.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kbridge.alliance.models import MilestoneReport
from kbridge.alliance.services import reports as report_services
from tests.alliance import world as alliance_world
from tests.alliance.reports.world import accepted, first_report, submitted

pytestmark = pytest.mark.e2e


def _width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def _switch_to(page, login, user):
    page.context.clear_cookies()
    login(user)


def test_every_alliance_page_fits_a_phone_and_kpi_tables_fit_a_laptop(page, login, world,
                                                                       personas):
    alliance = alliance_world.build(world, personas)
    agreement = accepted(world, personas)
    report = submitted(first_report(agreement), personas)
    report_services.approve_report(report=report, by=personas.operator, comment="")
    second = agreement.milestone_reports.get(sequence=2)
    questions = []
    page.on("dialog", lambda d: (d.type == "confirm" and questions.append(d.message),
                                 d.accept()))
    page.set_viewport_size({"width": 390, "height": 844})

    login(personas.startup_a)
    for url in ("/", "/alliance/", "/alliance/reports/", f"/alliance/reports/{report.pk}/",
                f"/alliance/reports/{second.pk}/", "/alliance/collaborations/",
                "/alliance/outcomes/", f"/alliance/members/{alliance.member_a.pk}/",
                f"/alliance/members/{alliance.member_a.pk}/edit/",
                f"/alliance/{personas.operator_org.pk}/directory/"):
        page.goto(url)
        assert _width(page) <= 390, url
    # A POST-only address opened in the browser: the project's page, with a way back.
    page.goto(f"/alliance/members/{alliance.member_a.pk}/leave/")
    expect(page.get_by_role("heading", level=1)).to_have_text("이 주소는 양식 제출 전용입니다")
    expect(page.get_by_role("link", name="페이지로 돌아가기")).to_be_visible()
    # A half-filled investment row: the summary at the top says so and points to the field.
    page.goto(f"/alliance/reports/{second.pk}/")
    page.get_by_label("투자 1: 투자자").fill("스파크랩")
    page.get_by_role("button", name="임시 저장").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name="투자 1: 투자 단계", exact=False)).to_be_visible()
    assert _width(page) <= 390

    _switch_to(page, login, personas.operator)
    for url in ("/alliance/", "/manage/alliance/reports/", f"/manage/alliance/reports/{report.pk}/",
                f"/manage/alliance/reports/{second.pk}/",
                f"/manage/alliance/agreements/{agreement.pk}/tranches/",
                "/manage/alliance/collaborations/", "/manage/alliance/collaborations/new/",
                f"/manage/alliance/collaborations/{alliance.collaboration_a.pk}/",
                f"/manage/alliance/collaborations/{alliance.collaboration_a.pk}/edit/",
                f"/manage/alliance/{personas.operator_org.pk}/members/",
                "/manage/alliance/kpis/"):
        page.goto(url)
        assert _width(page) <= 390, url

    # At 1280 px the KPI tables do not scroll and no header is squeezed to a few letters.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/manage/alliance/kpis/")
    squeezed = page.evaluate("""() => [...document.querySelectorAll('.kpi-table')].flatMap(t => {
        const wrap = t.closest('.table-wrap');
        const out = wrap.scrollWidth > wrap.clientWidth + 1 ? ['scrolls: ' + t.rows[0].innerText] : [];
        for (const th of t.querySelectorAll('thead th'))
            if (th.getBoundingClientRect().width < 60) out.push('narrow: ' + th.innerText);
        return out; })""")
    assert squeezed == []
    expect(page.locator("#chart-collaborations svg")).to_have_count(1)  # two proposed

    # Approving asks first (it cannot be undone).
    resubmitted = submitted(second, personas, investments=[])
    page.goto(f"/manage/alliance/reports/{resubmitted.pk}/")
    page.get_by_role("button", name="승인", exact=True).click()
    expect(page.get_by_text("보고서를 승인하고", exact=False)).to_be_visible()
    assert len(questions) == 1
    assert MilestoneReport.objects.get(pk=second.pk).status == MilestoneReport.Status.APPROVED
