"""Korean particles follow the sound the word before them ends in (core/josa.py)."""

from __future__ import annotations

import pytest

from kbridge.core.josa import final_consonant, josa


@pytest.mark.parametrize(("word", "particle", "expected"), [
    # Hangul: the final consonant of the last syllable.
    ("API 플랫폼", "을", "API 플랫폼을"),
    ("저전력 NPU", "을", "저전력 NPU를"),
    ("노바모션", "는", "노바모션은"),
    ("뉴로칩스", "은", "뉴로칩스는"),
    ("창업진흥원", "와", "창업진흥원과"),
    ("오픈AI", "과", "오픈AI와"),
    # (으)로: 로 after a vowel and after ㄹ.
    ("서울", "으로", "서울로"),
    ("학교", "으로", "학교로"),
    ("부산", "로", "부산으로"),
    # Latin letters read as Korean readers say them.
    ("API", "을", "API를"),  # 에이피아이
    ("NPU", "이", "NPU가"),  # 엔피유
    ("5G", "은", "5G는"),  # 오지
    ("LLM", "을", "LLM을"),  # 엘엘엠
    ("GPU", "으로", "GPU로"),
    ("OpenAI", "과", "OpenAI와"),  # 오픈에이아이
    ("Google", "은", "Google은"),  # 구글
    ("Azure", "을", "Azure를"),  # 애저
    ("platform", "이", "platform이"),  # 플랫폼
    ("SoC", "을", "SoC를"),  # 에스오씨
    ("URL", "로", "URL로"),  # 유알엘: ㄹ takes 로
    # Numbers read in Sino-Korean.
    ("3", "을", "3을"),  # 삼
    ("2", "을", "2를"),  # 이
    ("10", "이", "10이"),  # 십
    ("2026", "은", "2026은"),  # 육
    ("1,000", "과", "1,000과"),  # 천
    ("1", "으로", "1로"),  # 일
    # Closing quotes and brackets are skipped.
    ("“사업계획서”", "을", "“사업계획서”를"),
    ("AI 반도체(NPU)", "을", "AI 반도체(NPU)를"),
])
def test_the_particle_follows_the_last_sound(word, particle, expected):
    assert josa(word, particle) == expected


def test_an_ending_that_cannot_be_told_keeps_both_forms():
    assert final_consonant("★") is None
    assert josa("★", "을") == "★을(를)"
    assert josa("★", "으로") == "★(으)로"


def test_no_korean_message_leaves_the_particle_to_the_reader():
    """Translators cannot call code: a message that puts a particle after a placeholder is
    reworded (``%(email)s 주소로``), never written with ``(으)로``/``을(를)`` (issue 11, item 8)."""
    from pathlib import Path

    import polib

    po = polib.pofile(str(Path(__file__).parents[2] / "src/kbridge/locale/ko/LC_MESSAGES/django.po"))
    placeholders = ("(으)로", "을(를)", "를(을)", "이(가)", "가(이)", "은(는)", "는(은)", "와(과)",
                    "과(와)")
    left = [e.msgid for e in po if any(p in e.msgstr or any(p in s for s in
                                       e.msgstr_plural.values()) for p in placeholders)]
    assert left == []
