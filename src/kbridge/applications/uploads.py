"""Checks for PDF attachments (pitch deck, business plan) before anything is stored.

Why this module exists: an application portal accepts files from anyone with an account, at the
busiest moment of the year. Every attachment is refused with a sentence the applicant can act
on unless it is a plain, readable, unprotected PDF within the size limit (QUALITY.md item 9,
OWASP ASVS 12.x):

* the size limit is enforced three times: from ``Content-Length`` before the body is read
  (:func:`reject_oversized_request`, for a middleware placed before the CSRF middleware,
  which parses every POST body), per file while the
  multipart body streams in (:class:`SizeLimitUploadHandler`), and on the bytes themselves
  (:func:`check_pdf`), which never holds more than ``max_bytes + 1`` bytes of a file;
* the type is read from the bytes (``filetype``), never from the name or the browser's
  content type, so an EXE renamed ``deck.pdf`` is named for what it is;
* the PDF is parsed with ``pypdf``: encrypted and unreadable files are refused (reviewers must
  be able to open them), the page count is read;
* active content (JavaScript, launch actions, embedded files, form submission, rich media,
  additional actions) is refused. It is looked for structurally (catalogue, pages, annotations,
  outline, form fields) *and* by a raw scan of the name tokens over the file bytes and over every
  decoded object stream, including ``#xx``-escaped spellings such as ``/J#61vaScript``. The raw
  scan catches objects that no reader-visible structure references (a different viewer may
  still find them, e.g. through a damaged or alternative cross-reference table).

Messages are translated when the rejection is raised (the active language of the request).
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext, gettext_noop
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject, read_object

__all__ = [
    "CheckedPDF",
    "SizeLimitUploadHandler",
    "UploadRejected",
    "check_pdf",
    "clean_display_name",
    "count_files_or_reject",
    "keep_raw_names",
    "receive_pdf",
    "reject_oversized_request",
    "upload_rejections",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: Allowance for the multipart envelope (boundaries, part headers, the CSRF token and a few form
#: fields) on top of the file itself when judging a request by its Content-Length.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
#: Longest display name kept, extension included.
MAX_NAME_CHARS = 150
_READ_CHUNK = 64 * 1024
#: Total decoded bytes of object streams we are willing to inspect; more is a decompression
#: bomb rather than a pitch deck (real object streams hold dictionaries, not page content).
_OBJECT_STREAM_BUDGET = 64 * 1024 * 1024
#: Bounds for walking outlines, form fields and action chains (cycles are also tracked).
_MAX_WALK = 20_000
_MAX_ACTION_CHAIN = 64

# --- Messages ------------------------------------------------------------------------------
# English msgids, translated with gettext when the rejection is raised. Each one says what is
# wrong and what to do next.
_MSG_BAD_NAME = gettext_noop(
    "The file name “%(name)s” is not allowed: a file name must not contain folder parts such "
    "as “/”, “\\” or “..”, or invisible control characters. Rename the file, for example to "
    "“deck.pdf”, and upload it again.")
_MSG_CHOOSE_ONE = gettext_noop("Choose one PDF file to upload.")
_MSG_NO_NAME = gettext_noop(
    "The file has no name. Give it a name ending in “.pdf”, for example “deck.pdf”, and upload "
    "it again.")
_MSG_EMPTY = gettext_noop(
    "“%(name)s” is empty (0 bytes). Check that you chose the right file and upload it again.")
_MSG_TOO_LARGE = gettext_noop(
    "“%(name)s” is larger than the limit of %(limit)s. Make the file smaller, for example by "
    "exporting it again with compressed images, and upload it again.")
_MSG_REQUEST_TOO_LARGE = gettext_noop(
    "The upload is larger than the limit of %(limit)s per file. Make the file smaller, for "
    "example by exporting it again with compressed images, and upload it again.")
_MSG_NOT_PDF_KIND = gettext_noop(
    "“%(name)s” is not a PDF: its contents look like %(kind)s. Save or export the document as "
    "PDF and upload that file.")
_MSG_NOT_PDF = gettext_noop(
    "“%(name)s” is not a PDF: its contents do not start like a PDF file, whatever its name "
    "says. Save or export the document as PDF and upload that file.")
_MSG_ENCRYPTED = gettext_noop(
    "“%(name)s” is protected with a password or encryption, so it cannot be checked or opened "
    "by reviewers. Save a copy without protection and upload that file.")
_MSG_CORRUPT = gettext_noop(
    "“%(name)s” could not be read as a PDF: the file seems damaged or incomplete. Export the "
    "document again as PDF and upload the new file.")
_MSG_NO_PAGES = gettext_noop(
    "“%(name)s” has no pages. Export the document again as PDF and upload the new file.")
_MSG_BOMB = gettext_noop(
    "“%(name)s” expands to far more data than its size when decompressed, so it cannot be "
    "checked safely. Export the document again as a plain PDF (for example with “Print to "
    "PDF”) and upload it again.")
_MSG_ACTIVE = gettext_noop(
    "“%(name)s” contains active content that can run code, open other programs or carry "
    "other files (%(found)s). Export the document again as a plain PDF (for example with "
    "“Print to PDF”) and upload it again.")
_MSG_NAME_TOO_LONG = gettext_noop(
    "The file name is too long for the upload to be read. Rename the file to a shorter name "
    "(at most %(limit)s characters, for example “deck.pdf”) and upload it again.")
_MSG_MALFORMED = gettext_noop(
    "The upload could not be read: the request was incomplete or malformed. Choose the file "
    "and upload it again.")
_MSG_TOO_MANY_FILES = gettext_noop(
    "Too many files were sent at once: at most %(limit)s files can be uploaded in one go. "
    "Upload fewer files at a time; nothing you entered was lost.")

# What a non-PDF looks like, by the extension ``filetype`` reports.
_KIND_LABELS = {
    "exe": gettext_noop("a Windows program (EXE)"),
    "elf": gettext_noop("a Linux program"),
    "zip": gettext_noop("a ZIP archive"),
    "rar": gettext_noop("a RAR archive"),
    "7z": gettext_noop("a 7-Zip archive"),
    "gz": gettext_noop("a compressed archive"),
    "bz2": gettext_noop("a compressed archive"),
    "xz": gettext_noop("a compressed archive"),
    "tar": gettext_noop("a compressed archive"),
    "doc": gettext_noop("a Word document"),
    "docx": gettext_noop("a Word document"),
    "xls": gettext_noop("an Excel spreadsheet"),
    "xlsx": gettext_noop("an Excel spreadsheet"),
    "ppt": gettext_noop("a PowerPoint presentation"),
    "pptx": gettext_noop("a PowerPoint presentation"),
    "odt": gettext_noop("an OpenDocument file"),
    "ods": gettext_noop("an OpenDocument file"),
    "odp": gettext_noop("an OpenDocument file"),
    "rtf": gettext_noop("an RTF document"),
    "ps": gettext_noop("a PostScript file"),
}
_KIND_IMAGE = gettext_noop("an image (%(format)s)")
_KIND_OTHER = gettext_noop("a %(format)s file")


@dataclass(frozen=True)
class CheckedPDF:
    """A PDF that passed every check; ``data`` is exactly the bytes that were checked."""

    data: bytes = field(repr=False)
    sha256: str
    size: int
    pages: int
    original_name: str


class UploadRejected(Exception):  # noqa: N818 - the name reads as the outcome it reports
    """An upload refused with a reason.

    ``code`` is stable (tests, audit, API); ``message`` is the translated sentence for the
    applicant, in the language active when it was raised; ``params`` are its parameters.
    """

    #: The codes this module raises (views may add their own, e.g. for a closed call).
    CODES = frozenset({"too_large", "empty", "bad_name", "not_pdf", "encrypted", "corrupt",
                       "active_content", "too_many_files", "name_too_long", "malformed"})

    def __init__(self, code: str, message: str, params: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = dict(params or {})

    def __repr__(self) -> str:
        return f"UploadRejected({self.code!r}, {self.message!r})"

    def __reduce__(self):  # picklable (task queues, caches) despite the extra arguments
        return (type(self), (self.code, self.message, self.params))


def _reject(code: str, msgid: str, **params: Any) -> UploadRejected:
    return UploadRejected(code, gettext(msgid) % params, params)


# --- Names ---------------------------------------------------------------------------------
_LINE_BREAKS = {"\u2028", "\u2029", "\x85"}


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in _LINE_BREAKS


def _shown(name: str) -> str:
    """A refused name made safe to print inside a message (controls become U+FFFD)."""
    text = "".join("\ufffd" if _is_control(ch) else ch for ch in name)
    return text if len(text) <= MAX_NAME_CHARS else text[: MAX_NAME_CHARS - 1] + "…"


def clean_display_name(name: str) -> str:
    """The user's file name as we show it: no invisible format characters (bidi overrides
    such as U+202E can disguise ``exe.pdf`` as ``fdp.exe``), NFC, at most 150 characters,
    ending in ``.pdf``. Only for names that :func:`check_pdf` accepted."""
    text = unicodedata.normalize("NFC", name)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cf", "Co", "Cs", "Cn"})
    text = " ".join(text.split()).rstrip(" .")  # Windows ignores trailing dots and spaces
    stem = text[:-4] if text.lower().endswith(".pdf") else text
    stem = stem.rstrip(" .")
    return stem[: MAX_NAME_CHARS - 4].rstrip(" .") + ".pdf"


def check_file_name(raw: str | None) -> str:
    """Return the display name, or raise ``bad_name``."""
    if raw is None or not raw.strip():
        raise _reject("bad_name", _MSG_NO_NAME, name="")
    name = unicodedata.normalize("NFC", raw)
    stripped = name.strip()
    if ("/" in name or "\\" in name or stripped in {".", ".."} or stripped.startswith("..")
            or any(_is_control(ch) for ch in name)):
        raise _reject("bad_name", _MSG_BAD_NAME, name=_shown(name))
    display = clean_display_name(name)
    if display == ".pdf":  # nothing visible was left of the name
        raise _reject("bad_name", _MSG_BAD_NAME, name=_shown(name))
    return display


# --- Bytes ---------------------------------------------------------------------------------
def _read_capped(uploaded: Any, max_bytes: int) -> bytes:
    """Read at most ``max_bytes + 1`` bytes: enough to tell "too large" without holding more."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        uploaded.seek(0)
    limit = max_bytes + 1
    buffer = io.BytesIO()
    while buffer.tell() < limit:
        chunk = uploaded.read(min(_READ_CHUNK, limit - buffer.tell()))
        if not chunk:
            break
        buffer.write(chunk)
    return buffer.getvalue()


def _describe_kind(head: bytes) -> str | None:
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.extension in _KIND_LABELS:
        return gettext(_KIND_LABELS[kind.extension])
    if kind.mime.startswith("image/"):
        return gettext(_KIND_IMAGE) % {"format": kind.extension.upper()}
    return gettext(_KIND_OTHER) % {"format": kind.extension.upper()}


def _is_pdf(head: bytes) -> bool:
    kind = filetype.guess(head)
    return kind is not None and kind.extension == "pdf"


# --- Active content ------------------------------------------------------------------------
# Name tokens that make a PDF do something (or carry something) beyond showing pages. /AA is
# "additional actions" (on open/close/page view/field events); /XFA forms run scripts too.
_RAW_TOKENS = ("JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles", "AA",
               "SubmitForm", "ImportData", "RichMedia", "XFA")
#: Order in which found tokens are listed in the message.
_REPORT_ORDER = ("/OpenAction", "/JavaScript", "/JS", "/Launch", "/EmbeddedFile",
                 "/EmbeddedFiles", "/AA", "/SubmitForm", "/ImportData", "/RichMedia", "/XFA")
_ACTION_TYPES = {"/JavaScript": "/JavaScript", "/Launch": "/Launch",
                 "/SubmitForm": "/SubmitForm", "/ImportData": "/ImportData",
                 "/RichMediaExecute": "/RichMedia"}
_ANNOTATION_TYPES = {"/FileAttachment": "/EmbeddedFile", "/RichMedia": "/RichMedia"}

_PDF_WS = rb"\x00\t\n\x0c\r "
_NAME_END = rb"(?=[" + _PDF_WS + rb"/<>\[\](){}%]|\Z)"


def _escaped_name_pattern(token: str) -> bytes:
    """A regex for ``/token`` where every character may also be written as ``#xx``."""
    parts = []
    for ch in token:
        hex_code = f"{ord(ch):02X}"
        hex_class = "".join(f"[{c}{c.lower()}]" if c.isalpha() else c for c in hex_code)
        parts.append(f"(?:{re.escape(ch)}|#{hex_class})")
    return "".join(parts).encode("ascii")


_TOKEN_RE = re.compile(
    rb"/(" + b"|".join(_escaped_name_pattern(t) for t in sorted(_RAW_TOKENS, key=len, reverse=True))
    + rb")" + _NAME_END)
_OBJSTM_RE = re.compile(rb"/" + _escaped_name_pattern("ObjStm") + _NAME_END)
_OBJ_HEADER_RE = re.compile(rb"\d{1,10}[" + _PDF_WS + rb"]+\d{1,5}[" + _PDF_WS + rb"]+obj["
                            + _PDF_WS + rb"]*")
_ENDOBJ_RE = re.compile(rb"[" + _PDF_WS + rb"]*endobj")
_HEX_ESCAPE_RE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _canonical(match: re.Match[bytes]) -> str:
    name = _HEX_ESCAPE_RE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
    return "/" + name.decode("latin-1")


def _names_in(obj: Any) -> set[str]:
    """Every name (keys and values) in one parsed object, without following references."""
    names: set[str] = set()
    pending = [obj]
    visited = 0
    while pending and visited < 200_000:
        visited += 1
        current = pending.pop()
        if isinstance(current, NameObject):
            names.add(str(current))
        elif isinstance(current, DictionaryObject):
            names.update(str(key) for key in current)
            pending.extend(dict.values(current))
        elif isinstance(current, ArrayObject):
            pending.extend(list.__iter__(current))
    return names


def _confirmed_tokens(buffer: bytes, object_starts: list[int], reader: PdfReader, *,
                      in_body: bool) -> set[str]:
    """Raw-scan ``buffer`` (the file, or a decoded object stream) for the active-content names,
    then confirm each hit by parsing the object it sits in.

    The scan sees objects no structure references, and ``#xx`` spellings; the confirmation keeps
    a web address such as ``(https://example.com/AA/)`` or bytes inside image data from counting
    as a name. A hit outside any object, or in an object that does not parse (in the file body:
    up to its ``endobj``), counts: another reader may make sense of what pypdf cannot."""
    found: set[str] = set()
    parsed: dict[int, tuple[Any, int] | None] = {}
    source = io.BytesIO(buffer)
    for match in _TOKEN_RE.finditer(buffer):
        token = _canonical(match)
        if token in found:
            continue
        index = bisect.bisect_right(object_starts, match.start()) - 1
        if index < 0:
            found.add(token)
            continue
        if index not in parsed:
            try:
                source.seek(object_starts[index])
                obj = read_object(source, reader)
                end = source.tell()
                # pypdf forgives a truncated object; a complete one ends with endobj.
                complete = not in_body or _ENDOBJ_RE.match(buffer, end) is not None
                parsed[index] = (obj, end) if complete else None
            except Exception:  # unparsable: counted, see above
                parsed[index] = None
        entry = parsed[index]
        if entry is None or match.start() >= entry[1] or token in _names_in(entry[0]):
            found.add(token)
    return found


def _object_starts(data: bytes) -> list[int]:
    """Where each ``N G obj`` body begins in the file (sorted)."""
    return [match.end() for match in _OBJ_HEADER_RE.finditer(data)]


def _object_stream_starts(stream: StreamObject, decoded: bytes) -> list[int]:
    """Where each object of a decoded object stream begins, from its header of number pairs."""
    first = _resolve(stream.get("/First"))
    if not isinstance(first, int) or not 0 <= first <= len(decoded):
        return []  # every hit then counts
    numbers = [int(n) for n in re.findall(rb"\d+", decoded[:first])]
    return sorted({first + offset for offset in numbers[1::2] if first + offset < len(decoded)})


class _Bomb(Exception):  # noqa: N818 - internal signal, never leaves this module
    pass


def _object_streams(data: bytes, reader: PdfReader) -> list[StreamObject]:
    """Every object stream: those pypdf's cross-reference table names, and any other object
    with an ``/ObjStm`` name in the bytes, referenced or not. Dictionaries live either in the
    file body or in object streams, so scanning both sees every dictionary in the file."""
    streams: list[StreamObject] = []
    numbers = {int(number) for number, _index in reader.xref_objStm.values()}
    for number in sorted(numbers):
        obj = reader.get_object(number)
        if isinstance(obj, StreamObject):
            streams.append(obj)
    source = io.BytesIO(data)
    seen_headers = set()
    for match in _OBJSTM_RE.finditer(data):
        window_start = max(0, match.start() - 4096)
        headers = list(_OBJ_HEADER_RE.finditer(data, window_start, match.start()))
        if not headers or headers[-1].end() in seen_headers:
            continue
        header = headers[-1]
        seen_headers.add(header.end())
        # Not skipped when its number is among ``numbers``: an incremental update can leave an
        # older object of the same number in the body, which another reader may still use.
        source.seek(header.end())
        obj = read_object(source, reader)
        if not isinstance(obj, StreamObject):
            raise ValueError("object stream without a stream")
        streams.append(obj)
    return streams


def _scanned_tokens(data: bytes, reader: PdfReader) -> set[str]:
    """Confirmed active-content names in the file body and in every decoded object stream."""
    found: set[str] = set()
    if _TOKEN_RE.search(data):  # locating every object costs more than this search
        found |= _confirmed_tokens(data, _object_starts(data), reader, in_body=True)
    budget = _OBJECT_STREAM_BUDGET
    for stream in _object_streams(data, reader):
        decoded = stream.get_data()
        budget -= len(decoded)
        if budget < 0:
            raise _Bomb
        if _TOKEN_RE.search(decoded):
            found |= _confirmed_tokens(decoded, _object_stream_starts(stream, decoded), reader,
                                       in_body=False)
    return found


def _resolve(obj: Any) -> Any:
    return obj.get_object() if obj is not None and hasattr(obj, "get_object") else obj


def _action_tokens(action: Any) -> set[str]:
    """What an action dictionary (and its ``/Next`` chain) would do that we refuse."""
    found: set[str] = set()
    pending = [action]
    seen: set[int] = set()
    steps = 0
    while pending and steps < _MAX_ACTION_CHAIN:
        steps += 1
        current = _resolve(pending.pop())
        if isinstance(current, ArrayObject):
            pending.extend(current)
            continue
        if not isinstance(current, DictionaryObject) or id(current) in seen:
            continue
        seen.add(id(current))
        kind = _ACTION_TYPES.get(str(_resolve(current.get("/S"))))
        if kind:
            found.add(kind)
        if "/JS" in current:
            found.add("/JS")
        if "/Next" in current:
            pending.append(current.get("/Next"))
    if pending:
        raise ValueError("action chain too long")  # no real document chains this many
    return found


def _annotation_tokens(annotation: Any) -> set[str]:
    annotation = _resolve(annotation)
    if not isinstance(annotation, DictionaryObject):
        return set()
    found = set()
    subtype = _ANNOTATION_TYPES.get(str(_resolve(annotation.get("/Subtype"))))
    if subtype:
        found.add(subtype)
    if "/A" in annotation:
        found |= _action_tokens(annotation.get("/A"))
    if "/AA" in annotation:
        found.add("/AA")
    return found


def _walk_tree(first: Any, child_keys: Iterable[str], next_key: str | None) -> Iterable[Any]:
    """Yield the dictionaries of an outline or field tree once each, bounded."""
    pending = [first]
    seen: set[int] = set()
    while pending and len(seen) < _MAX_WALK:
        node = _resolve(pending.pop())
        if isinstance(node, ArrayObject):
            pending.extend(node)
            continue
        if not isinstance(node, DictionaryObject) or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        for key in child_keys:
            if key in node:
                pending.append(node.get(key))
        if next_key and next_key in node:
            pending.append(node.get(next_key))


def _structural_tokens(reader: PdfReader) -> set[str]:
    """What the document's own structure says it does when opened or interacted with."""
    found: set[str] = set()
    root = _resolve(reader.trailer.get("/Root"))
    if not isinstance(root, DictionaryObject):
        raise ValueError("no document catalogue")
    open_action = _resolve(root.get("/OpenAction"))
    # A destination (array, or a named destination) only says which page to show first, and
    # LibreOffice writes one into every export; an action dictionary other than a plain GoTo
    # does something on open.
    if isinstance(open_action, DictionaryObject):
        tokens = _action_tokens(open_action)
        if tokens or str(_resolve(open_action.get("/S"))) != "/GoTo":
            found |= {"/OpenAction"} | tokens
    if "/AA" in root:
        found.add("/AA")
    names = _resolve(root.get("/Names"))
    if isinstance(names, DictionaryObject):
        found |= {key for key in ("/JavaScript", "/EmbeddedFiles") if key in names}
    form = _resolve(root.get("/AcroForm"))
    if isinstance(form, DictionaryObject):
        if "/XFA" in form:
            found.add("/XFA")
        for node in _walk_tree(form.get("/Fields"), ("/Kids",), None):
            found |= _annotation_tokens(node)
    outlines = _resolve(root.get("/Outlines"))
    if isinstance(outlines, DictionaryObject):
        for node in _walk_tree(outlines.get("/First"), ("/First",), "/Next"):
            if "/A" in node:
                found |= _action_tokens(node.get("/A"))
    for page in reader.pages:
        if "/AA" in page:
            found.add("/AA")
        annotations = _resolve(page.get("/Annots"))
        if isinstance(annotations, ArrayObject):
            for annotation in annotations:
                found |= _annotation_tokens(annotation)
    return found


def _sorted_tokens(tokens: set[str]) -> list[str]:
    return sorted(tokens, key=lambda t: (_REPORT_ORDER.index(t) if t in _REPORT_ORDER else 99, t))


# --- The check -----------------------------------------------------------------------------
def check_pdf(uploaded: Any, *, max_bytes: int) -> CheckedPDF:
    """Check one uploaded file and return what may be stored, or raise :class:`UploadRejected`.

    ``uploaded`` is a Django ``UploadedFile`` (anything with ``.name`` and ``.read()``). The
    checks run from cheapest to dearest: name, size, type from the bytes, parse, active content.
    """
    name = check_file_name(getattr(uploaded, "name", None))
    declared = getattr(uploaded, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _reject("too_large", _MSG_TOO_LARGE, name=name, limit=filesizeformat(max_bytes))
    data = _read_capped(uploaded, max_bytes)
    if not data:
        raise _reject("empty", _MSG_EMPTY, name=name)
    if len(data) > max_bytes:
        raise _reject("too_large", _MSG_TOO_LARGE, name=name, limit=filesizeformat(max_bytes))
    head = data[:8192]
    if not _is_pdf(head):
        kind = _describe_kind(head)
        if kind:
            raise _reject("not_pdf", _MSG_NOT_PDF_KIND, name=name, kind=kind)
        raise _reject("not_pdf", _MSG_NOT_PDF, name=name)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception:  # pypdf raises many types on malformed input; all mean "unreadable"
        raise _reject("corrupt", _MSG_CORRUPT, name=name) from None
    if encrypted:
        raise _reject("encrypted", _MSG_ENCRYPTED, name=name)
    try:
        pages = len(reader.pages)
        found = _structural_tokens(reader)
        found |= _scanned_tokens(data, reader)
    except _Bomb:
        raise _reject("corrupt", _MSG_BOMB, name=name) from None
    except Exception:  # includes RecursionError on pathological nesting
        raise _reject("corrupt", _MSG_CORRUPT, name=name) from None
    if pages == 0:
        raise _reject("corrupt", _MSG_NO_PAGES, name=name)
    if found:
        tokens = _sorted_tokens(found)
        raise UploadRejected(
            "active_content",
            gettext(_MSG_ACTIVE) % {"name": name, "found": ", ".join(tokens)},
            {"name": name, "found": ", ".join(tokens), "tokens": tokens},
        )
    return CheckedPDF(data=data, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                      pages=pages, original_name=name)


# --- Requests ------------------------------------------------------------------------------
def _max_bytes_setting() -> int:
    return int(getattr(settings, "KBRIDGE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def upload_rejections(request: Any) -> list[UploadRejected]:
    """Rejections recorded on this request by the handler, the middleware or the helpers."""
    return list(getattr(request, "upload_rejections", []))


def _record(request: Any, rejection: UploadRejected) -> None:
    if request is None:
        return
    if not hasattr(request, "upload_rejections"):
        request.upload_rejections = []
    request.upload_rejections.append(rejection)


def reject_oversized_request(request: Any, *, max_bytes: int) -> UploadRejected | None:
    """Judge a request by its ``Content-Length`` before a byte of the body is read.

    Allows ``max_bytes`` of file plus :data:`MULTIPART_OVERHEAD_BYTES` of envelope, so it is
    meant for requests carrying one file (one file slot per request)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return None  # Django reads such a body as empty
    if length > max_bytes + MULTIPART_OVERHEAD_BYTES:
        return _reject("too_large", _MSG_REQUEST_TOO_LARGE, limit=filesizeformat(max_bytes))
    return None


_PARSE_CODES = frozenset({"too_many_files", "name_too_long", "malformed"})


def count_files_or_reject(request: Any) -> UploadRejected | None:
    """Parse ``request.FILES`` safely: what Django's multipart parser would answer with a bare
    "Bad Request (400)" becomes a rejection (recorded on the request) with a message:

    * more than ``DATA_UPLOAD_MAX_NUMBER_FILES`` files: ``too_many_files``;
    * a part's headers over Django's 1,024-byte limit, which in practice is a file name of
      some 300 Korean or 900 Latin characters: ``name_too_long``;
    * any other unreadable multipart body: ``malformed``.

    Idempotent: once refused, Django leaves ``POST`` and ``FILES`` empty, and later calls
    return the recorded rejection again."""
    for rejection in upload_rejections(request):
        if rejection.code in _PARSE_CODES:
            return rejection
    try:
        request.FILES  # noqa: B018 - the access parses the body
    except TooManyFilesSent:
        rejection = _reject("too_many_files", _MSG_TOO_MANY_FILES,
                            limit=settings.DATA_UPLOAD_MAX_NUMBER_FILES)
    except (RequestDataTooBig, TooManyFieldsSent):
        # The form fields beside the file are over Django's limits (DATA_UPLOAD_MAX_*).
        rejection = _reject("malformed", _MSG_MALFORMED)
    except MultiPartParserError as exc:
        if "header size" in str(exc):
            rejection = _reject("name_too_long", _MSG_NAME_TOO_LONG, limit=MAX_NAME_CHARS)
        else:
            rejection = _reject("malformed", _MSG_MALFORMED)
    else:
        return None
    _record(request, rejection)
    return rejection


class _RawNameParser(MultiPartParser):
    """Django's parser, remembering each file name as the client sent it.

    Django reduces "../deck.pdf" to "deck.pdf" before any upload handler sees it; K-Bridge
    refuses such names outright (with a message) instead of silently renaming.
    """

    def __init__(self, *args, raw_names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self._raw_names = raw_names

    def sanitize_file_name(self, file_name):
        self._raw_names.append(file_name)
        return super().sanitize_file_name(file_name)


def _parse_keeping_raw_names(request, META, post_data):  # noqa: N803 - Django's signature
    request.raw_upload_names = []
    parser = _RawNameParser(META, post_data, request.upload_handlers, request.encoding,
                            raw_names=request.raw_upload_names)
    return parser.parse()


def keep_raw_names(request: Any) -> None:
    """Have ``request``'s multipart body parsed by Django's own parser, keeping each file
    name as sent in ``request.raw_upload_names``. Call it before anything reads
    ``request.POST`` or ``request.FILES``; afterwards it changes nothing."""
    if not hasattr(request, "_files"):
        # An instance attribute shadows HttpRequest.parse_file_upload.
        request.parse_file_upload = functools.partial(_parse_keeping_raw_names, request)


def receive_pdf(request: Any, *, field: str = "file") -> CheckedPDF:
    """The one PDF of an upload request (form field ``field``), checked: the request's size
    (``Content-Length``), the multipart body (:func:`count_files_or_reject`), each file name
    as sent, the rejections recorded while it streamed in (:class:`SizeLimitUploadHandler`),
    exactly one file, then :func:`check_pdf` with ``settings.KBRIDGE_UPLOAD_MAX_BYTES``.

    The web's upload page and the API's upload take files through this one path. Raises
    :class:`UploadRejected` with the first reason (``empty`` when no file or several came)."""
    keep_raw_names(request)
    max_bytes = _max_bytes_setting()
    rejection = reject_oversized_request(request, max_bytes=max_bytes)
    if rejection is not None:
        raise rejection
    rejection = count_files_or_reject(request)
    if rejection is not None:
        raise rejection
    for raw_name in getattr(request, "raw_upload_names", []):
        check_file_name(raw_name)
    rejections = upload_rejections(request)
    if rejections:
        raise rejections[0]
    uploaded = request.FILES.getlist(field)
    if len(uploaded) != 1:
        raise _reject("empty", _MSG_CHOOSE_ONE)
    return check_pdf(uploaded[0], max_bytes=max_bytes)


class SizeLimitUploadHandler(FileUploadHandler):
    """First upload handler: counts each file's bytes as they stream in and skips a file as soon
    as it passes ``settings.KBRIDGE_UPLOAD_MAX_BYTES``.

    The oversized file is dropped (``SkipFile``: the next handlers close and discard what they
    buffered) and a ``too_large`` rejection is recorded on ``request.upload_rejections``; the
    other fields and files of the form are parsed as usual, so the view can keep the draft and
    show the message. Other chunks pass through unchanged."""

    def __init__(self, request: Any = None):
        super().__init__(request)
        self.max_bytes = _max_bytes_setting()

    def _skip(self) -> None:
        name = self.file_name or ""
        shown = clean_display_name(name) if name else ""
        _record(self.request, _reject("too_large", _MSG_TOO_LARGE, name=shown,
                                      limit=filesizeformat(self.max_bytes)))
        raise SkipFile

    def new_file(self, field_name, file_name, content_type, content_length, charset=None,
                 content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset,
                         content_type_extra)
        # A part's own Content-Length is rarely sent and never trusted to be small, but a
        # declared oversize saves streaming it.
        if content_length is not None and content_length > self.max_bytes:
            self._skip()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.max_bytes:
            self._skip()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the UploadedFile
