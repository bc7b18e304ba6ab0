"""Content-Security-Policy in the browser: the policy really blocks inline code, the browser
tests' detector (``CspWatch`` in conftest.py, used by every ``page``) reports each violation
with its directive, and Django's admin works under the policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CspWatch
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def watched(browser, live_server):
    """A page whose CSP violations are collected but not asserted, to test the detector."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    watch = CspWatch.attach(context)
    page = context.new_page()
    yield page, watch
    context.close()


def test_the_detector_reports_an_injected_inline_script(watched, world):
    page, watch = watched
    page.goto("/")
    watch.settle(page)
    assert watch.violations == []  # the real page is clean
    page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.injected = true";
        document.head.appendChild(s);
    }""")
    watch.settle(page)
    assert page.evaluate("() => window.injected") is None  # refused, never ran
    assert any(v.startswith("script-src") for v in watch.violations), watch.violations
    with pytest.raises(AssertionError, match="script-src"):
        watch.assert_clean()


def test_the_detector_reports_inline_styles_and_handlers(watched, world):
    page, watch = watched
    page.goto(f"/calls/{world.call.pk}/")
    page.evaluate("""() => {
        const h = document.querySelector("h1");
        h.setAttribute("style", "color: red");
        const st = document.createElement("style");
        st.textContent = "body { background: red }";
        document.head.appendChild(st);
        h.setAttribute("onclick", "window.clicked = true");
        h.click();
    }""")
    watch.settle(page)
    assert page.evaluate("() => window.clicked") is None
    directives = {v.split(":")[0] for v in watch.violations}
    assert {"style-src-attr", "style-src-elem", "script-src-attr"} <= directives, watch.violations
    # Setting styles through the CSSOM (as our JS and htmx do) is allowed.
    count = len(watch.violations)
    page.evaluate("() => { document.querySelector('h1').style.color = 'blue'; }")
    watch.settle(page)
    assert len(watch.violations) == count


def test_django_admin_works_under_the_policy(page, world):
    """The strict policy holds on /admin/ too (the page fixture fails on any violation)."""
    from kbridge.accounts.models import User

    User.objects.create_superuser(email="root@kbridge.test", password=PASSWORD)
    page.goto("/admin/")
    page.locator("#id_username").fill("root@kbridge.test")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    page.goto("/admin/auth/group/add/")
    page.locator("#id_name").fill("reviewers")
    # The permissions widget is admin JavaScript (SelectFilter): it must have run.
    expect(page.locator("#id_permissions_filter")).to_be_visible()
    page.locator("input[name=_save]").click()
    expect(page.locator("#result_list")).to_contain_text("reviewers")
    page.goto("/admin/auth/group/")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("1")
