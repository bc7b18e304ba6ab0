"""CSV and XLSX downloads: the web side of the one export module (docs/decisions.md, "Exports").

Every cell goes through :func:`kbridge.engine.tabular.cell` (formula neutralisation, characters
a workbook cannot hold, numbers kept numeric); this module only turns rows into HTTP responses.

* :func:`csv_response` streams: the first line leaves as soon as the first row is read, and the
  rows are pulled one at a time from the caller's iterator (pass a queryset's ``.iterator()``).
* :func:`xlsx_response` writes the rows with openpyxl's write-only mode (constant memory) into a
  temporary file and streams that file. An XLSX file is a zip whose sheet must be complete
  before the archive can be closed, so its first byte leaves once every row is written.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from kbridge.engine import tabular

__all__ = ["CSV_CONTENT_TYPE", "XLSX_CONTENT_TYPE", "csv_response", "xlsx_cells",
           "xlsx_response"]

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Integers beyond this lose digits as Excel numbers (15 significant digits): written as text.
_EXACT_IN_EXCEL = 10**15


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


def xlsx_cells(sheet, row: Sequence[object]) -> list:
    """``row`` as openpyxl write-only cells of ``sheet``: text always a string cell (never a
    formula), numbers numeric unless too large for Excel to keep every digit."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in row:
        value = tabular.cell(value)
        if isinstance(value, int | Decimal) and not isinstance(value, bool) \
                and abs(value) >= _EXACT_IN_EXCEL:
            value = str(value)
        item = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            item.data_type = "s"  # openpyxl reads a leading "=" as a formula; never here
        cells.append(item)
    return cells


def xlsx_response(rows: Iterable[Sequence[object]], *, filename: str,
                  sheet_title: str) -> FileResponse:
    """An XLSX download of ``rows`` on one sheet named ``sheet_title`` (at most 31 characters,
    none of ``[]:*?/\\``). ``filename`` includes ``.xlsx``."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    for row in rows:
        sheet.append(xlsx_cells(sheet, row))
    out = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it when sent
    try:
        workbook.save(out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename,
                        content_type=XLSX_CONTENT_TYPE)
