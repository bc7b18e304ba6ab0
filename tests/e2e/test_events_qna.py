"""Issue 15's live Q&A in Chromium: two attendees post (one anonymously) and vote, the other
sees it live without reloading; the moderator merges a duplicate the matching engine
suggested (votes unioned, the count shown is right), hides one (the public hidden count goes
up), answers one and highlights another."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kbridge.events.models import Question, Vote
from kbridge.events.tasks_qna import embed_question
from tests.e2e.conftest import CspWatch
from tests.events.qna.world import BRN_QNA, attendee
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

KO = "OpenAI와 칩을 공동 개발할 계획이 있나요?"
EN = "Do you plan to co-develop chips with OpenAI?"
OTHER = "Will GPT-5 support Korean better?"


@pytest.fixture
def open_page(browser, live_server):
    """Pages of other people, each in its own browser context (CSP watched too)."""
    opened = []

    def _open(user):
        context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul",
                                      base_url=live_server.url)
        context.set_default_timeout(20_000)
        watch = CspWatch.attach(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("이메일 주소").fill(user.email)
        page.get_by_label("비밀번호").fill(PASSWORD)
        page.get_by_role("button", name="로그인").last.click()
        page.wait_for_load_state()
        opened.append((context, watch, page))
        return page

    yield _open
    for context, watch, page in opened:
        watch.settle(page)
        context.close()
        watch.assert_clean()


def ask(page, text, *, anonymous=False):
    page.locator("textarea[name=text]").fill(text)
    if anonymous:
        page.locator("input[name=anonymous]").check()
    page.locator("[data-testid=ask-form] button[type=submit]").click()
    page.wait_for_load_state()


def votes(page, question):
    return page.locator(f"[data-testid=votes-{question.pk}]")


def test_live_qna(page, login, open_page, world, personas, monkeypatch):
    from kbridge.events import selectors_qna
    from tests.events import world as events_world

    monkeypatch.setattr("kbridge.events.views.qna.LIVE_POLL_SECONDS", 1)
    monkeypatch.setattr(selectors_qna, "STAMP_REUSE_SECONDS", 0.0)
    event = events_world.build(world, personas).event
    live = f"/events/{event.pk}/qna/"
    c_user = attendee(event, "Sensor Works", BRN_QNA)

    # Attendee A (startup A's CEO) and attendee C, each on the live page.
    login(personas.startup_a)
    page.goto(live)
    c = open_page(c_user)
    c.goto(live)
    ask(page, KO)
    ask(c, EN, anonymous=True)
    ko, en = Question.objects.get(text=KO), Question.objects.get(text=EN)
    # A sees C's question appear without reloading, with no name on it.
    item = page.locator(f"#q{en.pk}")
    expect(item).to_contain_text(EN)
    expect(item).not_to_contain_text("Sensor Works")
    # They vote for each other's question; a third attendee (startup A's CTO) votes for both.
    page.locator(f"#q{en.pk} button:visible").click()
    expect(votes(page, en)).to_contain_text("1")
    c.locator(f"#q{ko.pk} button:visible").click()
    expect(votes(c, ko)).to_contain_text("1")
    m = open_page(personas.startup_a_member)
    m.goto(live)
    m.locator(f"#q{ko.pk} button:visible").click()
    expect(votes(m, ko)).to_contain_text("2")
    m.locator(f"#q{en.pk} button:visible").click()
    expect(votes(m, en)).to_contain_text("2")
    ask(m, OTHER)
    other = Question.objects.get(text=OTHER)
    expect(page.locator(f"#q{other.pk}")).to_contain_text(OTHER)  # live on A's page
    # The polled list is the same for everybody; A's page fits it to A: the vote A gave can
    # be taken back, A's own question has no button, the new one can be voted for.
    expect(page.locator(f"#q{en.pk} button:visible")).to_have_text("추천 취소")
    expect(page.locator(f"#q{ko.pk} button:visible")).to_have_count(0)
    expect(page.locator(f"#q{other.pk} button:visible")).to_have_text("추천")

    # The worker embeds each question (the task a real worker runs after the post).
    for q in (ko, en, other):
        assert embed_question.call(q.pk)

    # The moderator (KISED's operator) merges the suggested duplicate.
    mod = open_page(personas.operator)
    asked = []  # the questions window.confirm put to the moderator, each accepted
    mod.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    mod.goto(f"/manage/events/{event.pk}/qna/")
    expect(mod.locator("td", has_text="Sensor Works")).to_be_visible()  # author known
    suggestion = mod.locator("[data-testid=suggestion]")
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_contain_text(EN)
    suggestion.locator("button:visible").click()
    mod.wait_for_load_state()
    assert asked == ["두 질문을 병합할까요? 병합은 되돌릴 수 없습니다."]
    # Voters of KO: C, the CTO; of EN: A, the CTO; EN's author C. Union without KO's author
    # (A) and without counting anyone twice: C and the CTO.
    assert set(Vote.objects.filter(question=ko).values_list("voter_id", flat=True)) == {
        c_user.pk, personas.startup_a_member.pk}
    expect(mod.locator(f"[data-testid=queue-votes-{ko.pk}]")).to_have_text("2")
    expect(votes(page, ko)).to_contain_text("2")
    expect(page.locator(f"#q{en.pk}")).to_have_count(0)

    # Hide one: the public hidden count goes from 0 to 1 on A's page, live.
    expect(page.locator("[data-testid=hidden-count]")).to_contain_text("0")
    mod.locator(f"#q{other.pk} button[value=hide]").click()
    mod.wait_for_load_state()
    assert asked[-1] == "이 질문을 청중에게서 숨길까요?"
    expect(page.locator("[data-testid=hidden-count]")).to_contain_text("1")
    expect(page.locator(f"#q{other.pk}")).to_have_count(0)

    # Highlight KO (on top for everyone), then answer it.
    mod.locator(f"#q{ko.pk} button[value=highlight]").click()
    mod.wait_for_load_state()
    expect(page.locator(f"#q{ko.pk}.qna-highlighted")).to_be_visible()
    mod.locator(f"#q{ko.pk} textarea[name=text]").fill("내년에 함께 검토하겠습니다.")
    mod.locator(f"#q{ko.pk} button[value=answer]").click()
    mod.wait_for_load_state()
    expect(page.locator(f"#q{ko.pk}")).to_contain_text("내년에 함께 검토하겠습니다.")
    expect(page.locator(f"#q{ko.pk}.qna-highlighted")).to_have_count(0)

    # The presenter view: big type, sorted by votes.
    mod.goto(f"/manage/events/{event.pk}/qna/presenter/")
    expect(mod.locator(".qna-presenter")).to_be_visible()

    # On a 390 px phone neither the queue nor the presenter view is wider than the screen
    # (the queue's table scrolls inside its own box).
    mod.set_viewport_size({"width": 390, "height": 844})
    for url in (f"/manage/events/{event.pk}/qna/", f"/manage/events/{event.pk}/qna/presenter/"):
        mod.goto(url)
        assert mod.evaluate("document.documentElement.scrollWidth") <= 390, url
    mod.goto(f"/manage/events/{event.pk}/qna/")
    expect(mod.locator(f"#q{ko.pk} button[value=hide]")).to_be_visible()
