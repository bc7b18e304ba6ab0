"""Upload checks: every attachment that is not a plain, readable PDF within the limit is refused
with a sentence the applicant can act on (issue 3, QUALITY.md item 9).

The corpus is built at run time by ``pdf_corpus``; the HTTP tests post real multipart bodies
through Django's test client to the tiny view below, so Django's own parser, the configured
upload handlers and the middleware all take part.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile
from django.http import JsonResponse
from django.test import Client
from django.urls import path
from django.utils.translation import override
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kbridge.applications.uploads import (
    MULTIPART_OVERHEAD_BYTES,
    CheckedPDF,
    SizeLimitUploadHandler,
    UploadRejected,
    check_pdf,
    count_files_or_reject,
    reject_oversized_request,
    upload_rejections,
)
from tests.applications import pdf_corpus as corpus

pytestmark = pytest.mark.urls(__name__)

MAX = 4096  # a small limit keeps the size tests fast; the logic does not depend on the number


@pytest.fixture(autouse=True)
def upload_settings(settings):
    """The production upload settings, with a small limit (stated here so that the tests do not
    depend on what else settings.py configures)."""
    settings.KBRIDGE_UPLOAD_MAX_BYTES = MAX
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 100
    settings.FILE_UPLOAD_HANDLERS = [
        "kbridge.applications.uploads.SizeLimitUploadHandler",
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]


# --- A tiny view, as the application's upload view uses the module ----------------------------
def upload_view(request):
    rejection = count_files_or_reject(request)
    files = request.FILES.getlist("file")
    checked = []
    for uploaded in files:
        try:
            result = check_pdf(uploaded, max_bytes=MAX)
            checked.append({"name": result.original_name, "size": result.size})
        except UploadRejected as exc:
            checked.append({"code": exc.code})
    return JsonResponse({
        "rejection": rejection.code if rejection else None,
        "rejections": [{"code": r.code, "message": r.message} for r in upload_rejections(request)],
        "files": checked,
        "title": request.POST.get("title"),
    })


urlpatterns = [path("upload/", upload_view)]


def check(data: bytes, name: str = "deck.pdf", max_bytes: int = 1_000_000) -> CheckedPDF:
    return check_pdf(SimpleUploadedFile(name, data, content_type="application/pdf"),
                     max_bytes=max_bytes)


def rejection(data: bytes, name: str = "deck.pdf", max_bytes: int = 1_000_000) -> UploadRejected:
    with override("en"), pytest.raises(UploadRejected) as caught:
        check(data, name, max_bytes)
    return caught.value


# --- Accepted ------------------------------------------------------------------------------
def test_a_plain_three_page_pdf_is_accepted_with_its_hash_size_and_pages():
    data = corpus.plain_pdf(pages=3)
    checked = check(data)
    assert checked == CheckedPDF(data=data, sha256=hashlib.sha256(data).hexdigest(),
                                 size=len(data), pages=3, original_name="deck.pdf")


@pytest.mark.parametrize("builder", [
    corpus.office_like_pdf,  # compressed text, a web link, an outline, /OpenAction [page /XYZ]
    lambda: corpus.object_stream_pdf(javascript="none"),  # object and xref streams
], ids=["office-export", "object-streams"])
def test_ordinary_exports_are_accepted(builder):
    assert check(builder()).pages == 1


def test_a_large_accepted_file_keeps_every_byte():
    data = corpus.padded(corpus.plain_pdf(pages=2), 300_000)
    checked = check(data, max_bytes=300_000)
    assert (checked.size, checked.data == data) == (300_000, True)


@pytest.mark.parametrize(("given_name", "shown"), [
    ("deck.pdf", "deck.pdf"),
    ("  Pitch   Deck.PDF ", "Pitch Deck.pdf"),
    ("deck", "deck.pdf"),
    ("deck.pdf.", "deck.pdf"),
    (unicodedata.normalize("NFD", "사업계획서.pdf"), "사업계획서.pdf"),  # macOS sends NFD
    ("invoice\u202efdp.exe", "invoicefdp.exe.pdf"),  # a right-to-left override is dropped
    ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
])
def test_the_name_is_cleaned_for_display(given_name, shown):
    assert check(corpus.plain_pdf(1), name=given_name).original_name == shown
    assert unicodedata.is_normalized("NFC", shown)


# --- Names, sizes, types ------------------------------------------------------------------------
class RawNameUpload(io.BytesIO):
    """An upload whose name is exactly what a client sent. Django's ``UploadedFile`` already
    keeps only the last path part of a name, so ``check_pdf`` is the second line here."""

    def __init__(self, name: str, data: bytes):
        super().__init__(data)
        self.name = name
        self.size = len(data)


@pytest.mark.parametrize("bad", ["../deck.pdf", "a/b.pdf", "a\\b.pdf", "..", "..deck.pdf",
                                 "evil\x00.pdf", "line\nbreak.pdf", "bell\x07.pdf", "", "   "])
def test_names_with_folder_parts_or_control_characters_are_refused(bad):
    with pytest.raises(UploadRejected) as caught:
        check_pdf(RawNameUpload(bad, corpus.plain_pdf(1)), max_bytes=MAX)
    assert caught.value.code == "bad_name"


def test_a_refused_name_is_shown_without_its_control_characters_or_folders():
    with override("en"), pytest.raises(UploadRejected) as caught:
        check_pdf(RawNameUpload("../evil\x00.pdf", corpus.plain_pdf(1)), max_bytes=MAX)
    assert caught.value.message == (
        "The file name “../evil\ufffd.pdf” is not allowed: a file name must not contain folder "
        "parts such as “/”, “\\” or “..”, or invisible control characters. Rename the file, for "
        "example to “deck.pdf”, and upload it again.")


def test_a_posted_path_never_reaches_the_check(client):
    """Browsers send bare names; a crafted ``filename="../../deck.pdf"`` is cut down to its
    last part by Django's multipart parser, so the stored display name has no folders."""
    body = (b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../deck.pdf\""
            b"\r\nContent-Type: application/pdf\r\n\r\n" + corpus.plain_pdf(1) + b"\r\n--B--\r\n")
    answer = client.generic("POST", "/upload/", body,
                            content_type="multipart/form-data; boundary=B").json()
    assert answer["files"] == [{"name": "deck.pdf", "size": len(corpus.plain_pdf(1))}]


def test_a_rejection_survives_pickling():
    refused = rejection(b"")
    copy = pickle.loads(pickle.dumps(refused))  # noqa: S301 - our own bytes
    assert (copy.code, copy.message, copy.params) == (refused.code, refused.message,
                                                      refused.params)


def test_an_empty_file_is_refused():
    refused = rejection(b"", name="deck.pdf")
    assert (refused.code, refused.message) == (
        "empty",
        "“deck.pdf” is empty (0 bytes). Check that you chose the right file and upload it again.")


def test_exactly_the_limit_is_accepted_and_one_byte_more_is_refused():
    document = corpus.plain_pdf(pages=1)
    assert check(corpus.padded(document, MAX), max_bytes=MAX).size == MAX
    refused = rejection(corpus.padded(document, MAX + 1), max_bytes=MAX)
    assert (refused.code, refused.params["limit"]) == ("too_large", "4.0\xa0KB")
    assert "larger than the limit of 4.0\xa0KB" in refused.message


def test_the_default_limit_is_stated_in_megabytes():
    document = corpus.plain_pdf(pages=1)
    refused = rejection(corpus.padded(document, 20 * 1024 * 1024 + 1),
                        max_bytes=20 * 1024 * 1024)
    assert refused.params["limit"] == "20.0\xa0MB"


class CountingUpload(io.BytesIO):
    """A Django-like upload that reports no size and records how much was read from it."""

    name = "huge.pdf"
    size = None

    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_check_pdf_never_reads_more_than_one_byte_past_the_limit():
    upload = CountingUpload(corpus.padded(corpus.plain_pdf(1), 1_000_000))
    with pytest.raises(UploadRejected) as caught:
        check_pdf(upload, max_bytes=MAX)
    assert (caught.value.code, upload.bytes_read) == ("too_large", MAX + 1)


@pytest.mark.parametrize(("data", "looks_like"), [
    (corpus.exe_bytes(), "a Windows program (EXE)"),
    (corpus.zip_bytes(), "a ZIP archive"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "an image (PNG)"),
])
def test_a_renamed_file_is_named_for_what_its_bytes_are(data, looks_like):
    refused = rejection(data, name="deck.pdf")
    assert (refused.code, refused.message) == (
        "not_pdf",
        f"“deck.pdf” is not a PDF: its contents look like {looks_like}. Save or export the "
        "document as PDF and upload that file.")


def test_text_named_pdf_is_not_a_pdf():
    assert rejection(b"Just some notes, not a PDF.\n").code == "not_pdf"


# --- Parsing ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("user_password", ["secret", ""])
def test_encrypted_pdfs_are_refused_even_with_an_empty_user_password(user_password):
    refused = rejection(corpus.encrypted_pdf(user_password))
    assert refused.code == "encrypted"
    assert "Save a copy without protection" in refused.message


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages",  # truncated garbage with a PDF header
    corpus.plain_pdf(3)[:300],  # the first 300 bytes of a real document
    b"%PDF-1.4\n" + bytes(range(256)) * 8,
], ids=["garbage", "truncated", "binary"])
def test_unreadable_pdfs_are_refused_as_corrupt(data):
    refused = rejection(data)
    assert refused.code == "corrupt"
    assert "could not be read as a PDF" in refused.message


def test_a_decompression_bomb_in_an_object_stream_is_refused():
    refused = rejection(corpus.object_stream_bomb_pdf(17_000_000, copies=4))
    assert refused.code == "corrupt"
    assert "expands to far more data than its size" in refused.message


# --- Active content ------------------------------------------------------------------------------
@pytest.mark.parametrize(("builder", "tokens"), [
    (corpus.pdf_with_open_action_javascript, ["/OpenAction", "/JavaScript", "/JS"]),
    (corpus.pdf_with_names_javascript, ["/JavaScript", "/JS"]),
    (corpus.pdf_with_launch_link, ["/Launch"]),
    (corpus.pdf_with_attachment, ["/EmbeddedFile", "/EmbeddedFiles"]),
    (corpus.hidden_hex_escaped_javascript_pdf, ["/JavaScript", "/JS"]),
    (lambda: corpus.object_stream_pdf(javascript="open_action"),
     ["/OpenAction", "/JavaScript", "/JS"]),
    (lambda: corpus.object_stream_pdf(javascript="unreferenced"), ["/JavaScript", "/JS"]),
    (lambda: corpus.object_stream_pdf(javascript="hidden"), ["/JavaScript", "/JS"]),
], ids=["open-action-js", "names-js", "launch", "embedded-file", "hex-escaped-unreferenced",
        "objstm-open-action", "objstm-unreferenced", "objstm-not-in-xref"])
def test_active_content_is_refused_and_listed(builder, tokens):
    refused = rejection(builder())
    assert (refused.code, refused.params["tokens"]) == ("active_content", tokens)
    assert refused.message == (
        "“deck.pdf” contains active content that can run code, open other programs or carry "
        f"other files ({', '.join(tokens)}). Export the document again as a plain PDF (for "
        "example with “Print to PDF”) and upload it again.")


@pytest.mark.parametrize("catalog_extra", [
    b"/OpenAction << /S /Launch /F (cmd.exe) >>",
    b"/OpenAction << /S /URI /URI (https://evil.example) >>",
    b"/AA << /WC << /S /SubmitForm /F (https://evil.example) >> >>",
    b"/AcroForm << /Fields [] /XFA 6 0 R >>",
    b"/Names << /EmbeddedFiles << /Names [] >> >>",
    b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next << /S /ImportData /F (x.fdf) >> >>",
])
def test_catalogue_actions_other_than_go_to_are_refused(catalog_extra):
    objects = dict(corpus.PAGE_TREE)
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>"
    objects[6] = corpus.stream_object(b"", b"<xdp:xdp/>")
    assert rejection(corpus.build_pdf(objects)).code == "active_content"


def test_active_names_inside_web_addresses_and_metadata_text_are_not_active_content():
    objects = dict(corpus.PAGE_TREE)
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R /Metadata 7 0 R >>"
    objects[3] = objects[3][:-3] + b" /Annots [6 0 R] >>"
    objects[6] = (b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720]"
                  b" /A << /S /URI /URI (https://cdn.example/JS/Launch/AA/JavaScript/) >> >>")
    objects[7] = corpus.stream_object(
        b"/Type /Metadata /Subtype /XML",
        b"<x:xmpmeta><rdf:li>https://example.com/AA/JS/ /EmbeddedFile </rdf:li></x:xmpmeta>",
        compress=False)
    assert check(corpus.build_pdf(objects)).pages == 1


def test_an_unparsable_object_with_an_active_name_still_counts():
    tail = b"\n7 0 obj\n<< /S /JavaScript /JS (app.alert(1)"  # never closed
    assert rejection(corpus.plain_pdf(1) + tail).params["tokens"] == ["/JavaScript", "/JS"]


def test_a_go_to_open_action_is_accepted():
    objects = dict(corpus.PAGE_TREE)
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /GoTo /D [3 0 R /Fit] >> >>"
    assert check(corpus.build_pdf(objects)).pages == 1


# --- Messages in both languages --------------------------------------------------------------------
@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize(("data", "code"), [
    (corpus.exe_bytes(), "not_pdf"), (b"", "empty"), (corpus.encrypted_pdf("secret"), "encrypted"),
    (b"%PDF-1.7\ngarbage", "corrupt"), (corpus.pdf_with_names_javascript(), "active_content"),
    (corpus.padded(corpus.plain_pdf(1), MAX + 1), "too_large"),
])
def test_every_message_names_the_file_in_both_languages(language, data, code):
    with override(language), pytest.raises(UploadRejected) as caught:
        check(data, name="사업계획서.pdf", max_bytes=MAX)
    assert caught.value.code == code
    assert "사업계획서.pdf" in caught.value.message
    assert str(caught.value) == caught.value.message


# --- Requests ---------------------------------------------------------------------------------------
class UnreadableBody:
    """A WSGI input that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_an_oversized_request_is_refused_from_its_content_length_alone(rf):
    too_long = str(MAX + MULTIPART_OVERHEAD_BYTES + 1)
    request = rf.generic("POST", "/upload/", content_type="multipart/form-data; boundary=x",
                         **{"wsgi.input": UnreadableBody(), "CONTENT_LENGTH": too_long})
    with override("en"):
        refused = reject_oversized_request(request, max_bytes=MAX)
    assert (refused.code, refused.message) == (
        "too_large",
        "The upload is larger than the limit of 4.0\xa0KB per file. Make the file smaller, for "
        "example by exporting it again with compressed images, and upload it again.")


@pytest.mark.parametrize("length", [str(MAX + MULTIPART_OVERHEAD_BYTES), "", "nonsense"])
def test_a_request_within_the_allowance_is_not_refused(rf, length):
    request = rf.generic("POST", "/upload/", content_type="multipart/form-data; boundary=x",
                         **{"wsgi.input": UnreadableBody(), "CONTENT_LENGTH": length})
    assert reject_oversized_request(request, max_bytes=MAX) is None


def post(client, data, language="en"):
    return client.post("/upload/", data, headers={"Accept-Language": language}).json()


def test_the_upload_handler_drops_a_file_one_byte_over_the_limit_and_keeps_the_form(
        client):
    too_big = corpus.padded(corpus.plain_pdf(1), MAX + 1)
    answer = post(client, {"title": "Neuro Chips draft",
                           "file": SimpleUploadedFile("deck.pdf", too_big)})
    assert answer == {
        "rejection": None,
        "rejections": [{"code": "too_large", "message": (
            "“deck.pdf” is larger than the limit of 4.0\xa0KB. Make the file smaller, for "
            "example by exporting it again with compressed images, and upload it again.")}],
        "files": [],
        "title": "Neuro Chips draft",
    }


def test_the_upload_handler_passes_a_file_of_exactly_the_limit_through_unchanged(
        client):
    exact = corpus.padded(corpus.plain_pdf(1), MAX)
    answer = post(client, {"title": "t", "file": SimpleUploadedFile("deck.pdf", exact)})
    assert (answer["rejections"], answer["files"]) == ([], [{"name": "deck.pdf", "size": MAX}])


def test_the_handler_counts_each_file_separately(client):
    exact = corpus.padded(corpus.plain_pdf(1), MAX)
    over = corpus.padded(corpus.plain_pdf(1), MAX + 1)
    answer = post(client, {"file": [SimpleUploadedFile("a.pdf", exact),
                                    SimpleUploadedFile("b.pdf", over),
                                    SimpleUploadedFile("c.pdf", exact)]})
    assert ([r["code"] for r in answer["rejections"]], answer["files"]) == (
        ["too_large"], [{"name": "a.pdf", "size": MAX}, {"name": "c.pdf", "size": MAX}])


def test_the_handler_refuses_a_part_that_declares_an_oversized_length(rf):
    request = rf.post("/upload/")
    handler = SizeLimitUploadHandler(request)
    with pytest.raises(SkipFile):
        handler.new_file("file", "deck.pdf", "application/pdf", MAX + 1)
    assert [r.code for r in upload_rejections(request)] == ["too_large"]


def _files(count: int) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"page-{i}.pdf", b"%PDF-") for i in range(count)]


def test_a_hundred_files_are_parsed_but_a_hundred_and_one_are_refused_with_a_message(client):
    assert post(client, {"file": _files(100)})["rejection"] is None
    answer = post(client, {"title": "kept?", "file": _files(101)})
    assert answer == {
        "rejection": "too_many_files",
        "rejections": [{"code": "too_many_files", "message": (
            "Too many files were sent at once: at most 100 files can be uploaded in one go. "
            "Upload fewer files at a time; nothing you entered was lost.")}],
        "files": [],
        "title": None,  # Django drops the whole body; the stored draft is untouched
    }


def test_count_files_or_reject_is_idempotent(rf):
    request = rf.post("/upload/", {"file": _files(101)})
    first = count_files_or_reject(request)
    assert (first.code, count_files_or_reject(request) is first,
            len(upload_rejections(request))) == ("too_many_files", True, 1)


class CountFilesFirst:
    """The integration the application needs: run ``count_files_or_reject`` before the CSRF
    middleware, which reads ``request.POST`` and would otherwise turn 101 files into a 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST":
            count_files_or_reject(request)
        return self.get_response(request)


def _csrf_client() -> tuple[Client, dict[str, str]]:
    client = Client(enforce_csrf_checks=True)
    token = "k" * 32  # an unmasked secret is a valid token for cookie and header alike
    client.cookies["csrftoken"] = token
    return client, {"X-CSRFToken": token, "Accept-Language": "en"}


def test_too_many_files_must_be_counted_before_the_csrf_middleware(settings):
    session = "django.contrib.sessions.middleware.SessionMiddleware"
    locale = "django.middleware.locale.LocaleMiddleware"
    csrf = "django.middleware.csrf.CsrfViewMiddleware"
    settings.MIDDLEWARE = [session, locale, csrf]
    client, headers = _csrf_client()
    bare = client.post("/upload/", {"file": _files(101)}, headers=headers)
    assert bare.status_code == 400  # the CSRF check parsed the body: no view, no message

    settings.MIDDLEWARE = [session, locale, f"{__name__}.CountFilesFirst", csrf]
    client, headers = _csrf_client()
    answer = client.post("/upload/", {"file": _files(101)}, headers=headers)
    assert (answer.status_code, answer.json()["rejection"]) == (200, "too_many_files")


# --- Nothing crashes ---------------------------------------------------------------------------------
FUZZ = hypothesis_settings(max_examples=200, deadline=None, derandomize=True,
                           suppress_health_check=[HealthCheck.too_slow])
VALID = corpus.office_like_pdf()
VALID_WITH_OBJECT_STREAMS = corpus.object_stream_pdf(javascript="open_action")


def outcome_of(data: bytes) -> str:
    try:
        result = check(data, max_bytes=MAX * 4)
    except UploadRejected as exc:
        assert exc.message
        return exc.code
    assert isinstance(result, CheckedPDF)
    return "accepted"


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash(data):
    assert outcome_of(data) in {"empty", "not_pdf", "corrupt", "accepted"}


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_behind_a_pdf_header_never_crash(data):
    assert outcome_of(b"%PDF-1.7\n" + data) in {"corrupt", "accepted", "active_content",
                                                "encrypted"}


@FUZZ
@given(st.sampled_from([VALID, VALID_WITH_OBJECT_STREAMS]),
       st.lists(st.tuples(st.integers(0, 1300), st.binary(min_size=1, max_size=8)),
                min_size=1, max_size=6))
def test_damaged_real_documents_never_crash(document, damage):
    data = bytearray(document)
    for position, replacement in damage:
        position = min(position, len(data) - 1)
        data[position:position + len(replacement)] = replacement
    assert outcome_of(bytes(data)) in {"not_pdf", "corrupt", "accepted", "active_content",
                                       "encrypted", "too_large"}

