"""Template helpers: dates in KST, bilingual fields, keyword lists and code labels.

Dates and bilingual fields are written by ``kbridge.core.i18n`` so templates and Python
messages use one style per language (docs/decisions.md, "Labels, languages and dates")."""

from __future__ import annotations

import datetime as dt

from django import forms, template
from django.utils import formats, timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kbridge.core import i18n, money
from kbridge.core.i18n import KST
from kbridge.core.money import format_krw

register = template.Library()


@register.filter
def kst(value: dt.datetime | None, fmt: str = "DATETIME") -> str:
    """An aware datetime in Korea Standard Time: "2026년 12월 15일(화) 16:00 KST" /
    "Tue 15 Dec 2026, 16:00 KST"; ``|kst:"DATE"`` gives the day only."""
    if fmt == "DATETIME":
        return i18n.format_datetime(value)
    return i18n.format_date(value)


@register.filter
def day(value: dt.date | None) -> str:
    """A calendar day in the page's language: "2026년 12월 15일(화)" / "Tue 15 Dec 2026"."""
    return i18n.format_date(value)


@register.filter
def day_range(start: dt.date | None, end: dt.date | None) -> str:
    return i18n.format_date_range(start, end)


@register.filter
def isoformat(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


@register.filter
def filesize(value: int | None) -> str:
    """Django's ``filesizeformat`` without a trailing ``.0`` ("20 MB", "1.5 KB", "658 바이트"),
    so a limit and a usage on one page read alike."""
    from django.template.defaultfilters import filesizeformat

    if value is None or value == "":
        return ""
    text = str(filesizeformat(value))
    return text.replace(".0\xa0", "\xa0").replace(".0 ", " ")


@register.filter
def utc_second(value: dt.datetime | None) -> str:
    """``2026-11-30 19:49:06`` in UTC, to the second: the exact instant a receipt proves,
    beside the KST time people read."""
    if not value:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


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


def _language_name(lang: str) -> str:
    return _("in Korean") if lang == "ko" else _("in English")


def fallback_html(text: str, lang: str):
    """Text shown in the other language than the page's: marked with ``lang`` and a visible
    note saying which language it is in."""
    return format_html('<span lang="{}">{}</span> <small class="lang-fallback">({})</small>',
                       lang, text, _language_name(lang))


@register.filter
def localized(obj, field: str):
    """``obj.<field>_ko`` or ``obj.<field>_en`` by the page's language. When only the other
    language is filled in, that text is shown with a visible "(in Korean)"/"(영문)" note."""
    text, lang, is_fallback = i18n.pick(obj, field)
    return fallback_html(text, lang) if is_fallback else text


@register.filter
def localized_text(obj, field: str) -> str:
    """Plain text of a bilingual field, for titles, attributes and truncation (no markup)."""
    return i18n.localized_text(obj, field)


@register.filter
def fallback_note(obj, field: str):
    """Only the "(in Korean)" note when ``localized_text`` fell back to the other language."""
    _text, lang, is_fallback = i18n.pick(obj, field)
    if not is_fallback:
        return ""
    return format_html(' <small class="lang-fallback">({})</small>', _language_name(lang))


@register.filter
def keywords(values) -> list[tuple[str, str]]:
    """A mixed keyword list as ``(keyword, lang)`` pairs for this page's language."""
    return i18n.keywords_for_language(values)


@register.filter
def keyword_tags(values):
    """``<li lang="…">keyword</li>`` for each keyword of a mixed list shown on this page."""
    return format_html_join("", '<li lang="{}">{}</li>',
                            ((lang, k) for k, lang in i18n.keywords_for_language(values)))


@register.filter
def kst_time(value: dt.datetime | None) -> str:
    """HH:MM:SS in KST, for "saved at" and submission times."""
    if value is None:
        return ""
    return timezone.localtime(value, KST).strftime("%H:%M:%S")


@register.filter
def kst_hm(value: dt.datetime | None) -> str:
    """HH:MM in KST, for agenda and meeting times on a page that names the day."""
    if value is None:
        return ""
    return timezone.localtime(value, KST).strftime("%H:%M")


@register.filter
def kst_until(end: dt.datetime | None, start: dt.datetime | None) -> str:
    """The end of a span that began at ``start``: "18:00 KST" on the same KST day, else the
    whole moment ("2026년 12월 2일(수) 04:00 KST"), so a span past midnight names its day."""
    if end is None:
        return ""
    if start is not None and timezone.localtime(start, KST).date() == timezone.localtime(
            end, KST).date():
        return f"{timezone.localtime(end, KST):%H:%M} KST"
    return i18n.format_datetime(end)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def yes_no(value) -> str:
    if value is None:
        return "—"
    return _("Yes") if value else _("No")


@register.filter
def answer(value, question):
    """An application answer as the reader should see it: a choice by its label in the
    page's language (never its stored value), anything else as typed."""
    if question is None or getattr(question, "kind", None) != "choice":
        return value
    lang = i18n.page_language()
    other = "ko" if lang == "en" else "en"
    values = value if isinstance(value, list) else [value]
    shown = []
    for v in values:
        choice = next((c for c in (question.choices or []) if c.get("value") == v), None)
        if choice is None:
            shown.append(str(v))
        elif choice.get(lang):
            shown.append(conditional_escape(choice[lang]))
        else:
            shown.append(fallback_html(choice.get(other) or str(v), other))
    return mark_safe(", ".join(conditional_escape(s) for s in shown))  # noqa: S308 (escaped)


@register.filter
def shown_value(bound_field) -> str:
    """A read-only form field's value as a person reads it: yes/no for check boxes, the
    label of a choice, a list joined with commas; "—" when empty."""
    value = bound_field.value()
    field = bound_field.field
    if isinstance(field, forms.BooleanField) or isinstance(value, bool):
        return yes_no(bool(value))
    if value in (None, "", [], ()):
        return "—"
    choices = getattr(field, "choices", None)
    if choices:
        labels = {str(k): v for k, v in choices if not isinstance(v, list | tuple)}
        values = value if isinstance(value, list | tuple) else [value]
        return ", ".join(str(labels.get(str(v), v)) for v in values)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
