"""The input-cleaning rules of kbridge.core.text, as properties over any string."""

from __future__ import annotations

import json
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from kbridge.core.forms import BaseForm, KeywordsField
from kbridge.core.text import clean_json, clean_query, clean_text, validate_single_line

ANY_TEXT = st.text(alphabet=st.characters(), max_size=200)  # surrogates included


@given(ANY_TEXT)
def test_cleaned_text_is_storable_anywhere(text):
    cleaned = clean_text(text)
    cleaned.encode("utf-8")  # no lone surrogates left
    json.dumps(cleaned, ensure_ascii=False).encode("utf-8")
    assert "\x00" not in cleaned
    assert all(ch in "\t\n" or unicodedata.category(ch) != "Cc" for ch in cleaned)
    assert "\r" not in cleaned and "\u2028" not in cleaned and "\u2029" not in cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    assert len(cleaned) <= len(text)


@given(ANY_TEXT)
def test_cleaning_twice_changes_nothing(text):
    assert clean_text(clean_text(text)) == clean_text(text)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
                                      blacklist_characters="\u200b\u2060\ufeff\u202a\u202b"
                                                           "\u202c\u202d\u202e\u2066\u2067"
                                                           "\u2068\u2069"),
               max_size=200))
def test_ordinary_text_is_kept_apart_from_normalisation(text):
    assert clean_text(text) == unicodedata.normalize("NFC", text)


@pytest.mark.parametrize(("given_text", "expected"), [
    ("a\x00b", "ab"),
    ("첫 줄\r\n둘째 줄\r셋째\u2028넷째\x85다섯째", "첫 줄\n둘째 줄\n셋째\n넷째\n다섯째"),
    ("tab\tstays", "tab\tstays"),
    ("\x1b[31mred\x7f", "[31mred"),
    ("\u1100\u1161\u11a8", "각"),  # decomposed Hangul (macOS) composed
    ("lone \ud800 surrogate", "lone \ufffd surrogate"),
    ("ABCDE\u200bF\u2060G\ufeffH", "ABCDEFGH"),  # zero-width characters that hide differences
    ("👩\u200d💻 \u200c", "👩\u200d💻 \u200c"),      # joiners stay: emoji sequences need them
    ("음성 \u202eereh drowyek", "음성 ereh drowyek"),  # a right-to-left override reversed pages
    ("\u2066isolate\u2069 \u202aembed\u202c", "isolate embed"),
])
def test_examples(given_text, expected):
    assert clean_text(given_text) == expected


def test_json_values_are_cleaned_keys_included():
    assert clean_json({"a\x00": ["x\x00", 1, None, {"k": "e\u0301"}]}) == {
        "a": ["x", 1, None, {"k": "\u00e9"}]}


def test_search_text_is_one_short_line():
    assert clean_query(" 뉴로\x00칩스\r\n  NPU\t") == "뉴로칩스 NPU"
    assert len(clean_query("가" * 1000)) == 200
    assert clean_query(None) == ""


def test_single_line_fields_refuse_line_breaks():
    with pytest.raises(ValidationError):
        validate_single_line("회사\r\nBcc: x@example.com")
    validate_single_line("회사")


class _Form(BaseForm):
    from django import forms as _f

    name = _f.CharField(max_length=20)
    about = _f.CharField(widget=_f.Textarea, required=False)
    keywords = KeywordsField(required=False, max_keywords=3, max_keyword_chars=5)
    password = _f.CharField(widget=_f.PasswordInput, strip=False, required=False)


def test_the_form_layer_cleans_before_validating_and_keeps_passwords_as_typed():
    form = _Form(data={"name": "이름\x00", "about": "a\r\nb", "keywords": "x\x00, y",
                       "password": "pass\x07word"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"name": "이름", "about": "a\nb", "keywords": ["x", "y"],
                                 "password": "pass\x07word"}


def test_the_form_layer_states_limits_and_refuses_past_them():
    form = _Form(data={"name": "줄\n바꿈", "about": "x" * 50_001,
                       "keywords": "a, b, c, d", "password": ""})
    assert set(form.errors) == {"name", "about", "keywords"}
    assert "50,000" in str(form["about"].help_text)
    assert form["about"].field.widget.attrs["data-maxlength"] == 50_000
    assert "maxlength" not in form["about"].field.widget.attrs  # browsers would cut a paste
    assert form.data["about"] == "x" * 50_001  # shown again in full


def test_single_line_fields_store_full_width_ascii_as_ascii():
    """A name typed with a Korean IME in full-width forms is stored as the ASCII a search
    (NFKC) looks for; multi-line answers keep their typography."""
    form = _Form(data={"name": "ＮｅｕｒｏＣｈｉｐｓ（주）", "about": "（참고）～",
                       "keywords": "", "password": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "NeuroChips(주)"
    assert form.cleaned_data["about"] == "（참고）～"


def test_a_choice_that_is_not_offered_gets_our_message_not_django_s():
    """Django's Korean message reads "maybe 이/가 선택가능항목에 없습니다": the value typed
    echoed with a particle that fits only half of the words (the tester's tampered appeal)."""
    from django import forms
    from django.utils import translation

    from kbridge.core.forms import BaseForm

    class Decision(BaseForm):
        decision = forms.ChoiceField(choices=[("upheld", "Upheld"), ("rejected", "Rejected")])
        many = forms.MultipleChoiceField(choices=[("a", "A")], required=False)

    for language, expected in (("ko", "나열된 항목 중에서 고르세요."),
                               ("en", "Choose one of the options listed.")):
        with translation.override(language):
            form = Decision({"decision": "maybe", "many": ["z"]})
            assert not form.is_valid()
            assert form.errors["decision"] == [expected]
            assert form.errors["many"] == [expected]
            assert "maybe" not in str(form.errors)
