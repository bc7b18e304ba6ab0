"""Nothing typed is lost without a warning (issue 9, item 5): a page shown again with errors
holds text that is not saved, and leaving it — here through the language switch, which the
outside tester used — asks first."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_switching_language_after_a_failed_save_keeps_the_text(page, personas, login):
    """The language switch no longer has to ask: what was typed travels to the page it lands
    on (issue 11, item 3); leaving by any other way still asks (below)."""
    login(personas.startup_a)
    page.goto("/startup/profile/")
    page.get_by_label("설명(국문)").fill("온디바이스 NPU를 설계하는 팀입니다.")
    page.locator("#id_founded_on").fill("2099-01-01")
    page.get_by_role("button", name="저장").click()
    expect(page.locator("#id_founded_on")).to_have_attribute("aria-invalid", "true")

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert dialogs == []
    expect(page.get_by_label("Description (Korean)")).to_have_value(
        "온디바이스 NPU를 설계하는 팀입니다.")
    expect(page.locator("#id_founded_on")).to_have_value("2099-01-01")
    assert page.url.endswith("/startup/profile/")

    # Not saved yet: leaving by a link still asks first.
    page.get_by_role("link", name="Calls").first.click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith("/startup/profile/")


def test_a_saved_page_leaves_without_asking(page, personas, login):
    from tests.factories import StartupProfileFactory

    StartupProfileFactory(organisation=personas.startup_a_org, representative=personas.startup_a)
    login(personas.startup_a)
    page.goto("/startup/profile/")
    page.get_by_label("설명(국문)").fill("저장되는 소개")
    page.get_by_role("button", name="저장").click()
    expect(page.get_by_text("기업 정보를 저장했습니다.")).to_be_visible()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert dialogs == []
