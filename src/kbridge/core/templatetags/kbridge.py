"""Template helpers: KST formatting and bilingual fields."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.utils import formats, timezone
from django.utils.translation import get_language

from kbridge.core import money
from kbridge.core.money import format_krw

register = template.Library()
KST = ZoneInfo("Asia/Seoul")


@register.filter
def kst(value: dt.datetime | None, fmt: str = "DATETIME") -> str:
    """Format an aware datetime in Korea Standard Time with an explicit "KST" suffix."""
    if value is None:
        return ""
    local = timezone.localtime(value, KST)
    if get_language() == "en":
        text = local.strftime("%d %b %Y %H:%M") if fmt == "DATETIME" else local.strftime("%d %b %Y")
    else:
        weekday = "월화수목금토일"[local.weekday()]
        if fmt == "DATETIME":
            text = f"{local.year}년 {local.month}월 {local.day}일({weekday}) {local:%H:%M}"
        else:
            text = f"{local.year}년 {local.month}월 {local.day}일({weekday})"
    return f"{text} KST" if fmt == "DATETIME" else text


@register.filter
def isoformat(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


@register.filter
def krw(value: int | None) -> str:
    """``₩350,000,000`` in both languages (docs/decisions.md, "Money (issue 11)")."""
    if value is None or value == "":
        return ""
    return format_krw(int(value))


@register.filter
def krw_words(value: int | None) -> str:
    """``3억 5,000만 원``: the amount in the 만/억/조 grouping Korean readers count in."""
    if value is None or value == "":
        return ""
    return money.krw_words(int(value))


@register.filter
def won(value: int | None) -> str:
    """An amount as the active language's readers expect it: Korean pages
    ``3억 5,000만 원 (₩350,000,000)`` (below 10,000 won just ``9,999원``), English pages
    ``₩350,000,000``. Every money amount on a page goes through this filter."""
    if value is None or value == "":
        return ""
    value = int(value)
    if (get_language() or "ko")[:2] != "ko":
        return format_krw(value)
    if abs(value) < 10_000:
        return money.krw_words(value)
    return f"{money.krw_words(value)} ({format_krw(value)})"


@register.filter
def grouped(value) -> str:
    """A whole number with thousands separators (``1,200,000,000``); anything else as is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return formats.number_format(value, force_grouping=True)
    return value


@register.filter
def localized(obj, field: str) -> str:
    """``obj.<field>_ko`` or ``obj.<field>_en`` by the active language, falling back to the other."""
    lang = (get_language() or "ko")[:2]
    first, second = ("en", "ko") if lang == "en" else ("ko", "en")
    return getattr(obj, f"{field}_{first}", "") or getattr(obj, f"{field}_{second}", "")


@register.filter
def kst_time(value: dt.datetime | None) -> str:
    """HH:MM:SS in KST, for "saved at" and submission times."""
    if value is None:
        return ""
    return timezone.localtime(value, KST).strftime("%H:%M:%S")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
