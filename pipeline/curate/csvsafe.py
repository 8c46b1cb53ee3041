"""Cells that open safely in Excel, and reading back what Excel saved (pure).

Writing. OWASP / ASVS V1.2.10: a cell whose first character is ``=``, ``+``,
``-``, ``@``, tab, CR or NUL is evaluated as a formula even when quoted, so
text that came from outside gets a leading ``'``. We also look through leading
spaces and newlines (`` =1+1``, ``\\n=1+1``), which some spreadsheet versions
trim before evaluating. Our own typed columns (ids, counts, scores, dates) are
never prefixed, so a negative score stays a number (RELIABILITY 136).

Reading. Excel re-saves a file in the separator of the user's locale (``;`` in
much of Europe and Latin America), with a BOM or in Windows-1252, and with
CRLF line ends; :func:`read_table` accepts all of that.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")
_LEADING_SPACE = " \t\r\n"
EXCEL_CELL_LIMIT = 32_767
EXCEL_MAX_ROWS = 1_048_576  # including the header row
TRUNCATION_MARKER = " …[truncated]"
DELIMITERS = (",", ";", "\t")


def _is_trigger_led(text: str) -> bool:
    return text.startswith(TRIGGERS) or text.lstrip(_LEADING_SPACE).startswith(TRIGGERS)


def neutralise(value: str) -> str:
    """Make an untrusted text cell inert; remove NUL; cap at Excel's limit."""
    text = value.replace("\x00", "")
    if _needs_prefix(text):
        text = "'" + text
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER
    return text


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise`'s ``'`` prefix (for cells read back from a file)."""
    if value.startswith("'") and _needs_prefix(value[1:]):
        return value[1:]
    return value


def _needs_prefix(text: str) -> bool:
    """Trigger-led, or apostrophes before a trigger: ``'=x`` is prefixed too, so
    that reading back strips exactly the one apostrophe we added."""
    return _is_trigger_led(text.lstrip("'")) if text.startswith("'") else _is_trigger_led(text)


def cell(value: Any, *, trusted: bool = False) -> str:
    """One CSV cell: typed values as they are, untrusted text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(round(value, 3))
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return text if trusted else neutralise(text)


class ExcelWriter:
    """RFC 4180 CSV, UTF-8 with a BOM and CRLF by default (``plain`` for neither)."""

    def __init__(self, fh: IO[str], header: Sequence[str], *, plain: bool = False) -> None:
        self.fh = fh
        if not plain:
            fh.write("\ufeff")
        self.writer = csv.writer(
            fh, lineterminator="\n" if plain else "\r\n", quoting=csv.QUOTE_MINIMAL
        )
        self.writer.writerow(header)
        self.rows = 0

    def write(self, cells: Iterable[str]) -> None:
        self.writer.writerow(list(cells))
        self.rows += 1


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, plain: bool = False
) -> bytes:
    """A whole (small) CSV in memory, e.g. one file of a bundle."""
    buf = io.StringIO(newline="")
    writer = ExcelWriter(buf, header, plain=plain)
    for row in rows:
        writer.write(row)
    return buf.getvalue().encode("utf-8")


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Table:
    """A CSV (or one sheet of a workbook) read back: lower-cased header, rows as
    dicts, and how it was read.

    ``rows`` pairs each record with its row number as a spreadsheet shows it
    (the header is row 1), so problems can point at the row to fix.
    """

    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]
    encoding: str
    delimiter: str
    sheet: str | None = None  # the workbook sheet; None for a CSV


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-16 or UTF-8 (BOM or not), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        # Excel's "CSV (Comma delimited)" saves in the ANSI code page.
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(text: str, expected: Sequence[str] = ("id",)) -> str:
    """The separator whose split of the first record yields the expected columns."""
    best, best_score = ",", -1
    for delim in DELIMITERS:
        first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delim), [])
        names = {clean_name(c) for c in first}
        score = 100 * sum(e in names for e in expected) + len(first)
        if score > best_score:
            best, best_score = delim, score
    return best


def clean_name(name: str) -> str:
    """A header cell as the import matches it: ``" 'Status "`` → ``status``."""
    return unneutralise(name.strip()).strip().strip("'").strip().lower()


def read_table(data: bytes, expected: Sequence[str] = ("id",)) -> Table:
    """Read a CSV written by us or re-saved by a spreadsheet; blank rows skipped."""
    text, encoding = decode(data)
    delim = sniff_delimiter(text, expected)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    header = tuple(clean_name(c) for c in next(reader, []))
    rows = []
    for number, record in enumerate(reader, start=2):
        if not any(c.strip() for c in record):
            continue
        rows.append(
            (number, {h: (record[i] if i < len(record) else "") for i, h in enumerate(header)})
        )
    return Table(header, tuple(rows), encoding, delim)
