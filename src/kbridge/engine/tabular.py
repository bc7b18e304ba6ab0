"""Cells for spreadsheets, and CSV written the way Excel reads it (docs/decisions.md, "Exports").

Every CSV and XLSX that K-Bridge produces, on the web (``kbridge.core.exports``) and from the
command-line tools (``kbridge-schedule --csv``, ``kbridge-assign --out-csv``), passes its cells
through :func:`cell`. Pure standard library, so the engine may use it.

What :func:`cell` does to a value:

* **numbers stay numbers**: ``int``, ``float`` and ``Decimal`` (finite) and ``bool`` are returned
  unchanged, so they are written as numeric cells in XLSX and unquoted in CSV. NaN and the
  infinities, which no workbook can hold as numbers, become text (``"nan"``, ``"-inf"`` →
  neutralised ``"'-inf"``).
* **dates**: ``date`` and naive ``datetime`` are returned unchanged (native cells in XLSX; in CSV
  ``YYYY-MM-DD`` and ``YYYY-MM-DD HH:MM:SS``, which Excel recognises); an aware ``datetime``,
  which a workbook cannot hold, becomes its ISO 8601 text with the offset.
* **text** (and anything else, through ``str``) goes through :func:`neutralise`:

  1. :func:`clean_text`: characters a workbook cannot hold are removed or replaced (a valid
     surrogate pair is joined, a lone surrogate becomes U+FFFD, C0 control characters other
     than TAB and LF and the non-characters U+FFFE/U+FFFF are removed); CR LF and CR become
     LF (XML, hence XLSX, turns them into LF anyway); text longer than Excel's cell limit of
     32,767 UTF-16 code units is cut to fit, ending in "…";
  2. a text a spreadsheet would read as a formula gets a leading apostrophe ``'`` (OWASP,
     "CSV Injection"): one whose first character is TAB, CR or LF, or whose first character
     after leading white space is ``=``, ``+``, ``-``, ``@`` or a full-width ``＝＋－＠``
     (CJK editions of Excel convert full-width forms on entry). A plain decimal number
     (``-1``, ``+3.5``, ``-1,000``) is left alone: it cannot run anything and a spreadsheet
     reads it as the number it shows.

CSV (:func:`csv_lines`, :func:`csv_text`, :func:`write_csv`) is UTF-8 with a byte-order mark
(without one, Excel reads UTF-8 Korean as mojibake), CRLF line endings, every text cell in
double quotes and numbers unquoted (``csv.QUOTE_NONNUMERIC``): quoted cells stay one cell even
where Excel splits on ``;`` instead of ``,``.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

__all__ = [
    "BOM",
    "MAX_CELL_UNITS",
    "PREFIX",
    "TRIGGERS",
    "Cell",
    "cell",
    "clean_text",
    "csv_lines",
    "csv_text",
    "is_formula_like",
    "neutralise",
    "write_csv",
]

#: What a caller may put in a row.
Cell = str | int | float | Decimal | bool | date | datetime | None

#: Characters that start a formula when they come first (after any leading white space).
TRIGGERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
#: First characters OWASP lists on their own: some programs drop them and read what follows.
_LEADING_CONTROLS = frozenset("\t\r\n")
#: What :func:`neutralise` puts in front of a formula-like text.
PREFIX = "'"
#: Excel's limit for the text of one cell, in UTF-16 code units.
MAX_CELL_UNITS = 32_767
#: UTF-8 byte-order mark, first character of every CSV we write.
BOM = "\ufeff"

_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?|\.[0-9]+)")
_LINE_BREAKS = re.compile("\r\n?")
# C0 controls except TAB and LF (CR was turned into LF before), and the XML non-characters.
_UNHOLDABLE = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ELLIPSIS = "…"


def clean_text(text: str) -> str:
    """``text`` with only characters a workbook can hold, line breaks as LF, at most
    :data:`MAX_CELL_UNITS` UTF-16 code units (cut ones end in "…"). Never raises."""
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        # Joins pairs such as "\ud83d\ude00" into one code point; lone ones become U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = _UNHOLDABLE.sub("", _LINE_BREAKS.sub("\n", text))
    return _fit(text, MAX_CELL_UNITS)


def _fit(text: str, units: int) -> str:
    """``text`` if it has at most ``units`` UTF-16 code units, else cut to fit with "…"."""
    if len(text) <= units // 2 or _utf16_units(text) <= units:
        return text
    budget = units - 1
    kept = []
    for ch in text:
        budget -= 2 if ord(ch) > 0xFFFF else 1
        if budget < 0:
            break
        kept.append(ch)
    return "".join(kept) + _ELLIPSIS


def _utf16_units(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` (already cleaned) as a formula; see the module
    docstring for the rule."""
    if not text:
        return False
    if text[0] in _LEADING_CONTROLS:
        return True
    stripped = text.lstrip()
    return bool(stripped) and stripped[0] in TRIGGERS and not _PLAIN_NUMBER.fullmatch(stripped)


def neutralise(text: str) -> str:
    """``text`` cleaned (:func:`clean_text`) and, if formula-like, prefixed with ``'``."""
    text = clean_text(text)
    if is_formula_like(text):
        # The prefix makes the cell one unit longer; stay within Excel's limit.
        return PREFIX + _fit(text, MAX_CELL_UNITS - len(PREFIX))
    return text


def cell(value: object) -> str | int | float | Decimal | bool | date | datetime:
    """The value to write for ``value``: numbers and dates as they are, text neutralised,
    ``None`` as ``""``, an aware datetime as ISO 8601 text, anything else as its ``str``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal | float):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        return value if finite else neutralise(str(value))
    if isinstance(value, datetime):
        return value if value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value
    return neutralise(value if isinstance(value, str) else str(value))


def _csv_value(value: object) -> object:
    value = cell(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


class _LastWrite:
    """A file-like object that keeps only what was written last: one CSV row."""

    text = ""

    def write(self, text: str) -> int:
        self.text = text
        return len(text)


def csv_lines(rows: Iterable[Sequence[object]], *, bom: bool = True) -> Iterator[str]:
    """One string per row (the first preceded by the BOM when ``bom``), each ending in CRLF,
    text quoted and neutralised, numbers unquoted. Lazy: rows are read as lines are taken."""
    line = _LastWrite()
    writer = csv.writer(line, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    prefix = BOM if bom else ""
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
        yield prefix + line.text
        prefix = ""
    if prefix:  # no rows: the file still starts with the BOM
        yield prefix


def csv_text(rows: Iterable[Sequence[object]], *, bom: bool = True) -> str:
    """The whole CSV of :func:`csv_lines` as one string."""
    return "".join(csv_lines(rows, bom=bom))


def write_csv(path: str | Path, rows: Iterable[Sequence[object]], *, bom: bool = True) -> None:
    """Write the CSV of :func:`csv_lines` to ``path`` as UTF-8, line endings untouched.

    Raises ``OSError`` when the file cannot be written.
    """
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.writelines(csv_lines(rows, bom=bom))
