"""Template helpers: KST formatting and bilingual fields."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.utils import formats, timezone
from django.utils.translation import get_language

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
    if value is None:
        return ""
    return f"₩{formats.number_format(value, force_grouping=True)}"


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
