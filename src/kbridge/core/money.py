"""Amounts in won: how they are shown and how typed amounts are read (docs/decisions.md,
"Money (issue 11)").

Amounts are stored as whole won in integer fields (``*_krw``). They are shown

* as a figure with the won sign and thousands separators, ``₩350,000,000``, in both
  languages (:func:`format_krw`, Django's own number formatting of the active locale);
* in Korean also in the 만/억/조 grouping Korean readers count in, ``3억 5,000만 원``
  (:func:`krw_words`), a rule we own: neither Babel nor ``django.contrib.humanize`` groups by
  10⁴.

:func:`parse_krw` reads what people type into a money input: digits with or without
separators, the won sign or "KRW", full-width digits, and the Korean units (see its doc).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils import formats

__all__ = ["AmountError", "amount_text", "format_krw", "krw_words", "parse_krw"]

_BIG_UNITS = (("조", 10**12), ("억", 10**8), ("만", 10**4))
_SMALL_UNITS = {"천": 1000, "백": 100, "십": 10}
#: Everything that may stand around the number and means "won": the won sign (U+20A9; the
#: full-width ￦ becomes it under NFKC), the ISO code and the Korean word.
_CURRENCY = re.compile(r"₩|KRW|원", re.IGNORECASE)
#: Minus signs: ASCII hyphen-minus, the Unicode minus and the full-width one (NFKC maps the
#: last to the first).
_MINUS = ("-", "\u2212")
#: Spaces and digit group separators people type: comma, apostrophe, underscore, the
#: no-break and the narrow no-break space. A dot is a decimal point, never a separator.
_SEPARATORS = re.compile(r"[\s,'\u00a0\u202f_]")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


class AmountError(ValueError):
    """A typed amount that is not a whole, non-negative number of won.

    ``code`` is ``"invalid"`` (not an amount), ``"negative"`` or ``"decimal"``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def format_krw(value: int) -> str:
    """``₩350,000,000``: the won sign and the active locale's thousands separator."""
    sign = "-" if value < 0 else ""
    return f"{sign}₩{formats.number_format(abs(value), force_grouping=True)}"


def amount_text(value: int) -> str:
    """An amount inside a sentence of the active language: ``3억 5,000만 원`` in Korean,
    ``₩350,000,000`` in English (error messages, e-mails)."""
    from django.utils.translation import get_language

    return krw_words(value) if (get_language() or "ko")[:2] == "ko" else format_krw(value)


def krw_words(value: int) -> str:
    """``3억 5,000만 원``: the amount in 조/억/만 groups of up to four digits each, as Korean
    readers count (groups that are zero are left out; below 10,000 won ``9,999원``)."""
    if value < 0:
        return "-" + krw_words(-value)
    if value < 10_000:
        return f"{value:,}원"
    parts = []
    rest = value
    for unit, size in _BIG_UNITS:
        group, rest = divmod(rest, size)
        if group:
            parts.append(f"{group:,}{unit}")
    if rest:
        parts.append(f"{rest:,}원")
    else:
        parts[-1] += " 원"
    return " ".join(parts)


def _small_group(text: str) -> Decimal:
    """A number below 10⁴ as written before 만/억/조 or at the end: digits, or digits with
    천/백/십 ("5천", "3천5백", "천"), in descending units."""
    if text == "":
        raise AmountError("invalid")
    total = Decimal(0)
    number: Decimal | None = None
    last_unit = 10**4
    pos = 0
    while pos < len(text):
        match = _NUMBER.match(text, pos)
        if match:
            if number is not None:
                raise AmountError("invalid")
            number = Decimal(match.group())
            pos = match.end()
            continue
        unit = _SMALL_UNITS.get(text[pos])
        if unit is None or unit >= last_unit:
            raise AmountError("invalid")
        total += (1 if number is None else number) * unit
        number, last_unit = None, unit
        pos += 1
    if number is not None:
        total += number
    return total


def parse_krw(text: str) -> int:
    """Whole won from what was typed. Accepted (docs/decisions.md, "Money (issue 11)"):

    * digits, with or without separators: ``350000000``, ``350,000,000``, ``350 000 000``;
    * the won sign or the code before or after, and 원 after: ``₩350,000,000``,
      ``KRW 350,000,000``, ``350,000,000원``;
    * full-width characters (``３５０，０００，０００``, ``￦``): read after NFKC;
    * Korean units 조/억/만 with 천/백/십 inside a group, spaces optional, decimals allowed
      where the result is whole won: ``3억 5천만``, ``3억5000만원``, ``350백만``, ``1.5억``.

    Raises :class:`AmountError` for anything else, a minus sign (``"negative"``) or a
    fraction of a won (``"decimal"``)."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    cleaned = _CURRENCY.sub("", cleaned)
    cleaned = _SEPARATORS.sub("", cleaned)
    if cleaned.startswith(_MINUS) or cleaned.endswith(_MINUS):
        raise AmountError("negative")
    if not cleaned:
        raise AmountError("invalid")
    if cleaned.isascii() and cleaned.isdigit():
        return int(cleaned)
    if _NUMBER.fullmatch(cleaned):
        raise AmountError("decimal")
    total = Decimal(0)
    rest = cleaned
    for unit, size in _BIG_UNITS:
        head, found, tail = rest.partition(unit)
        if found:
            total += (_small_group(head) if head else Decimal(1)) * size
            rest = tail
    if rest:
        total += _small_group(rest)
    if any(unit in rest for unit, _size in _BIG_UNITS):
        raise AmountError("invalid")  # units out of order ("5만 3억") or repeated
    try:
        whole = total.to_integral_exact()
    except InvalidOperation as exc:  # pragma: no cover - Decimal of digits never fails
        raise AmountError("invalid") from exc
    if whole != total:
        raise AmountError("decimal")
    return int(whole)
