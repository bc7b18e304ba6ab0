"""Applications through the API: what the profile, "My applications", edit, submit and the
operator's pages show and do, with the same rules (issue 17)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kbridge.applications import services
from kbridge.applications.models import Application, Question
from kbridge.core.models import AuditLog
from tests.api.conftest import ApiClient, token_for
from tests.applications.conftest import complete_answers
from tests.factories import (
    ApplicationFactory,
    OrganisationFactory,
    StartupProfileFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(path)
    assert answer.status_code == 200, answer.content
    return len(captured.captured_queries)


@pytest.fixture
def questions(world, personas):
    return services.add_standard_questions(call=world.call, by=personas.operator)


@pytest.fixture
def draft(world, personas, questions):
    StartupProfileFactory(organisation=personas.startup_a_org, representative=personas.startup_a)
    return ApplicationFactory(track=world.track_a, applicant=personas.startup_a_org,
                              created_by=personas.startup_a)


# --- profile ---------------------------------------------------------------------------------


def test_the_profile_is_the_startups_and_only_the_representative_may_change_it(
        world, personas, draft, api_for):
    member = api_for(personas.startup_a_member).get("/api/v1/startup/profile").json()
    assert member["organisation_id"] == personas.startup_a_org.pk
    assert member["name_ko"] == "뉴로칩스" and member["may_edit"] is False
    assert api_for(personas.startup_a_member).patch(
        "/api/v1/startup/profile", {"team_size": 3}).status_code == 404
    assert api_for(personas.operator).get("/api/v1/startup/profile").status_code == 404

    answer = api_for(personas.startup_a).patch(
        "/api/v1/startup/profile", {"team_size": 15, "name_en": "Neuro Chips Inc.",
                                    "technology_keywords": ["NPU", "온디바이스 AI"]})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["team_size"] == 15 and body["name_en"] == "Neuro Chips Inc."
    assert body["technology_keywords"] == ["NPU", "온디바이스 AI"]
    # Untouched fields keep their values (a partial change through the page's form).
    assert body["business_registration_number"] == "220-81-62517"
    assert AuditLog.objects.filter(action="profile.updated").count() == 1


def test_a_bad_profile_change_is_422_with_the_forms_reason_in_korean(world, personas, draft,
                                                                     api_for):
    answer = api_for(personas.startup_a, language="ko").patch(
        "/api/v1/startup/profile", {"business_registration_number": "123-45-67890"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"][0]["field"] == "business_registration_number"
    assert "사업자등록번호" in error["details"][0]["message"]


# --- the startup's applications ----------------------------------------------------------------


def test_my_applications_are_the_startups_own_with_filters(world, personas, draft, api_for):
    ApplicationFactory(track=world.track_b, applicant=personas.startup_b_org,
                       created_by=personas.startup_b)
    body = api_for(personas.startup_a_member).get("/api/v1/applications").json()
    assert [a["id"] for a in body["items"]] == [draft.pk] and body["count"] == 1
    item = body["items"][0]
    assert item["status"] == "draft" and item["status_label"] == "Draft (not submitted)"
    assert item["track"]["id"] == world.track_a.pk and item["receipt_number"] is None
    assert api_for(personas.startup_a).get(
        "/api/v1/applications?status=submitted").json()["count"] == 0
    assert api_for(personas.startup_a).get(
        f"/api/v1/applications?call={world.draft_call.pk}").json()["count"] == 0
    # No startup: no such list, as the web's "My applications".
    assert api_for(personas.operator).get("/api/v1/applications").status_code == 404


def test_my_applications_cost_the_same_queries_for_one_or_several(world, personas, draft):
    client = ApiClient(token_for(personas.startup_a))
    client.get("/api/v1/applications")  # the token's first use records it
    one = count_queries(client, "/api/v1/applications")
    for n in range(3):
        application = ApplicationFactory(track=TrackFactory(call=world.call, partner=world.partner_b),
                                         applicant=personas.startup_a_org,
                                         exclusivity_key=f"extra:{n}")
        application.submissions.create(
            number=1, draft_version=1, receipt_number=f"KB-X-{n}", submitted_at=timezone.now(),
            submitted_by=personas.startup_a, answers={}, profile={}, answers_sha256="0")
    assert count_queries(client, "/api/v1/applications") == one
    body = client.get("/api/v1/applications").json()
    assert body["count"] == 4 and {a["receipt_number"] for a in body["items"]} >= {"KB-X-0"}


def test_the_detail_shows_the_draft_to_the_startup_and_only_submissions_to_the_operator(
        submitted, personas, api_for):
    startup = api_for(personas.startup_a_member).get(f"/api/v1/applications/{submitted.pk}")
    assert startup.status_code == 200
    body = startup.json()
    assert body["draft"]["version"] == submitted.version
    assert body["submissions"][0]["receipt_number"].startswith("KB")
    assert body["receipt_number"] == body["submissions"][0]["receipt_number"]
    assert {q["kind"] for q in body["questions"]} == {"text", "number", "choice", "file"}
    assert len(body["submissions"][0]["files"]) == 2
    assert len(body["draft"]["files"]) == 2 and body["draft"]["problems"] == []

    operator = api_for(personas.operator).get(f"/api/v1/applications/{submitted.pk}").json()
    assert operator["draft"] is None
    assert operator["submissions"][0]["answers"] == body["submissions"][0]["answers"]
    for outsider in (personas.startup_b, personas.partner_a, personas.operator_b,
                     personas.evaluator):
        assert api_for(outsider).get(f"/api/v1/applications/{submitted.pk}").status_code == 404


# --- drafts ----------------------------------------------------------------------------------


def test_the_representative_starts_a_draft_and_others_cannot(world, personas, api_for):
    answer = api_for(personas.startup_b).post(f"/api/v1/tracks/{world.track_b.pk}/applications")
    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "draft" and answer.json()["draft"]["version"] == 1
    assert Application.objects.get(applicant=personas.startup_b_org).track == world.track_b
    # Again: the same application, and the status says nothing was created (it said 201).
    again = api_for(personas.startup_b).post(f"/api/v1/tracks/{world.track_b.pk}/applications")
    assert again.status_code == 200 and again.json()["id"] == answer.json()["id"]
    assert Application.objects.filter(applicant=personas.startup_b_org).count() == 1
    assert api_for(personas.startup_a_member).post(
        f"/api/v1/tracks/{world.track_a.pk}/applications").status_code == 404
    assert api_for(personas.startup_a).post(
        f"/api/v1/tracks/{world.draft_track_a.pk}/applications").status_code == 404


def test_starting_after_the_deadline_is_409_with_the_reason(world, personas, api_for):
    type(world.call).objects.filter(pk=world.call.pk).update(
        deadline_at=timezone.now() - timedelta(hours=1))
    answer = api_for(personas.startup_b, language="ko").post(
        f"/api/v1/tracks/{world.track_b.pk}/applications")
    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == "이 공고는 마감되었습니다."


def test_a_second_track_of_the_same_program_is_422_with_the_services_reason(
        world, personas, draft, api_for):
    answer = api_for(personas.startup_a).post(f"/api/v1/tracks/{world.track_b.pk}/applications")
    assert answer.status_code == 422
    assert "withdraw" in answer.json()["error"]["details"][0]["message"]


def _text_question(questions):
    return next(q for q in questions if q.kind == Question.Kind.TEXT)


def test_a_draft_saves_through_the_autosave_and_a_stale_version_is_409(
        personas, draft, questions, api_for):
    text = _text_question(questions)
    client = api_for(personas.startup_a_member)
    answer = client.patch(f"/api/v1/applications/{draft.pk}/draft", {
        "version": draft.version, "editor": "tab-1",
        "answers": {str(text.pk): "저전력 NPU"}, "declares_government_support": False})
    assert answer.status_code == 200, answer.content
    saved = answer.json()["draft"]
    assert saved["answers"][str(text.pk)] == "저전력 NPU" and saved["version"] == draft.version + 1
    assert saved["declares_government_support"] is False
    # The checklist: the answered question is no longer missing, the others and the PDFs are.
    missing = {p["field"] for p in saved["problems"]}
    assert f"answers.{text.pk}" not in missing
    assert {f"answers.{q.pk}" for q in questions if q.kind == Question.Kind.FILE} <= missing
    assert saved["files"] == []

    # Another editor still at the old version would overwrite the change: refused.
    stale = client.patch(f"/api/v1/applications/{draft.pk}/draft", {
        "version": draft.version, "editor": "tab-2", "answers": {str(text.pk): "다른 내용"}})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    draft.refresh_from_db()
    assert draft.answers[str(text.pk)] == "저전력 NPU"


def test_draft_answers_are_checked_like_the_page(personas, draft, questions, api_for):
    text = _text_question(questions)
    client = api_for(personas.startup_a)
    unknown = client.patch(f"/api/v1/applications/{draft.pk}/draft",
                           {"version": 1, "answers": {"999999": "x"}})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "answers.999999"
    too_long = client.patch(f"/api/v1/applications/{draft.pk}/draft",
                            {"version": 1, "answers": {str(text.pk): "가" * 60_000}})
    assert too_long.status_code == 422
    assert too_long.json()["error"]["details"][0]["field"] == f"answers.{text.pk}"
    nested = client.patch(f"/api/v1/applications/{draft.pk}/draft",
                          {"version": 1, "answers": {str(text.pk): {"a": 1}}})
    assert nested.status_code == 422
    assert api_for(personas.startup_b).patch(f"/api/v1/applications/{draft.pk}/draft",
                                             {"version": 1}).status_code == 404


# --- submission ------------------------------------------------------------------------------


def test_an_incomplete_submission_is_422_with_every_reason_translated(
        personas, draft, questions, api_for):
    answer = api_for(personas.startup_a, language="ko").post(
        f"/api/v1/applications/{draft.pk}/submit", {"version": draft.version})
    assert answer.status_code == 422
    error = answer.json()["error"]
    fields = {d["field"] for d in error["details"]}
    assert {f"answers.{q.pk}" for q in questions if q.required} <= fields
    assert "필수 항목입니다." in {d["message"] for d in error["details"]}
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_late_submission_is_409_and_the_draft_is_kept(world, personas, draft, api_for):
    type(world.call).objects.filter(pk=world.call.pk).update(
        deadline_at=timezone.now() - timedelta(minutes=1))
    answer = api_for(personas.startup_a).post(f"/api/v1/applications/{draft.pk}/submit",
                                              {"version": draft.version})
    assert answer.status_code == 409
    assert "has passed" in answer.json()["error"]["message"]


def test_a_complete_draft_is_submitted_once_with_a_receipt(personas, draft, questions,
                                                          api_for):
    from tests.applications.conftest import make_pdf

    services.save_draft(application=draft, by=personas.startup_a,
                        answers=complete_answers(questions), declarations={}, base_version=1)
    import hashlib

    from kbridge.applications.uploads import CheckedPDF

    for q in questions:
        if q.kind == Question.Kind.FILE:
            data = make_pdf(1)
            services.attach_file(application=draft, question=q, by=personas.startup_a,
                                 checked=CheckedPDF(data=data, size=len(data), pages=1,
                                                    sha256=hashlib.sha256(data).hexdigest(),
                                                    original_name="deck.pdf"))
    draft.refresh_from_db()
    client = api_for(personas.startup_a)
    assert api_for(personas.startup_a_member).post(
        f"/api/v1/applications/{draft.pk}/submit", {"version": draft.version}).status_code == 404
    stale = client.post(f"/api/v1/applications/{draft.pk}/submit", {"version": 1})
    assert stale.status_code == 409
    first = client.post(f"/api/v1/applications/{draft.pk}/submit", {"version": draft.version})
    assert first.status_code == 200, first.content
    again = client.post(f"/api/v1/applications/{draft.pk}/submit", {"version": draft.version})
    assert again.json()["submissions"] == first.json()["submissions"]
    assert first.json()["status"] == "submitted" and len(first.json()["submissions"]) == 1


# --- operators -------------------------------------------------------------------------------


def test_the_operators_list_is_the_calls_with_eligibility_and_search(world, personas, submitted,
                                                                    api_for):
    client = api_for(personas.operator)
    body = client.get(f"/api/v1/calls/{world.call.pk}/applications").json()
    assert [a["id"] for a in body["items"]] == [submitted.pk]
    assert body["items"][0]["eligibility"] == [] or all(
        {"code", "label", "message"} <= set(f) for f in body["items"][0]["eligibility"])
    receipt = submitted.submissions.get().receipt_number
    assert client.get(f"/api/v1/calls/{world.call.pk}/applications",
                      {"q": receipt}).json()["count"] == 1
    assert client.get(f"/api/v1/calls/{world.call.pk}/applications",
                      {"q": "없는 회사"}).json()["count"] == 0
    assert client.get(f"/api/v1/calls/{world.call.pk}/applications",
                      {"status": "withdrawn"}).json()["count"] == 0
    for outsider in (personas.operator_b, personas.partner_a, personas.startup_a):
        assert api_for(outsider).get(
            f"/api/v1/calls/{world.call.pk}/applications").status_code == 404


def test_the_operators_list_costs_the_same_queries_for_one_or_several(world, personas):
    client = ApiClient(token_for(personas.operator))
    path = f"/api/v1/calls/{world.call.pk}/applications"
    ApplicationFactory(track=world.track_a, applicant=OrganisationFactory(kind="startup"))
    client.get(path)
    one = count_queries(client, path)
    for _ in range(3):
        applicant = OrganisationFactory(kind="startup")
        StartupProfileFactory(organisation=applicant)
        ApplicationFactory(track=TrackFactory(call=world.call, partner=world.partner_b),
                           applicant=applicant)
    assert count_queries(client, path) == one
    assert client.get(path).json()["count"] == 4


@pytest.mark.parametrize("query", ["status=everything", "track=abc", "limit=0", "q=" + "x" * 300,
                                   "call=-1"])
def test_bad_filters_are_422(world, personas, query, api_for):
    path = ("/api/v1/applications" if query.startswith("call")
            else f"/api/v1/calls/{world.call.pk}/applications")
    who = personas.startup_a if query.startswith("call") else personas.operator
    assert api_for(who).get(f"{path}?{query}").status_code == 422


def test_without_the_write_scope_a_draft_cannot_change(personas, draft):
    client = ApiClient(token_for(personas.startup_a, scopes={"applications": "read"}))
    assert client.get(f"/api/v1/applications/{draft.pk}").status_code == 200
    answer = client.patch(f"/api/v1/applications/{draft.pk}/draft", {"version": 1})
    assert answer.status_code == 403


def test_a_startup_without_a_profile_creates_it_through_the_form(personas, api_for):
    answer = api_for(personas.startup_b).patch("/api/v1/startup/profile", {
        "business_registration_number": "2208162517", "founded_on": "2023-05-01",
        "revenue_krw": 350_000_000, "discoverable": True})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    # Cleaned as the page cleans it: the canonical ###-##-##### form.
    assert body["business_registration_number"] == "220-81-62517"
    assert body["founded_on"] == "2023-05-01" and body["revenue_krw"] == 350_000_000
    assert body["discoverable"] is True and body["may_edit"] is True
    assert personas.startup_b_org.profile.representative == personas.startup_b


def test_an_unverified_representative_cannot_submit_and_is_told_why(personas, draft, api_for):
    type(personas.startup_a).objects.filter(pk=personas.startup_a.pk).update(
        email_verified_at=None)
    answer = api_for(personas.startup_a).post(f"/api/v1/applications/{draft.pk}/submit",
                                              {"version": draft.version})
    assert answer.status_code == 422
    assert "Verify your e-mail address" in answer.json()["error"]["details"][0]["message"]


@pytest.mark.parametrize("path", ["/api/v1/applications", "/api/v1/calls"])
def test_an_offset_past_the_databases_integers_is_422_not_500(personas, path, api_for):
    answer = api_for(personas.startup_a).get(f"{path}?offset=9223372036854775808")
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"].endswith("offset")


# --- the draft's files -------------------------------------------------------------------------


def _files_of(questions):
    return [q for q in questions if q.kind == Question.Kind.FILE]


def test_a_whole_application_goes_through_the_api_files_included(personas, draft, questions,
                                                                 api_for):
    """Answers, both PDFs and the submission, without the web: the upload is the web's
    (``uploads.receive_pdf``, ``services.attach_file``)."""
    from tests.applications.conftest import make_pdf

    client = api_for(personas.startup_a)
    path = f"/api/v1/applications/{draft.pk}"
    saved = client.patch(f"{path}/draft", {
        "version": draft.version, "answers": complete_answers(questions),
        "declares_government_support": False, "declares_no_tax_arrears": True})
    assert saved.status_code == 200, saved.content
    deck = make_pdf(3)
    for question in _files_of(questions):
        answer = client.upload(f"{path}/files/{question.pk}", "IR 자료.pdf", deck)
        assert answer.status_code == 200, answer.content
        assert answer.json()["name"] == "IR 자료.pdf" and answer.json()["pages"] == 3
    draft_now = client.get(path).json()["draft"]
    assert draft_now["problems"] == []
    assert len(draft_now["files"]) == len(_files_of(questions))
    first = _files_of(questions)[0]
    download = client.get(f"{path}/files/{first.pk}")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == deck
    submitted = client.post(f"{path}/submit", {"version": draft_now["version"]})
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert AuditLog.objects.filter(action="application.file_uploaded").count() == len(
        _files_of(questions))


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("deck.pdf", b"PK\x03\x04 not a pdf at all", "PDF"),
    ("../../deck.pdf", None, "deck.pdf"),
    ("deck.pdf", b"", "0"),
])
def test_a_refused_file_is_422_on_file_with_the_upload_pages_reason(
        personas, draft, questions, api_for, name, data, reason):
    from tests.applications.conftest import make_pdf

    question = _files_of(questions)[0]
    answer = api_for(personas.startup_a, language="ko").upload(
        f"/api/v1/applications/{draft.pk}/files/{question.pk}", name,
        make_pdf(1) if data is None else data)
    assert answer.status_code == 422, answer.content
    error = answer.json()["error"]
    assert error["code"] == "invalid" and [d["field"] for d in error["details"]] == ["file"]
    assert reason in error["details"][0]["message"]
    assert draft.attachments.count() == 0


def test_an_upload_without_a_file_or_over_the_limit_is_422(personas, draft, questions,
                                                          api_for, settings):
    from tests.applications.conftest import make_pdf

    question = _files_of(questions)[0]
    client = api_for(personas.startup_a)
    path = f"/api/v1/applications/{draft.pk}/files/{question.pk}"
    empty = client.post(path, {})
    assert empty.status_code == 422
    assert empty.json()["error"]["details"] == [
        {"field": "file", "message": "Choose one PDF file to upload."}]
    settings.KBRIDGE_UPLOAD_MAX_BYTES = 2000
    large = client.upload(path, "deck.pdf", make_pdf(40))
    assert large.status_code == 422
    assert "limit" in large.json()["error"]["details"][0]["message"]
    # Form fields beside the file over Django's limit: unreadable, never a 500.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    fields = client.client.post(path, {"note": "x" * 3000}, headers=client.headers)
    assert fields.status_code == 422
    assert fields.json()["error"]["details"][0]["field"] == "file"


def test_only_the_startups_members_upload_and_download_and_only_before_the_deadline(
        world, personas, draft, questions, api_for):
    from tests.applications.conftest import make_pdf

    question = _files_of(questions)[0]
    path = f"/api/v1/applications/{draft.pk}/files/{question.pk}"
    for outsider in (personas.operator, personas.partner_a, personas.startup_b,
                     personas.evaluator):
        assert api_for(outsider).upload(path, "deck.pdf", make_pdf(1)).status_code == 404
        assert api_for(outsider).get(path).status_code == 404
    member = api_for(personas.startup_a_member)
    assert member.get(path).status_code == 404  # nothing uploaded yet
    assert member.upload(path, "deck.pdf", make_pdf(1)).status_code == 200
    assert member.get(path).status_code == 200
    text_question = next(q for q in questions if q.kind == Question.Kind.TEXT)
    assert member.upload(f"/api/v1/applications/{draft.pk}/files/{text_question.pk}",
                         "deck.pdf", make_pdf(1)).status_code == 404
    read_only = api_for(personas.startup_a, scopes={"applications": "read"})
    assert read_only.upload(path, "deck.pdf", make_pdf(1)).status_code == 403
    type(world.call).objects.filter(pk=world.call.pk).update(
        deadline_at=timezone.now() - timedelta(minutes=1))
    late = member.upload(path, "deck.pdf", make_pdf(2))
    assert late.status_code == 409 and late.json()["error"]["code"] == "conflict"
    assert draft.attachments.get().pages == 1


def test_a_withdrawn_application_refuses_every_change_as_a_conflict(personas, draft,
                                                                    questions, api_for):
    """Its state forbids the change: 409 without details, for answers, files and submission
    alike (the draft and submission answered 422 on a field named "")."""
    from tests.applications.conftest import make_pdf

    Application.objects.filter(pk=draft.pk).update(status=Application.Status.WITHDRAWN)
    client = api_for(personas.startup_a)
    path = f"/api/v1/applications/{draft.pk}"
    answers = [
        client.patch(f"{path}/draft", {"version": draft.version, "answers": {}}),
        client.post(f"{path}/submit", {"version": draft.version}),
        client.upload(f"{path}/files/{_files_of(questions)[0].pk}", "deck.pdf", make_pdf(1)),
    ]
    for answer in answers:
        assert answer.status_code == 409, answer.content
        assert answer.json()["error"]["code"] == "conflict"
        assert answer.json()["error"]["details"] == []


def test_null_keeps_a_yes_or_no_of_the_profile(personas, draft, api_for):
    """``discoverable: null`` stored false (a tester's find); the schema says null keeps a
    yes/no (it has no empty value)."""
    client = api_for(personas.startup_a)
    assert client.patch("/api/v1/startup/profile", {"discoverable": True}).json()[
        "discoverable"] is True
    answer = client.patch("/api/v1/startup/profile", {"discoverable": None})
    assert answer.status_code == 200 and answer.json()["discoverable"] is True


def test_a_withdrawn_applications_last_version_is_not_submitted_again(personas, submitted,
                                                                     api_for):
    """Submitting the version already submitted answers that submission (a double click) —
    but not once the application is withdrawn: 409 (it answered 200 with the old one)."""
    version = submitted.submissions.get().draft_version
    Application.objects.filter(pk=submitted.pk).update(status=Application.Status.WITHDRAWN)
    answer = api_for(personas.startup_a).post(f"/api/v1/applications/{submitted.pk}/submit",
                                              {"version": version})
    assert answer.status_code == 409, answer.content
    assert answer.json()["error"]["code"] == "conflict"
