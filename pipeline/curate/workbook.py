"""The period as an Excel workbook, and reading an edited one back (openpyxl).

Writing (``vric export xlsx``): the rows and columns of the CSV export
(:data:`~pipeline.curate.export.COLUMN_SPECS`), reordered so that ``title``
and ``outlet`` come first and what an analyst edits follows; ``id`` and
``version`` are kept, narrow. An "all" sheet, then one sheet per section of
rules.yaml, each with a frozen header row, an auto-filter, a drop-down for
``status`` and ``section``, linked URLs, and state-media rows shaded (one
conditional format on ``state_media`` per sheet). Every text is written as
a string cell, so a title like ``=HYPERLINK(...)`` is shown as that text
and never evaluated; the CSV's ``'`` prefix is not needed here. The
workbook is streamed (openpyxl's write-only mode) and renamed into place.

Reading (``vric import decisions FILE.xlsx``): every sheet whose first row has
an ``id`` column is a table of decisions; other sheets (a blank one an
analyst added, notes) are ignored. Cells come back as the text the CSV would
hold (``1234.0`` → ``1234``), so the same rules apply.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.curate.csvsafe import EXCEL_CELL_LIMIT, TRUNCATION_MARKER, Table, clean_name
from pipeline.curate.export import (
    COLUMNS,
    MAX_DATA_ROWS,
    ExportResult,
    export_row,
    output_error,
    period_rows,
    row_values,
)
from pipeline.curate.filters import ExportFilter, FilterCounter
from pipeline.curate.views import OutletCache
from pipeline.outputs import atomic_file
from pipeline.store import ArticleView

ALL_SHEET = "all"
FIRST = ("title", "outlet", "status", "section", "note")
SHEET_COLUMNS = FIRST + tuple(c for c in COLUMNS if c not in FIRST)
WIDTHS = {"title": 60, "outlet": 18, "status": 11, "section": 18, "note": 30, "url": 40,
          "why": 40, "outlet_name": 22, "published": 16, "id": 7, "version": 6}  # fmt: skip
DEFAULT_WIDTH = 13
STATUSES = ("candidate", "included", "excluded")
MAX_LIST_FORMULA = 255  # Excel's limit for an inline drop-down list
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_HEADER_FONT = Font(bold=True)
_LINK_FONT = Font(color="0563C1", underline="single")
_STATE_FILL = PatternFill("solid", fgColor="FCE4D6")  # state media: a light orange
_LAST_ROW = 1_048_576
_SCHEMES = ("http://", "https://")  # only web links become hyperlinks


def sheet_title(section: str) -> str:
    """A section's sheet name: Excel forbids ``[]:*?/\\`` and allows 31 characters."""
    title = _BAD_SHEET_CHARS.sub("_", section)[:31]
    return f"{title[:25]} (sec)" if title == ALL_SHEET else title


def _text(value: str) -> str:
    """A string as a cell can hold it: no XML-illegal control characters, capped."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER
    return text


class _Sheet:
    """One write-only sheet: header, widths, drop-downs, then rows as they come."""

    def __init__(self, wb: Any, title: str, sections: Sequence[str]) -> None:
        self.ws = wb.create_sheet(title)
        self.rows = 0
        for i, name in enumerate(SHEET_COLUMNS, start=1):
            width = WIDTHS.get(name, DEFAULT_WIDTH)
            self.ws.column_dimensions[get_column_letter(i)].width = width
        self.ws.freeze_panes = "A2"
        self._drop_down("status", STATUSES, allow_blank=False)
        self._drop_down("section", sections, allow_blank=True)  # empty = automatic
        self._shade_state_media()
        self.url_index = SHEET_COLUMNS.index("url")
        self.ws.append([self._cell(name, font=_HEADER_FONT) for name in SHEET_COLUMNS])

    def _shade_state_media(self) -> None:
        """One conditional format for the sheet, not a fill per cell: as fast to
        write as no shading, and it follows a row the analyst sorts or edits."""
        flag = get_column_letter(SHEET_COLUMNS.index("state_media") + 1)
        last = get_column_letter(len(SHEET_COLUMNS))
        rule = FormulaRule(formula=[f'${flag}2="yes"'], fill=_STATE_FILL)
        self.ws.conditional_formatting.add(f"A2:{last}{_LAST_ROW}", rule)

    def _drop_down(self, column: str, values: Sequence[str], *, allow_blank: bool) -> None:
        formula = '"' + ",".join(values) + '"'
        if len(formula) > MAX_LIST_FORMULA:  # too many sections to list inline: no drop-down
            return
        letter = get_column_letter(SHEET_COLUMNS.index(column) + 1)
        dv = DataValidation(type="list", formula1=formula, allow_blank=allow_blank,
                            showErrorMessage=True, errorTitle=f"Not a {column}",
                            error=f"{column} must be one of: {', '.join(values)}")  # fmt: skip
        dv.add(f"{letter}2:{letter}{_LAST_ROW}")
        self.ws.data_validations.append(dv)

    def _cell(self, value: Any, *, font: Font | None = None) -> Any:
        """A value as openpyxl takes it; a cell object only where one is needed
        (styled, or a string openpyxl would otherwise take for a formula or an
        error code): plain values cost a fraction of styled cells."""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if not isinstance(value, str):
            return value
        text = _text(value)
        if font is None and not text.startswith("=") and text not in ERROR_CODES:
            return text
        c = WriteOnlyCell(self.ws, value=text)
        c.data_type = "s"  # a string, even when it looks like =formula or #N/A
        if font is not None:
            c.font = font
        return c

    def append(self, values: dict[str, Any]) -> None:
        cells = [self._cell(values[name]) for name in SHEET_COLUMNS]
        url = values["url"]
        if isinstance(url, str) and url.startswith(_SCHEMES):
            link = self._cell(url, font=_LINK_FONT)
            link.hyperlink = url
            cells[self.url_index] = link
        self.ws.append(cells)
        self.rows += 1

    def finish(self) -> None:
        last = get_column_letter(len(SHEET_COLUMNS))
        self.ws.auto_filter.ref = f"A1:{last}{self.rows + 1}"


class _Sheets:
    """The sheets by key ("all", each section); a sheet that reaches Excel's row
    limit continues in ``NAME (2)``, ``NAME (3)``... (the import reads them all)."""

    def __init__(self, wb: Any, sections: Sequence[str], max_rows: int) -> None:
        self.wb, self.sections, self.max_rows = wb, sections, max_rows
        titles = {ALL_SHEET: ALL_SHEET, **{s: sheet_title(s) for s in sections}}
        self.titles = titles
        self.open = {key: _Sheet(wb, title, sections) for key, title in titles.items()}
        self.done: list[_Sheet] = []
        self.parts = dict.fromkeys(titles, 1)

    def append(self, key: str, values: dict[str, Any]) -> None:
        sheet = self.open[key]
        if sheet.rows >= self.max_rows:
            self.done.append(sheet)
            self.parts[key] += 1
            title = f"{self.titles[key][:25]} ({self.parts[key]})"
            sheet = self.open[key] = _Sheet(self.wb, title, self.sections)
        sheet.append(values)

    def finish(self) -> None:
        for sheet in (*self.done, *self.open.values()):
            sheet.finish()


def write_workbook(
    rows: Iterable[tuple[ArticleView, Sequence[str]]],
    path: Path,
    *,
    sections: Sequence[str],
    registry: Any = None,
    flt: ExportFilter | None = None,
    max_rows: int = MAX_DATA_ROWS,
) -> ExportResult:
    """Stream collapsed rows into the workbook; atomically (temp file, rename)."""
    counter = FilterCounter(flt or ExportFilter())
    outlets = OutletCache(registry)
    wb = Workbook(write_only=True)
    sheets = _Sheets(wb, sections, max_rows)
    written = 0
    for head, also in rows:
        if not counter.accepts(head):
            continue
        row = export_row(head, also, outlets)
        values = dict(zip(COLUMNS, row_values(row), strict=True))
        sheets.append(ALL_SHEET, values)
        if row.section is not None and row.section in sections:
            sheets.append(row.section, values)
        written += 1
    sheets.finish()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as fh:
            wb.save(fh)
    except OSError as exc:
        raise output_error(exc, f"export: cannot write {path}") from exc
    return ExportResult(written, (path,), counter.counts())


def export_workbook(
    store: Any,
    period: str,
    path: Path,
    *,
    sections: Sequence[str],
    relevant_only: bool = True,
    registry: Any = None,
    flt: ExportFilter | None = None,
) -> ExportResult:
    """The period's articles, clusters collapsed, as a workbook at ``path``."""
    rows = period_rows(store, period, relevant_only=relevant_only)
    return write_workbook(rows, path, sections=sections, registry=registry, flt=flt)


# ---------------------------------------------------------------- reading


def _cell_text(value: Any) -> str:
    """A cell as the CSV would hold it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _table(ws: Any) -> Table | None:
    rows = ws.iter_rows(values_only=True)
    first = next(rows, None)
    header = tuple(clean_name(_cell_text(v)) for v in first or ())
    if "id" not in header:
        return None
    records = []
    for number, values in enumerate(rows, start=2):
        cells = [_cell_text(v) for v in values]
        if any(c.strip() for c in cells):
            by_name = {h: cells[i] if i < len(cells) else "" for i, h in enumerate(header)}
            records.append((number, by_name))
    return Table(header, tuple(records), "xlsx", "", sheet=ws.title)


def read_workbook(data: bytes) -> tuple[list[Table], str | None]:
    """The decision tables of a workbook, or why it cannot be read."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        return [], f"not a readable Excel workbook ({exc})"
    try:
        tables = [t for ws in wb.worksheets if (t := _table(ws)) is not None]
    finally:
        wb.close()
    if not tables:
        return [], "no sheet has an id column in its first row (write one with `vric export xlsx`)"
    return tables, None
