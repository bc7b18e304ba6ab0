"""The one input-cleaning layer for text (docs/decisions.md, "Input cleaning and limits").

Every string a person sends us passes through :func:`clean_text` before it is validated or
stored: the forms do it for every field through :class:`kbridge.core.forms.CleanInputMixin`,
and the paths that read ``request.POST``/``request.GET`` or JSON directly (draft autosave,
declarations, keywords, search parameters, withdrawal reasons) call these functions
themselves.

The rules, in order:

1. lone surrogates (U+D800–U+DFFF, which cannot be encoded as UTF-8 and make PostgreSQL and
   the JSON encoder fail) become U+FFFD REPLACEMENT CHARACTER;
2. line breaks are unified to LF: CRLF, CR, NEL (U+0085), LINE SEPARATOR (U+2028) and
   PARAGRAPH SEPARATOR (U+2029);
3. every other control character (Unicode category Cc: C0, DEL and C1) except TAB and LF is
   removed; NUL in particular, which PostgreSQL refuses in text and JSON;
4. invisible zero-width characters that only hide differences are removed: ZERO WIDTH SPACE
   (U+200B), WORD JOINER (U+2060) and ZERO WIDTH NO-BREAK SPACE (U+FEFF, a byte-order mark
   pasted mid-text); the joiners U+200C/U+200D stay (emoji sequences and some scripts need them);
5. bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069)
   are removed: no Korean or English text needs them, and a right-to-left override pasted
   into a keyword reversed the rest of a quoted sentence on another user's page (issue 12's
   tester: "ereh drowyek live");
6. the text is normalised to NFC (macOS and some IMEs send decomposed Hangul).

Single-line fields (names, titles, numbers) also fold full-width ASCII forms to ASCII
(:func:`fold_width`: ``ＡＢＣ（주）`` → ``ABC(주)``, ideographic space → space), as a Korean IME
types them, so that what is stored matches what a search (NFKC) looks for.

Cleaning never shortens text for length: limits are refused with a message (see
:data:`MAX_TEXT_CHARS`), never cut. Single-line fields additionally refuse line breaks
(:func:`validate_single_line`): a company name with a line break would later break a mail
header.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = [
    "MAX_LINE_CHARS",
    "MAX_QUERY_CHARS",
    "MAX_TEXT_CHARS",
    "clean_json",
    "clean_query",
    "clean_text",
    "count_chars",
    "fold_width",
    "header_line",
    "normalize_query",
    "validate_single_line",
]

#: The longest text anyone may store in one field (answers, descriptions, summaries).
MAX_TEXT_CHARS = 50_000
#: The longest single-line value of a field that names no limit of its own.
MAX_LINE_CHARS = 1_000
#: The longest search text kept from a query string (a search, not stored input).
MAX_QUERY_CHARS = 200

_SURROGATES = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n|[\r\x85\u2028\u2029]")
# Cc except TAB (\x09) and LF (\x0a); NEL (\x85) was turned into LF before this runs.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
#: Full-width ASCII forms U+FF01-U+FF5E and the ideographic space, to their ASCII twins.
_WIDTH_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def clean_text(value: str) -> str:
    """``value`` cleaned by the rules above; never longer than ``value``."""
    if not value:
        return value
    text = _SURROGATES.sub("\ufffd", value)
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROLS.sub("", text)
    text = _ZERO_WIDTH.sub("", text)
    return unicodedata.normalize("NFC", text)


def fold_width(value: str) -> str:
    """``value`` with full-width ASCII forms (``Ａ``, ``１``, ``（``) and the ideographic space
    as their ASCII twins; Hangul, CJK and other text unchanged."""
    return value.translate(_WIDTH_FOLD) if value else value


def clean_json(value: Any) -> Any:
    """Every string inside ``value`` (dict keys too) cleaned; other JSON values unchanged."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    if isinstance(value, tuple):
        return tuple(clean_json(item) for item in value)
    if isinstance(value, dict):
        return {clean_json(key): clean_json(item) for key, item in value.items()}
    return value


def count_chars(value: Any) -> int:
    """Characters as people count them: the length of ``value`` after :func:`clean_text`
    (a CR LF line break counts once, decomposed Hangul counts as composed). Every limit is
    checked with this, never with ``len`` of raw input."""
    return len(clean_text(str(value))) if value else 0


def header_line(value: str) -> str:
    """``value`` made safe for one mail header: line breaks and other control characters
    (TAB too) become spaces, runs of spaces collapse, ends are trimmed."""
    text = _SURROGATES.sub("\ufffd", value or "")
    text = re.sub("[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", text)
    return " ".join(text.split())


def normalize_query(value: str) -> str:
    """What a person typed in a search box, as the database should compare it: NFKC
    (full-width ``ＡＢＣ１２３`` becomes ``ABC123``, half-width katakana and compatibility
    Hangul jamo are unified), then cleaned like every input. Case is left to the
    database's case-insensitive look-up (``icontains``)."""
    return unicodedata.normalize("NFKC", value or "")


def clean_query(value: str | None, *, max_chars: int = MAX_QUERY_CHARS) -> str:
    """A search parameter from the query string: cleaned, Unicode-normalised for search
    (:func:`normalize_query`, NFKC), line breaks and tabs as spaces, runs of spaces
    collapsed, at most ``max_chars`` characters (a search, not stored input, so the rest is
    ignored rather than refused). Every search box reads its parameter through this."""
    text = clean_text(normalize_query(value or ""))
    return " ".join(text.split())[:max_chars]


def validate_single_line(value: Any) -> None:
    """Refuse a line break in a single-line field (names, titles, e-mail headers)."""
    if isinstance(value, str) and "\n" in clean_text(value):
        raise ValidationError(
            _("Enter this on one line: line breaks are not allowed here."), code="line_break")
