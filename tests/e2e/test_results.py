"""Issue 14's results in Chromium: before the announcement instant the applicant reads only
when the results will come; from the instant on, the decision with its reasons — score per
criterion, cut-off, rank band, the evaluators' anonymised reasons — and chooses to appear on
the public results page; the partner of the track records interest in an application.

The decided world (tests/selection/world.py) is made through the ORM; the announcement is set
ten minutes ahead and the clock travels past it (within the session's idle timeout).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from kbridge.selection.models import Outcome, PartnerInterest
from tests.selection.world import decided as make_decided

pytestmark = pytest.mark.e2e


def test_the_applicant_reads_the_result_at_the_instant_and_the_partner_records_interest(
        page, login, world, personas, submitted):
    d = make_decided(world, personas, submitted, announced=False)
    d.policy.announcement_at = timezone.now() + dt.timedelta(minutes=10)
    d.policy.save(update_fields=["announcement_at"])
    result_url = f"/applications/{submitted.pk}/result/"

    login(personas.startup_a)
    page.goto(result_url)
    expect(page.get_by_text("결과는", exact=False)).to_be_visible()
    expect(page.get_by_text("상위 10 %")).to_have_count(0)
    expect(page.get_by_text("평가위원 1")).to_have_count(0)

    with time_machine.travel(d.policy.announcement_at + dt.timedelta(seconds=1), tick=True):
        page.goto(result_url)
        expect(page.get_by_role("heading", name="결정: 선정")).to_be_visible()
        expect(page.get_by_text("상위 10 %")).to_be_visible()
        expect(page.get_by_text("90.00 / 100")).to_be_visible()
        expect(page.get_by_text("85.00 / 100")).to_be_visible()
        market = page.get_by_role("row", name="시장성")
        expect(market).to_contain_text("37.50 / 50")
        for n in range(1, 6):
            expect(page.get_by_role("heading", name=f"평가위원 {n}", exact=True)).to_be_visible()
        expect(page.get_by_role("link", name="이의신청")).to_have_attribute(
            "href", f"/applications/{submitted.pk}/appeal/")

        page.get_by_label("공개 결과 페이지에 우리 회사 이름 공개").check()
        page.get_by_role("button", name="선택 저장").click()
        expect(page.get_by_text("공개 결과 페이지 공개 여부를 저장했습니다.")).to_be_visible()
        assert Outcome.objects.get(application=submitted).publish_consent is True
        page.goto(f"/results/{world.call.pk}/")
        expect(page.get_by_role("listitem").filter(has_text="뉴로칩스")).to_be_visible()
        expect(page.get_by_text("외 선정 기업 1곳")).to_be_visible()

        page.context.clear_cookies()
        login(personas.partner_a)
        page.goto("/partner/selection/")
        page.get_by_role("link", name=world.track_a.name_ko).click()
        card = page.locator(f"#application-{d.applications[1].pk}")
        card.get_by_label("메모(선택)").fill("데모데이에 초청하고 싶습니다.")
        card.get_by_role("button", name="관심 표시").click()
        expect(page.get_by_text("귀사의 관심 표시가 저장되었습니다.")).to_be_visible()
        expect(page.locator(f"#application-{d.applications[1].pk}")
               .get_by_role("button", name="관심 표시 취소")).to_be_visible()
    interest = PartnerInterest.objects.get()
    assert (interest.application, interest.organisation, interest.note) == (
        d.applications[1], personas.partner_a_org, "데모데이에 초청하고 싶습니다.")
