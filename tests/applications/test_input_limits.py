"""Issue 9, item 5 — input limits on the applicant's side, one test per example found.

Each example failed on the code before the input-cleaning layer (a 500 on PostgreSQL, text
cut while the page said "saved", a bare 400, nine stored uploads for one slot, a founding date
in 2099 accepted)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from kbridge.applications import services
from kbridge.applications.models import Application, Attachment, StartupProfile
from kbridge.applications.tasks import purge_replaced_file
from kbridge.core.text import MAX_TEXT_CHARS
from tests.applications.conftest import make_pdf


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def _text_question(questions):
    return next(q for q in questions if q.kind == "text")


def _file_question(questions):
    return next(q for q in questions if q.kind == "file")


def _autosave(client, draft, data):
    return client.post(f"/applications/{draft.pk}/autosave/",
                       {"version": draft.version, **data}, HTTP_HX_REQUEST="true")


# --- Text -------------------------------------------------------------------------------------
def test_a_nul_byte_in_an_answer_is_removed_and_the_rest_saved(draft, questions, personas,
                                                                client_for):
    question = _text_question(questions)
    response = _autosave(client_for(personas.startup_a), draft,
                         {f"q_{question.pk}": "엣지\x00 NPU\r\n둘째 줄\x07"})
    assert response.status_code == 200
    assert "save-status-error" not in response.content.decode()
    draft.refresh_from_db()
    assert draft.answers[str(question.pk)] == "엣지 NPU\n둘째 줄"


def test_a_nul_byte_in_a_declaration_is_removed(draft, questions, personas, client_for):
    response = _autosave(client_for(personas.startup_a), draft, {
        "declares_government_support": "yes",
        "government_support_detail": "TIPS\x00 프로그램"})
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.government_support_detail == "TIPS 프로그램"


def test_a_nul_byte_in_a_keyword_is_removed(profile_a, personas, client_for):
    client = client_for(personas.startup_a)
    page = client.get("/startup/profile/").context["form"]
    data = {name: ("" if value is None else value)
            for name, value in page.initial.items() if name != "technology_keywords"}
    data.update({"name_ko": "뉴로칩스", "is_pre_founder": "", "founded_on": "2022-03-02",
                 "business_registration_number": profile_a.business_registration_number,
                 "technology_keywords": "NPU\x00, 엣지\x00AI, ", "discoverable": "on"})
    data = {k: v for k, v in data.items() if v is not False}
    response = client.post("/startup/profile/", data)
    assert response.status_code == 302, response.context["form"].errors
    profile_a.refresh_from_db()
    assert profile_a.technology_keywords == ["NPU", "엣지AI"]


def test_an_answer_over_the_limit_is_refused_not_cut_and_autosave_says_so(
        draft, questions, personas, client_for):
    question = _text_question(questions)
    client = client_for(personas.startup_a)
    _autosave(client, draft, {f"q_{question.pk}": "먼저 저장된 답"})
    draft.refresh_from_db()
    too_long = "가" * (MAX_TEXT_CHARS + 1)
    response = _autosave(client, draft, {f"q_{question.pk}": too_long})
    page = response.content.decode()
    assert response.status_code == 200  # HTMX swaps only 2xx: the status must show
    assert "save-status-error" in page and "50,000" in page
    assert "hx-swap-oob" not in page  # the page keeps its version: nothing was saved
    draft.refresh_from_db()
    assert draft.answers[str(question.pk)] == "먼저 저장된 답"


def test_an_answer_over_the_limit_comes_back_in_full_on_the_page(draft, questions, personas,
                                                                 client_for):
    question = _text_question(questions)
    too_long = "답" * MAX_TEXT_CHARS + "끝"
    response = client_for(personas.startup_a).post(
        f"/applications/{draft.pk}/", {"version": draft.version, f"q_{question.pk}": too_long})
    assert response.status_code == 422
    page = response.content.decode()
    assert too_long in page  # everything typed is still in the text area
    assert "50,000" in page
    draft.refresh_from_db()
    assert str(question.pk) not in draft.answers


def test_text_areas_state_their_limit_before_it_bites(draft, questions, personas, client_for):
    question = _text_question(questions)
    page = client_for(personas.startup_a).get(f"/applications/{draft.pk}/").content.decode()
    assert f'data-maxlength="{question.max_length}"' in page
    assert f"{question.max_length:,}" in page  # "Up to 1,500 characters."


# --- Files ------------------------------------------------------------------------------------
def _raw_upload(client, draft, question, file_name: str):
    boundary = "BoUnDaRy"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{file_name}"\r\nContent-Type: application/pdf\r\n\r\n').encode()
    body += make_pdf(1) + f"\r\n--{boundary}--\r\n".encode()
    return client.post(f"/applications/{draft.pk}/files/{question.pk}/", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}", follow=True)


def test_a_1000_character_file_name_gets_a_clear_message_not_a_bare_400(
        draft, questions, personas, client_for):
    response = _raw_upload(client_for(personas.startup_a), draft, _file_question(questions),
                           "가" * 996 + ".pdf")
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("파일 이름이 너무 길어" in m for m in messages), messages
    assert not Attachment.objects.exists()


def test_stored_names_stay_short_whatever_the_file_is_called(draft, questions, personas,
                                                             client_for):
    response = _raw_upload(client_for(personas.startup_a), draft, _file_question(questions),
                           "사업계획서 " * 40 + ".pdf")
    assert response.status_code == 200
    attachment = Attachment.objects.get()
    path = services.storage_path(attachment)
    assert len(path) <= 60 and default_storage.exists(path)
    assert len(attachment.original_name) <= 150


def _upload(client, draft, question, name="deck.pdf", pages=1):
    return client.post(f"/applications/{draft.pk}/files/{question.pk}/", {
        "file": SimpleUploadedFile(name, make_pdf(pages), content_type="application/pdf")},
        follow=True)


def test_uploading_again_replaces_the_slot_and_frees_the_storage(
        draft, questions, personas, client_for, django_capture_on_commit_callbacks):
    client = client_for(personas.startup_a)
    deck = _file_question(questions)
    for n in range(1, 10):
        with django_capture_on_commit_callbacks(execute=True):
            _upload(client, draft, deck, name=f"deck-v{n}.pdf", pages=n)
    kept = Attachment.objects.filter(application=draft)
    assert [a.original_name for a in kept] == ["deck-v9.pdf"]
    # The replaced files' bytes go a grace period later (a running backup still finds them),
    # through one purge task each.
    purges = list(DBTaskResult.objects.filter(task_path__endswith="purge_replaced_file"))
    assert len(purges) == 8
    grace = dt.timedelta(seconds=settings.KBRIDGE_REPLACED_FILE_GRACE_SECONDS)
    assert all(p.run_after >= timezone.now() + grace - dt.timedelta(minutes=5) for p in purges)
    assert len(default_storage.listdir("applications")[1]) == 9
    for purge in purges:
        assert purge_replaced_file.call(*purge.args_kwargs["args"]) is True
    stored = default_storage.listdir("applications")[1]
    assert stored == [kept[0].stored_name]
    # Purging twice, or a name a row still refers to, deletes nothing.
    assert services.purge_stored_file(stored_name=kept[0].stored_name) is False
    assert purge_replaced_file.call(*purges[0].args_kwargs["args"]) is False


def test_a_file_a_submitted_version_refers_to_is_kept(complete_draft, questions, personas,
                                                      client_for):
    submission = services.submit_application(application=complete_draft, by=personas.startup_a,
                                             draft_version=complete_draft.version)
    deck = _file_question(questions)
    submitted = complete_draft.attachments.get(question=deck)
    client = client_for(personas.startup_a)
    _upload(client, complete_draft, deck, name="new-1.pdf")
    _upload(client, complete_draft, deck, name="new-2.pdf")
    in_slot = Attachment.objects.filter(application=complete_draft, question=deck)
    assert sorted(a.original_name for a in in_slot) == sorted([submitted.original_name,
                                                              "new-2.pdf"])
    assert default_storage.exists(services.storage_path(submitted))
    assert submitted.sha256 in [f["sha256"] for f in submission.files]
    assert in_slot.get(is_current=True).original_name == "new-2.pdf"


def test_the_application_storage_quota_is_shown_and_refused_past_it(
        draft, questions, personas, client_for, settings):
    deck, plan = [q for q in questions if q.kind == "file"]
    one_file = len(make_pdf(1))
    settings.KBRIDGE_APPLICATION_STORAGE_QUOTA_BYTES = one_file + one_file // 2
    client = client_for(personas.startup_a)
    page = client.get(f"/applications/{draft.pk}/").content.decode()
    assert 'id="storage-quota"' in page
    _upload(client, draft, deck)
    response = _upload(client, draft, plan)
    messages = [str(m) for m in response.context["messages"]]
    quota = filesizeformat(settings.KBRIDGE_APPLICATION_STORAGE_QUOTA_BYTES)
    assert any("deck.pdf" in m and quota in m for m in messages), messages
    assert list(Attachment.objects.values_list("question", flat=True)) == [deck.pk]
    # Replacing within the quota still works: the old file no longer counts.
    response = _upload(client, draft, deck, name="deck-2.pdf")
    assert Attachment.objects.get().original_name == "deck-2.pdf"


# --- Profile ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("founded_on", "message"), [
    ("2099-01-01", "미래"), ("1000-01-01", "1900년 1월 1일"),
])
def test_an_implausible_founding_date_is_a_form_error(profile_a, personas, client_for,
                                                      founded_on, message):
    client = client_for(personas.startup_a)
    response = client.post("/startup/profile/", {
        "name_ko": "뉴로칩스", "founded_on": founded_on,
        "business_registration_number": profile_a.business_registration_number,
        "revenue_krw": "", "team_size": "5"})
    assert response.status_code == 200
    errors = response.context["form"].errors["founded_on"]
    assert any(message in e for e in errors), errors
    assert StartupProfile.objects.get().founded_on != founded_on


def test_amounts_beyond_any_database_are_form_errors(profile_a, personas, client_for):
    client = client_for(personas.startup_a)
    response = client.post("/startup/profile/", {
        "name_ko": "뉴로칩스", "founded_on": "2022-03-02",
        "business_registration_number": profile_a.business_registration_number,
        "revenue_krw": str(10**19), "investment_krw": str(10**16), "team_size": str(2**40)})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"revenue_krw", "investment_krw",
                                                    "team_size"}


def test_profile_amounts_are_typed_as_people_write_them(profile_a, personas, client_for):
    client = client_for(personas.startup_a)
    response = client.post("/startup/profile/", {
        "name_ko": "뉴로칩스", "founded_on": "2022-03-02",
        "business_registration_number": profile_a.business_registration_number,
        "revenue_krw": "３억５천만원", "investment_krw": "₩1,500,000,000", "team_size": "5"})
    assert response.status_code == 302
    profile = StartupProfile.objects.get()
    assert (profile.revenue_krw, profile.investment_krw) == (350_000_000, 1_500_000_000)
    page = client.get("/startup/profile/").content.decode()
    assert 'value="350,000,000"' in page and 'value="1,500,000,000"' in page


def test_the_withdrawal_reason_is_cleaned(draft, personas, client_for):
    client_for(personas.startup_a).post(f"/applications/{draft.pk}/withdraw/",
                                        {"reason": "다른 트랙\x00에 지원"})
    assert Application.objects.get().status == "withdrawn"
    from kbridge.core.models import AuditLog

    row = AuditLog.objects.filter(action="application.withdrawn").get()
    assert row.after["reason"] == "다른 트랙에 지원"


def test_the_draft_service_cleans_answers_from_any_caller(draft, questions, personas):
    """Not only the forms: the service cleans too (NFC, control characters removed)."""
    question = _text_question(questions)
    services.save_draft(application=draft, by=personas.startup_a,
                        answers={str(question.pk): "e\u0301\x00"}, declarations={},
                        base_version=draft.version)
    draft.refresh_from_db()
    assert draft.answers[str(question.pk)] == "\u00e9"


def test_search_parameters_are_cleaned(complete_draft, personas, client_for):
    client = client_for(personas.operator)
    url = f"/manage/calls/{complete_draft.call_id}/applications/"
    for params in ({"q": "뉴로\x00"}, {"track": "²"}, {"track": "9" * 40}, {"status": "\x00"}):
        assert client.get(url, params).status_code == 200, params
    page = client.get(url, {"q": "뉴로\x00칩스"}).content.decode()
    assert f'href="/manage/applications/{complete_draft.pk}/"' in page
    assert escape("뉴로칩스") in page


@pytest.mark.parametrize("url", ["/audit/?action=%00x&object_type=%00",
                                 "/manage/discover/?q=%00NPU"])
def test_other_search_pages_take_a_nul(url, personas, client_for, world):
    user = personas.operator if url.startswith("/audit") else personas.partner_a
    assert client_for(user).get(url).status_code == 200



def test_profile_labels_start_with_a_capital_in_english(personas, client):
    """English labels are sentence case ("Sector", "Website"), as the rest of the page."""
    from django.utils import translation

    from kbridge.applications.forms import ProfileForm

    with translation.override("en"):
        form = ProfileForm(organisation=personas.startup_a_org)
        labels = [str(field.label) for field in form.fields.values()]
    assert labels and all(label[:1].isupper() or not label[:1].isalpha() for label in labels), labels
