"""One date style per language, bilingual fields and mixed keyword lists (issue 11)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.template import Context, Template
from django.utils import translation

from kbridge.core.i18n import (
    KST,
    format_date,
    format_date_range,
    format_datetime,
    keywords_for_language,
    pick,
)

DEADLINE = dt.datetime(2026, 12, 12, 16, 0, tzinfo=KST)


def test_one_date_style_per_language():
    assert format_datetime(DEADLINE, "ko") == "2026년 12월 12일(토) 16:00 KST"
    assert format_datetime(DEADLINE, "en") == "Sat 12 Dec 2026, 16:00 KST"
    assert format_date(dt.date(2026, 12, 15), "ko") == "2026년 12월 15일(화)"
    assert format_date(dt.date(2026, 12, 15), "en") == "Tue 15 Dec 2026"
    assert format_date_range(dt.date(2026, 12, 15), dt.date(2026, 12, 26), "en") == (
        "Tue 15 Dec 2026 – Sat 26 Dec 2026")
    # A UTC instant is shown in KST, on the KST day.
    utc = dt.datetime(2026, 12, 12, 15, 30, tzinfo=dt.UTC)
    assert format_datetime(utc, "en") == "Sun 13 Dec 2026, 00:30 KST"


def test_template_filters_follow_the_page_language():
    template = Template('{% load kbridge %}{{ at|kst }} / {{ on|day }} / {{ a|day_range:b }}')
    context = Context({"at": DEADLINE, "on": dt.date(2027, 1, 9),
                       "a": dt.date(2026, 12, 15), "b": dt.date(2026, 12, 26)})
    with translation.override("ko"):
        assert template.render(context) == (
            "2026년 12월 12일(토) 16:00 KST / 2027년 1월 9일(토) / "
            "2026년 12월 15일(화) – 2026년 12월 26일(토)")
    with translation.override("en"):
        assert template.render(context) == (
            "Sat 12 Dec 2026, 16:00 KST / Sat 9 Jan 2027 / Tue 15 Dec 2026 – Sat 26 Dec 2026")


def test_bilingual_field_with_a_visible_fallback():
    both = SimpleNamespace(name_ko="워크로보틱스", name_en="Work Robotics")
    korean_only = SimpleNamespace(name_ko="워크로보틱스", name_en="")
    assert pick(both, "name", "en") == ("Work Robotics", "en", False)
    assert pick(korean_only, "name", "en") == ("워크로보틱스", "ko", True)
    template = Template('{% load kbridge %}{{ o|localized:"name" }}')
    with translation.override("en"):
        assert template.render(Context({"o": both})) == "Work Robotics"
        assert template.render(Context({"o": korean_only})) == (
            '<span lang="ko">워크로보틱스</span> <small class="lang-fallback">(in Korean)</small>')
    with translation.override("ko"):
        english_only = SimpleNamespace(name_ko="", name_en="Work <Robotics>")
        assert template.render(Context({"o": english_only})) == (
            '<span lang="en">Work &lt;Robotics&gt;</span> <small class="lang-fallback">(영문)</small>')


def test_keywords_in_the_page_language():
    mixed = ["platform developers", "플랫폼 개발", "LLM"]
    assert keywords_for_language(mixed, "en") == [("platform developers", "en"), ("LLM", "en")]
    # Korean pages drop the English twins in ordinary words, keep names and acronyms.
    assert [k for k, _ in keywords_for_language(mixed, "ko")] == ["플랫폼 개발", "LLM"]
    assert [k for k, _ in keywords_for_language(
        ["cloud", "클라우드", "generative AI", "생성형 AI", "PyTorch", "Azure OpenAI", "5G"],
        "ko")] == ["클라우드", "생성형 AI", "PyTorch", "Azure OpenAI", "5G"]
    # Only English keywords: shown on Korean pages as they are.
    assert [k for k, _ in keywords_for_language(["cloud", "NPU"], "ko")] == ["cloud", "NPU"]
    # Only Korean keywords: shown as they are, marked Korean.
    assert keywords_for_language(["자율주행"], "en") == [("자율주행", "ko")]


def test_file_sizes_read_alike_on_one_page():
    """A limit ("20 MB") and a usage ("100.0 MB") on one page read alike: no trailing ".0"."""
    from django.utils import translation

    from kbridge.core.templatetags.kbridge import filesize

    with translation.override("ko"):
        assert [filesize(v).replace("\xa0", " ") for v in (658, 1536, 20 * 1024**2)] == [
            "658 바이트", "1.5 KB", "20 MB"]
    with translation.override("en"):
        assert filesize(100 * 1024**2).replace("\xa0", " ") == "100 MB"
