"""One click on "Submit" sends one submission, whatever autosaves are still waiting.

The autosaving forms (an application's draft, an evaluator's scoresheet) queue their saves
one behind the other. htmx sends a request of a form to the ``formaction`` of the last button
clicked, so an autosave still queued when the person clicked "Submit" used to go to the
submit address as a second, background submission: it raced the real one (a refused
scoresheet's notice could vanish; an application got two success messages, one of them lost).
Here every save reaches the server late, as on a crowded deadline day, so a queued save is
always waiting when the click comes.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from kbridge.applications import services as application_services
from kbridge.evaluation.services import scoring
from tests.e2e.test_forms_after_post import draft  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e

GOOD = "시제품 검증이 끝났고 고객사 두 곳과 PoC를 진행 중입니다."


@pytest.fixture
def slow_saves(monkeypatch):
    """Every save (autosave or the save a submission starts with) reaches the server 0.6 s
    late, as on a crowded deadline day; the browser's requests are not held up."""
    def late(save):
        def wrapper(**kwargs):
            time.sleep(0.6)
            return save(**kwargs)
        return wrapper

    monkeypatch.setattr(scoring, "save_scoresheet", late(scoring.save_scoresheet))
    monkeypatch.setattr(application_services, "save_draft", late(application_services.save_draft))


def _log(page) -> list[tuple[str, str | None]]:
    """The POSTs the page sends: (address, the HX-Request header or None for a navigation)."""
    sent: list[tuple[str, str | None]] = []
    page.on("request", lambda r: sent.append((r.url.rsplit("/", 2)[-2], r.headers.get("hx-request")))
            if r.method == "POST" else None)
    return sent


def test_a_scoresheet_is_submitted_once_while_autosaves_queue(page, login, personas,
                                                              evaluation, slow_saves):
    first, second = evaluation.criteria
    login(personas.evaluator)
    sent = _log(page)
    page.goto(f"/evaluate/assignments/{evaluation.assignment.pk}/")
    page.locator(f"#reason-{first.pk}").fill(GOOD)
    page.locator(f"#reason-{second.pk}").fill(GOOD)
    page.locator(f'input[name="level_{first.pk}"][value="5"]').check()  # a save goes
    page.locator(f'input[name="level_{second.pk}"][value="3"]').check()  # a save queues
    page.get_by_role("button", name="평가표 제출").click()
    expect(page.get_by_text("평가표를 제출했습니다.")).to_be_visible()
    page.wait_for_timeout(1500)  # anything still queued would have been sent by now
    assert [entry for entry in sent if entry[0] == "submit"] == [("submit", None)]
    assert ("autosave", "true") in sent  # the saves did queue up before the click


def test_an_application_is_submitted_once_while_autosaves_queue(page, login, personas,
                                                                draft,  # noqa: F811
                                                                slow_saves):
    text_questions = [q for q in draft.questions if q.kind == "text"]
    login(personas.startup_a)
    sent = _log(page)
    page.goto(f"/applications/{draft.pk}/")
    page.locator(f"#id_q_{text_questions[0].pk}").fill("온디바이스 NPU 컴파일러")
    page.locator(f"#id_q_{text_questions[0].pk}").press("Tab")  # a save goes
    page.locator(f"#id_q_{text_questions[1].pk}").fill("엣지 AI 반도체")
    page.locator(f"#id_q_{text_questions[1].pk}").press("Tab")  # a save queues
    page.get_by_role("button", name="신청서 제출").click()
    # The draft is incomplete, so the submission is refused with the checklist: once.
    expect(page.locator("#submit-errors")).to_be_visible(timeout=10_000)
    page.wait_for_timeout(1500)
    assert [entry for entry in sent if entry[0] == "submit"] == [("submit", None)]
    assert ("autosave", "true") in sent  # the saves did queue up before the click
