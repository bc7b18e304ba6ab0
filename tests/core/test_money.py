"""Money: amounts shown as ₩350,000,000 (and 3억 5,000만 원 on Korean pages), and money inputs
that read amounts as people type them (docs/decisions.md, "Money (issue 11)")."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from kbridge.core.forms import BaseForm, MoneyField
from kbridge.core.money import AmountError, format_krw, krw_words, parse_krw


@pytest.mark.parametrize(("value", "words", "figure"), [
    (0, "0원", "₩0"),
    (9_999, "9,999원", "₩9,999"),
    (10_000, "1만 원", "₩10,000"),
    (150_000_000, "1억 5,000만 원", "₩150,000,000"),
    (200_000_000, "2억 원", "₩200,000,000"),
    (350_000_000, "3억 5,000만 원", "₩350,000,000"),
    (45_000_000_000, "450억 원", "₩45,000,000,000"),
    (1_234_567_890, "12억 3,456만 7,890원", "₩1,234,567,890"),
    (1_200_000_000_000, "1조 2,000억 원", "₩1,200,000,000,000"),
    (10**13, "10조 원", "₩10,000,000,000,000"),
])
def test_amounts_in_words_and_figures(value, words, figure):
    assert krw_words(value) == words
    for language in ("ko", "en"):
        with translation.override(language):
            assert format_krw(value) == figure


def _render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load kbridge %}" + source).render(Context(context))


def test_the_won_filter_shows_each_language_what_its_readers_expect():
    assert _render("{{ v|won }}", "ko", v=350_000_000) == "3억 5,000만 원 (₩350,000,000)"
    assert _render("{{ v|won }}", "en", v=350_000_000) == "₩350,000,000"
    assert _render("{{ v|won }}", "ko", v=0) == "0원"
    assert _render("{{ v|won }}", "en", v=None) == ""
    assert _render("{{ v|krw }}", "ko", v=350_000_000) == "₩350,000,000"
    assert _render("{{ v|krw_words }}", "en", v=350_000_000) == "3억 5,000만 원"
    assert _render("{{ v|grouped }}", "ko", v=1_200_000_000) == "1,200,000,000"
    assert _render("{{ v|grouped }}", "ko", v="text") == "text"


TYPED = [
    ("350000000", 350_000_000),
    ("350,000,000", 350_000_000),
    ("350 000 000", 350_000_000),
    ("₩350,000,000", 350_000_000),
    ("￦350,000,000", 350_000_000),  # full-width won sign
    ("KRW 350,000,000", 350_000_000),
    ("350,000,000원", 350_000_000),
    ("３５０，０００，０００", 350_000_000),  # full-width digits and commas
    ("3억 5천만", 350_000_000),
    ("3억5000만원", 350_000_000),
    ("3억 5,000만 원", 350_000_000),
    ("350백만", 350_000_000),
    ("1.5억", 150_000_000),
    ("2억", 200_000_000),
    ("천만 원", 10_000_000),
    ("1조 2,000억", 1_200_000_000_000),
    ("12억 3,456만 7,890원", 1_234_567_890),
    ("0", 0),
    ("  ₩ 1,000  ", 1_000),
]


@pytest.mark.parametrize(("typed", "value"), TYPED)
def test_typed_amounts_are_read(typed, value):
    assert parse_krw(typed) == value


@pytest.mark.parametrize(("typed", "code"), [
    ("-350000000", "negative"),
    ("−350,000,000", "negative"),  # the Unicode minus sign
    ("₩-1,000", "negative"),
    ("350000000.5", "decimal"),
    ("3.5", "decimal"),
    ("1.234567899만", "decimal"),
    ("", "invalid"),
    ("원", "invalid"),
    ("three hundred", "invalid"),
    ("5만 3억", "invalid"),
    ("3억 2억", "invalid"),
    ("1e9", "invalid"),
    ("350.000.000", "invalid"),  # a dot is a decimal point, never a separator
    ("٣٥٠", "invalid"),  # other scripts' digits are not read as amounts
])
def test_other_input_is_refused_with_a_reason(typed, code):
    with pytest.raises(AmountError) as error:
        parse_krw(typed)
    assert error.value.code == code


class AmountForm(BaseForm):
    amount = MoneyField(label="amount", min_value=0, max_value=10**13)


@pytest.mark.parametrize(("typed", "value"), TYPED)
def test_the_money_field_accepts_every_documented_form(typed, value):
    form = AmountForm({"amount": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == value


@pytest.mark.parametrize(("typed", "korean", "english"), [
    ("-350,000,000", "마이너스", "minus sign"),
    ("350000000.5", "소수점", "without decimals"),
    ("삼억", "예: 350,000,000", "such as 350,000,000"),
])
def test_refused_amounts_say_why_and_keep_what_was_typed(typed, korean, english):
    for language, expected in (("ko", korean), ("en", english)):
        with translation.override(language):
            form = AmountForm({"amount": typed})
            assert not form.is_valid()
            assert expected in form.errors["amount"][0]
            assert f'value="{typed}"' in str(form["amount"])


def test_the_money_input_shows_separators_and_asks_for_the_number_pad():
    html = str(AmountForm(initial={"amount": 350_000_000})["amount"])
    assert 'type="text"' in html and 'inputmode="numeric"' in html
    assert 'value="350,000,000"' in html
    assert "min=" not in html and "max=" not in html  # number-input attributes


def test_the_money_field_keeps_its_bounds():
    form = AmountForm({"amount": "10조 1원"})
    assert not form.is_valid()


def test_a_money_field_is_bounded_by_default_so_a_huge_amount_is_a_message():
    """The tester's budget of 99,999,999,999,999,999,999,999 won overflowed SQLite (a 500)."""
    class Unbounded(BaseForm):
        amount = MoneyField(label="amount")

    with translation.override("en"):
        form = Unbounded({"amount": "99999999999999999999999"})
        assert not form.is_valid()
        assert "less than or equal to" in form.errors["amount"][0]
