"""Showing data in the page's language: bilingual fields, keyword lists and dates.

One place decides how K-Bridge writes a date in Korean and in English (docs/decisions.md,
"Labels, languages and dates"); template filters (``kst``, ``day``, ``localized``) and Python
messages (eligibility findings, validation errors) both call these functions.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import get_language

KST = ZoneInfo("Asia/Seoul")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS_KO = "월화수목금토일"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def page_language() -> str:
    """``"en"`` or ``"ko"``: the language of the page being rendered (Korean by default)."""
    return "en" if (get_language() or "ko")[:2] == "en" else "ko"


def has_hangul(text: str) -> bool:
    return bool(HANGUL.search(text or ""))


def pick(obj: Any, field: str, lang: str | None = None) -> tuple[str, str, bool]:
    """``(text, language of text, is_fallback)`` of the bilingual field ``<field>_ko/_en``.

    The page's language first; when that version is empty, the other one, flagged as a
    fallback so the page can say which language it is in."""
    lang = lang or page_language()
    other = "ko" if lang == "en" else "en"
    text = getattr(obj, f"{field}_{lang}", "") or ""
    if text.strip():
        return text, lang, False
    text = getattr(obj, f"{field}_{other}", "") or ""
    return text, (other if text else lang), bool(text)


def localized_text(obj: Any, field: str) -> str:
    """The plain text of a bilingual field in the page's language (falling back silently)."""
    return pick(obj, field)[0]


def keywords_for_language(keywords: list[str] | tuple[str, ...] | None,
                          lang: str | None = None) -> list[tuple[str, str]]:
    """``[(keyword, language), …]`` of a mixed Korean/English keyword list for one page.

    Keyword lists hold both languages side by side ("platform developers", "플랫폼 개발")
    because matching compares across languages. English pages leave out the Korean ones
    when the list has English keywords too; a list with only Korean keywords is shown as
    it is (each keyword marked as Korean). Korean pages, when the list has Korean keywords,
    leave out the English twins made of ordinary words ("cloud", "generative AI") and keep
    names and acronyms whose every word starts with a capital or a digit ("NPU", "PyTorch",
    "Azure OpenAI", "5G"), which Korean text writes in Latin letters too."""
    lang = lang or page_language()
    items = [(k, "ko" if has_hangul(k) else "en") for k in (keywords or []) if str(k).strip()]
    if lang == "en" and any(kl == "en" for _, kl in items):
        items = [(k, kl) for k, kl in items if kl == "en"]
    elif lang != "en" and any(kl == "ko" for _, kl in items):
        items = [(k, kl) for k, kl in items if kl == "ko" or _is_name_or_acronym(k)]
    return items


def _is_name_or_acronym(keyword: str) -> bool:
    return all(word[:1].isupper() or word[:1].isdigit() for word in str(keyword).split())


def _kst(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, KST) if timezone.is_aware(value) else value


def format_date(value: dt.date | dt.datetime | None, lang: str | None = None) -> str:
    """A calendar day: "2026년 12월 15일(화)" in Korean, "Tue 15 Dec 2026" in English.

    Datetimes are taken in KST first."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _kst(value).date()
    lang = lang or page_language()
    if lang == "en":
        return f"{_WEEKDAYS_EN[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"
    return f"{value.year}년 {value.month}월 {value.day}일({_WEEKDAYS_KO[value.weekday()]})"


def format_datetime(value: dt.datetime | None, lang: str | None = None) -> str:
    """A moment in KST: "2026년 12월 15일(화) 16:00 KST" / "Tue 15 Dec 2026, 16:00 KST"."""
    if value is None:
        return ""
    local = _kst(value)
    lang = lang or page_language()
    separator = ", " if lang == "en" else " "
    return f"{format_date(local.date(), lang)}{separator}{local:%H:%M} KST"


def format_date_range(start: dt.date | None, end: dt.date | None,
                      lang: str | None = None) -> str:
    """Two days joined with an en dash; one day when both are the same."""
    if start is None or end is None or start == end:
        return format_date(start or end, lang)
    return f"{format_date(start, lang)} – {format_date(end, lang)}"
