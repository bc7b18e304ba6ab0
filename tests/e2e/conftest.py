"""End-to-end tests: Playwright driving Debian's Chromium against the live test server.

Every browser test also fails on any Content-Security-Policy violation (``CspWatch``): a page
that our policy breaks is a broken page, even when the test's own assertions happen to pass.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in the main thread; the test's own ORM calls
# (factories, assertions) are plain synchronous code and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("KBRIDGE_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("KBRIDGE_E2E_ARTIFACTS", "test-results"))


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


# Runs in every document of the context before the page's own scripts (init scripts are not
# subject to the page's CSP) and reports each violation to Python through an exposed binding,
# so a violation is recorded even if the page navigates away right after it.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__kbridgeCspViolation({
    directive: e.effectiveDirective || e.violatedDirective,
    blocked: e.blockedURI,
    source: e.sourceFile ? e.sourceFile + ":" + e.lineNumber : "",
    sample: e.sample,
    page: document.location.href,
  });
});
"""


@dataclass
class CspWatch:
    """Content-Security-Policy violations seen by one browser context.

    ``violations`` holds one line per violation: the violated directive first, then what was
    blocked and on which page. Two independent sources feed it: the DOM's
    ``securitypolicyviolation`` events and Chromium's console errors "Refused to ...".
    """

    violations: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, context) -> CspWatch:
        watch = cls()

        def on_violation(_source, v):
            watch.violations.append(
                f"{v['directive']}: blocked {v['blocked'] or 'inline'} on {v['page']}"
                + (f" ({v['source']})" if v["source"] else "")
                + (f" sample {v['sample']!r}" if v["sample"] else ""))

        def on_console(message):
            if message.type == "error" and "Content Security Policy" in message.text:
                watch.violations.append(f"console: {message.text}")

        context.expose_binding("__kbridgeCspViolation", on_violation)
        context.add_init_script(_CSP_LISTENER)
        context.on("console", on_console)
        return watch

    def settle(self, page) -> None:
        """Let violation reports still in flight from ``page`` reach Python."""
        from playwright.sync_api import Error

        if page.is_closed():
            return
        # A page that is navigating or gone has nothing more to report.
        with contextlib.suppress(Error):
            page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 50))")

    def assert_clean(self) -> None:
        assert not self.violations, (
            "Content-Security-Policy violations:\n  " + "\n  ".join(self.violations))


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul",
                                  base_url=live_server.url)
    context.set_default_timeout(15_000)
    csp = CspWatch.attach(context)
    page = context.new_page()
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    try:
        csp.settle(page)
    finally:
        context.close()
    csp.assert_clean()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def login(page):
    from tests.factories import PASSWORD

    def _login(user):
        page.goto("/accounts/login/")
        page.get_by_label("이메일 주소").fill(user.email)
        page.get_by_label("비밀번호").fill(PASSWORD)
        page.get_by_role("button", name="로그인").last.click()
        page.wait_for_load_state()

    return _login
