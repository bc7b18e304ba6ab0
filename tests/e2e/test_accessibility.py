"""axe-core (WCAG 2.x A/AA rules) finds no violations on the main pages, in both languages,
on a desktop and a phone-sized screen."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.e2e

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}


def _violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG)
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]]


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_public_pages(page, world, live_server, language, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": language,
                               "url": live_server.url}])
    for path in ["/", f"/calls/{world.call.pk}/", "/accounts/login/",
                 "/accounts/signup/startup/"]:
        page.goto(path)
        assert _violations(page) == [], path


def test_operator_and_partner_forms(page, login, world, personas):
    login(personas.operator)
    for path in [f"/manage/programs/{world.program.pk}/",
                 f"/manage/programs/calls/{world.call.pk}/tracks/new/",
                 f"/manage/programs/{world.program.pk}/calls/new/", "/audit/"]:
        page.goto(path)
        assert _violations(page) == [], path
    # A form with errors must stay accessible too.
    page.goto(f"/manage/programs/{world.program.pk}/calls/new/")
    page.get_by_role("button", name="저장").click()
    assert _violations(page) == []
