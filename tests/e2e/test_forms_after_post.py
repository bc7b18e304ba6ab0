"""Issue 11 in Chromium: the language switch after a POST (item 3), limits and the checklist
people see in time (item 5), and uploads that never bring back older text (item 7)."""

from __future__ import annotations

import contextlib
import re
import time

import pytest
from playwright.sync_api import Error, expect

from kbridge.applications import services
from kbridge.applications.models import Application, Question
from tests.e2e.helpers import pdf_file
from tests.e2e.test_accessibility import _violations
from tests.factories import ApplicationFactory, StartupProfileFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def draft(world, personas):
    questions = services.add_standard_questions(call=world.call, by=personas.operator)
    StartupProfileFactory(organisation=personas.startup_a_org, representative=personas.startup_a)
    application = ApplicationFactory(track=world.track_a, applicant=personas.startup_a_org,
                                     created_by=personas.startup_a,
                                     declares_government_support=None)
    application.questions = questions
    return application


def _switch(page, name: str) -> None:
    """Click the language switch, leaving the page even if it holds unsaved text."""
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


# --- Item 3: the language switch after a POST -----------------------------------------------

def test_switching_language_with_submission_errors_on_screen(page, login, draft, personas):
    login(personas.startup_a)
    page.goto(f"/applications/{draft.pk}/")
    page.get_by_role("button", name="신청서 제출").click()
    expect(page.get_by_text("신청서가 제출되지 않았습니다")).to_be_visible()
    assert page.url.endswith(f"/applications/{draft.pk}/submit/")  # a POST-only URL

    responses = []
    page.on("response", lambda r: responses.append((r.request.method, r.url, r.status)))
    _switch(page, "English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name=re.compile("^Application"))).to_be_visible()
    assert page.url.endswith(f"/applications/{draft.pk}/")
    assert [s for m, _u, s in responses if m == "GET" and s == 405] == []
    assert "HTTP ERROR" not in page.content()
    assert _violations(page) == []

    _switch(page, "한국어")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", name=re.compile("^신청서"))).to_be_visible()


def test_switching_language_with_extension_errors_on_screen(page, login, world, personas):
    login(personas.operator)
    page.goto(f"/manage/calls/{world.call.pk}/applications/")
    page.locator("#id_applicant").fill("KB2026-999999-01")
    page.locator("form[action$='/extensions/'] button[type=submit]").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    assert page.url.endswith(f"/manage/calls/{world.call.pk}/extensions/")
    _switch(page, "English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith(f"/manage/calls/{world.call.pk}/applications/")
    assert _violations(page) == []


# --- Item 5: limits, examples and the checklist ---------------------------------------------

@pytest.mark.parametrize(("language", "message", "example"), [
    ("ko", "200자 이내로 줄여 주세요. 지금 2,000자로, 1,800자 넘습니다.", "예: 123-45-67891"),
    ("en", "Keep this to 200 characters or fewer: it has 2,000, 1,800 too many.",
     "e.g. 123-45-67891"),
])
def test_a_long_company_name_is_not_cut_and_gets_our_message(page, login, personas, live_server,
                                                             language, message, example):
    StartupProfileFactory(organisation=personas.startup_a_org, representative=personas.startup_a)
    login(personas.startup_a)
    page.context.add_cookies([{"name": "django_language", "value": language,
                               "url": live_server.url}])
    page.goto("/startup/profile/")
    expect(page.get_by_text(example)).to_be_visible()
    name = page.locator("#id_name_ko")
    name.fill("가" * 2000)
    assert len(name.input_value()) == 2000  # nothing cut by the browser
    expect(page.locator("#id_name_ko_count")).to_have_text("2,000 / 200")
    expect(page.locator("#id_name_ko_count")).to_have_class(re.compile("char-count-over"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form.form button[type=submit]").last.click()
    expect(page.get_by_text(message)).to_be_visible()
    assert "Ensure this value" not in page.content() and "확인하세요" not in page.content()
    assert _violations(page) == []


def test_the_checklist_follows_what_is_typed_and_uploaded(page, login, draft, personas,
                                                         tmp_path):
    questions = draft.questions
    required_text = next(q for q in questions if q.kind == Question.Kind.TEXT and q.required)
    deck = next(q for q in questions if q.kind == Question.Kind.FILE and q.required)
    login(personas.startup_a)
    page.goto(f"/applications/{draft.pk}/")
    checklist = page.locator("#checklist")
    submit = page.get_by_role("button", name="신청서 제출")
    last_slot = page.locator("[data-file-slot]").last
    assert last_slot.bounding_box()["y"] < checklist.bounding_box()["y"] < \
        submit.bounding_box()["y"]

    item = checklist.locator(f'li[data-check-field="id_q_{required_text.pk}"]')
    expect(item).to_be_visible()
    before = int(checklist.locator("[data-checklist-count]").inner_text())
    page.locator(f"#id_q_{required_text.pk}").fill("엣지 NPU")
    expect(item).to_be_hidden()
    expect(checklist.locator("[data-checklist-count]")).to_have_text(str(before - 1))
    page.locator(f"#id_q_{required_text.pk}").fill("")
    expect(item).to_be_visible()

    file_item = checklist.locator(f'a[href="#slot-{deck.pk}"]')
    expect(file_item).to_be_visible()
    slot = page.locator(f"#slot-{deck.pk}")
    slot.locator("input[type=file]").set_input_files(pdf_file(tmp_path / "deck.pdf", 3))
    slot.get_by_role("button", name="올리기").click()
    expect(page.locator(f"#slot-{deck.pk}").get_by_text("올렸습니다(3쪽)")).to_be_visible()
    expect(file_item).to_have_count(0)
    assert _violations(page) == []


# --- Item 7: an upload never redraws a field with older text --------------------------------

def test_text_typed_just_before_an_upload_stays_and_is_saved(page, login, draft, personas,
                                                            tmp_path):
    questions = draft.questions
    area_q = next(q for q in questions if q.kind == Question.Kind.TEXT)
    slots = [q for q in questions if q.kind == Question.Kind.FILE]
    autosaves = []

    def slow_autosave(route):
        # The save reaches the server late, as on a crowded deadline day.
        autosaves.append(route.request.url)
        time.sleep(1.2)
        with contextlib.suppress(Error):
            route.continue_()

    login(personas.startup_a)
    page.route(re.compile(r"/autosave/$"), slow_autosave)
    page.goto(f"/applications/{draft.pk}/")
    area = page.locator(f"#id_q_{area_q.pk}")
    for attempt in range(3):
        text = f"{attempt + 1}번째 시도: 온디바이스 NPU 컴파일러를 개발합니다"
        area.fill(text[:-3])
        area.press_sequentially(text[-3:])  # typed right before the click
        slot = page.locator(f"#slot-{slots[attempt % len(slots)].pk}")
        slot.locator("input[type=file]").set_input_files(
            pdf_file(tmp_path / f"{attempt}.pdf", attempt + 1))
        slot.get_by_role("button", name="올리기").click()
        expect(slot.get_by_text(f"올렸습니다({attempt + 1}쪽)")).to_be_visible()
        expect(area).to_have_value(text)
        stored = Application.objects.get(pk=draft.pk).answers.get(str(area_q.pk))
        assert stored == text, attempt
    assert autosaves
    expect(page.locator("#save-status")).not_to_have_class(re.compile("save-status-error"))
    # Typing after the uploads still saves (the draft's version followed the uploads).
    area.fill("업로드 뒤에 고친 글")
    area.press("Tab")
    expect(page.locator("#save-status")).to_contain_text("자동 저장됨")
    page.wait_for_timeout(1500)
    assert Application.objects.get(pk=draft.pk).answers[str(area_q.pk)] == "업로드 뒤에 고친 글"


def test_switching_language_after_a_refused_sign_up_keeps_what_was_typed(page, live_server):
    """The switch lands on a GET page; what was typed comes with it (passwords excepted)."""
    page.goto("/accounts/signup/startup/")
    page.locator("#id_email").fill("ceo@lang-switch.example")
    page.locator("#id_full_name").fill("한지우")
    page.locator("#id_company_name_ko").fill("랭귀지스위치")
    page.locator("#id_company_name_en").fill("Language Switch")
    page.locator("#id_password1").fill("switch-languages-2026!")
    page.locator("#id_password2").fill("switch-languages-2026!")
    page.get_by_role("button", name="계정 만들기").click()  # consent left unticked: refused
    expect(page.locator("#id_privacy_consent")).to_have_attribute("aria-invalid", "true")

    _switch(page, "English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/accounts/signup/startup/")
    expect(page.locator("#id_email")).to_have_value("ceo@lang-switch.example")
    expect(page.locator("#id_full_name")).to_have_value("한지우")
    expect(page.locator("#id_company_name_en")).to_have_value("Language Switch")
    expect(page.locator("#id_password1")).to_have_value("")  # never stored in the browser
    # only once: a later visit starts empty
    page.goto("/accounts/signup/startup/")
    expect(page.locator("#id_email")).to_have_value("")
