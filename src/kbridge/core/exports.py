"""CSV and XLSX downloads (and one person's JSON data export): the web side of the one export module (docs/decisions.md, "Exports").

Every cell goes through :func:`kbridge.engine.tabular.cell` (formula neutralisation, characters
a workbook cannot hold, numbers kept numeric); this module only turns rows into HTTP responses.
Both formats stream: the first bytes leave as soon as the first row is read, the rows are
pulled one at a time from the caller's iterator (pass a queryset's ``.iterator()``), and memory
stays flat however many rows there are.

* :func:`csv_response`: UTF-8 with a byte-order mark (:func:`kbridge.engine.tabular.csv_lines`).
* :func:`xlsx_response`: an Office Open XML workbook (ECMA-376 Part 1, SpreadsheetML) of one
  sheet or several (:func:`xlsx_workbook_chunks`, e.g. the KPI export's rows and totals),
  zipped on the fly by ``stream-zip``. The package parts are fixed; each sheet is written
  row by row with inline strings (no shared-string table to build first), numbers as numeric
  cells, dates with a ``yyyy-mm-dd`` (``yyyy-mm-dd hh:mm:ss``) number format. Neither openpyxl
  nor XlsxWriter can send a byte before the whole sheet is written (docs/decisions.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from kbridge.engine import tabular

__all__ = ["CSV_CONTENT_TYPE", "JSON_CONTENT_TYPE", "XLSX_CONTENT_TYPE", "csv_response",
           "json_response", "xlsx_chunks", "xlsx_response", "xlsx_workbook_chunks"]

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Integers beyond this lose digits as Excel numbers (15 significant digits): written as text.
_EXACT_IN_EXCEL = 10**15
#: Rows gathered into one chunk of the sheet before it is handed to the zip stream.
_ROWS_PER_CHUNK = 200

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES_HEAD = (
    _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>')
_SHEET_CONTENT_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = (
    _XML + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
# Style 0: general; 1: a date; 2: a date and time (custom formats 164 and 165).
_STYLES = (
    _XML + f'<styleSheet xmlns="{_MAIN}"><numFmts count="2">'
    '<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="3">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    '</cellStyles></styleSheet>')
_ESCAPED_CHAR = re.compile("_x[0-9a-fA-F]{4}_")
_EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 0, Excel's 1900 leap-year bug included


def csv_response(rows: Iterable[Sequence[object]], *, filename: str) -> StreamingHttpResponse:
    """A streamed CSV download of ``rows`` (header first if the caller wants one): UTF-8 with
    a byte-order mark, CRLF, text neutralised and quoted, numbers unquoted.

    ``filename`` is the download's name including ``.csv``.
    """
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in tabular.csv_lines(rows)),
        content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def json_response(data: object, *, filename: str) -> HttpResponse:
    """A JSON download of ``data`` (UTF-8, Korean kept readable, indented, keys in the order
    given). Not a spreadsheet, so no formula neutralisation: nothing opens JSON as formulas.
    Private and never cached: downloads of this kind hold one person's data."""
    body = json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder)
    response = HttpResponse(body.encode("utf-8"), content_type=JSON_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _column_letters(index: int) -> str:
    """``0`` → ``A``, ``25`` → ``Z``, ``26`` → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _serial(value: date | datetime) -> str:
    """``value`` as an Excel serial day number (days since 1899-12-30, fraction = time)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    delta = value - _EXCEL_EPOCH
    return repr(delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400)


def _text(value: str) -> str:
    # SpreadsheetML reads "_xHHHH_" in text as an escaped character: escape its underscore.
    if "_x" in value:
        value = _ESCAPED_CHAR.sub(r"_x005F\g<0>", value)
    return escape(value)


def _xlsx_cell(ref: str, value: object) -> str:
    value = tabular.cell(value)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, int | Decimal):
        if abs(value) < _EXACT_IN_EXCEL:
            return f'<c r="{ref}"><v>{value}</v></c>'
        value = str(value)
    elif isinstance(value, datetime):
        return f'<c r="{ref}" s="2"><v>{_serial(value)}</v></c>'
    elif isinstance(value, date):
        return f'<c r="{ref}" s="1"><v>{_serial(value)}</v></c>'
    if value == "":
        return ""
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>'


def _sheet_xml(rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    yield (_XML + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetData>').encode()
    letters: list[str] = []
    chunk: list[str] = []
    for number, row in enumerate(rows, start=1):
        while len(letters) < len(row):
            letters.append(_column_letters(len(letters)))
        chunk.append(f'<row r="{number}">')
        chunk.extend(_xlsx_cell(f"{letters[i]}{number}", v) for i, v in enumerate(row))
        chunk.append("</row>")
        if number % _ROWS_PER_CHUNK == 0:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    chunk.append("</sheetData></worksheet>")
    yield "".join(chunk).encode("utf-8")


def xlsx_chunks(rows: Iterable[Sequence[object]], *, sheet_title: str) -> Iterator[bytes]:
    """The bytes of an XLSX workbook whose one sheet, named ``sheet_title`` (at most 31
    characters, none of ``[]:*?/\\``), holds ``rows``; lazy: ``rows`` is read as the bytes are
    taken. Text cells are neutralised (never formulas); integers beyond 15 digits, which Excel
    would round, are written as text. Raises ``stream_zip.ZipOverflowError`` past 4 GiB."""
    return xlsx_workbook_chunks([(sheet_title, rows)])


def xlsx_workbook_chunks(
        sheets: Sequence[tuple[str, Iterable[Sequence[object]]]]) -> Iterator[bytes]:
    """The bytes of an XLSX workbook of several sheets, ``[(title, rows), …]`` in order (each
    as in :func:`xlsx_chunks`; titles distinct). Each sheet's rows are read only when the
    sheets before it are written, so a caller may pass generators that query lazily."""
    from stream_zip import ZIP_32, stream_zip

    numbers = range(1, len(sheets) + 1)
    workbook = (
        _XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        + "".join(f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
                  for n, (title, _rows) in zip(numbers, sheets, strict=True))
        + "</sheets></workbook>")
    workbook_rels = (
        _XML + f'<Relationships xmlns="{_PKG_REL}">'
        + "".join(f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" '
                  f'Target="worksheets/sheet{n}.xml"/>' for n in numbers)
        + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>")
    content_types = (_CONTENT_TYPES_HEAD
                     + "".join(_SHEET_CONTENT_TYPE.format(n=n) for n in numbers) + "</Types>")
    now = timezone.localtime().replace(tzinfo=None)
    parts = [("[Content_Types].xml", content_types), ("_rels/.rels", _ROOT_RELS),
             ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", workbook_rels),
             ("xl/styles.xml", _STYLES)]
    members = [(name, now, 0o600, ZIP_32, (text.encode("utf-8"),)) for name, text in parts]
    members.extend((f"xl/worksheets/sheet{n}.xml", now, 0o600, ZIP_32, _sheet_xml(rows))
                   for n, (_title, rows) in zip(numbers, sheets, strict=True))
    return stream_zip(members)


def xlsx_response(rows: Iterable[Sequence[object]] | None = None, *, filename: str,
                  sheet_title: str = "",
                  sheets: Sequence[tuple[str, Iterable[Sequence[object]]]] | None = None,
                  ) -> StreamingHttpResponse:
    """A streamed XLSX download of ``rows`` in one sheet named ``sheet_title`` (see
    :func:`xlsx_chunks`), or of several ``sheets`` (see :func:`xlsx_workbook_chunks`).
    ``filename`` includes ``.xlsx``."""
    chunks = (xlsx_workbook_chunks(sheets) if sheets is not None
              else xlsx_chunks(rows or (), sheet_title=sheet_title))
    response = StreamingHttpResponse(chunks, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
