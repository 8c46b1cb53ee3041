"""Reading a decisions file (pure): bytes in, cleaned rows and problems out.

The file is a CSV (what ``vric export csv`` wrote, re-saved by a
spreadsheet) or a workbook (``vric export xlsx``); which one is decided by
the name and checked against the content, so a workbook named ``.csv`` or a
CSV named ``.xlsx`` is refused with a message saying what the file is.

Columns are found by name, in any order and case. Only ``id`` and at least
one of ``status``, ``section`` and ``note`` are needed: a column that is
absent leaves that field as it is. ``period`` and ``version`` are checked
when present. Everything else is ignored.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from pipeline.curate.csvsafe import Table, read_table, unneutralise
from pipeline.periods import MONTHS

STATUSES = ("candidate", "included", "excluded")
DECISION_COLUMNS = ("status", "section", "note")
KNOWN_COLUMNS = ("id", *DECISION_COLUMNS, "period", "version")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")

_YM = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[ T].*)?$")
_MY = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?: .*)?$")
_NAMED = re.compile(r"^([^\W\d_]+)\.?[-\s/.]+(\d{2}|\d{4})$")
_INTEGER = re.compile(r"^\d+(?:\.0+)?$")  # a spreadsheet may give 1234 back as 1234.0


@dataclass(frozen=True)
class DecisionRow:
    """One file row, cleaned of what a spreadsheet adds (quotes, spaces, ``'``).

    ``given``: the decision columns the row's table has; a field not given is
    left as it is stored (``status`` None then). ``version`` None: no version
    column, so no conflict check.
    """

    where: str  # "candidatos.csv: row 7" or "candidatos.xlsx: sheet 'all', row 7"
    place: str  # the same without the file name: "row 7", "sheet 'all', row 7"
    sheet: str | None
    row: int
    article_id: int
    status: str | None
    section: str | None  # None: automatic (when given)
    note: str | None
    period: str | None
    version: int | None
    given: frozenset[str]

    @property
    def label(self) -> str:
        return f"{self.where} (id {self.article_id})"


@dataclass(frozen=True, order=True)
class Problem:
    """One reason to refuse a file: sorted by sheet then row (0 = the file itself)."""

    sheet: str
    row: int
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ParsedFile:
    rows: tuple[DecisionRow, ...]
    problems: tuple[Problem, ...]
    warnings: tuple[str, ...] = ()
    versioned: bool = False  # every table has a version column: conflicts are detected
    workbook: bool = False


def _month_number(word: str) -> int | None:
    word = word.lower()[:3]
    for names in MONTHS.values():
        for i, name in enumerate(names.split(), start=1):
            if name[:3].lower() == word:
                return i
    return None


def normalise_period(value: str) -> str | None:
    """``2021-08`` and what a spreadsheet makes of it (``2021-08-01``, ``Aug-21``,
    ``8/1/2021``, ``01/08/2021``, ``ago-21``) → ``2021-08``; None if not understood."""
    text = value.strip()
    if m := _YM.match(text):
        year, month = int(m[1]), int(m[2])
    elif m := _MY.match(text):
        year, month = int(m[2]), int(m[1])
    elif m := _DMY.match(text):  # the first of the month: whichever part is not 1
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        month = b if a == 1 else a
    elif (m := _NAMED.match(text)) and (named := _month_number(m[1])):
        year = int(m[2]) + (2000 if len(m[2]) == 2 else 0)
        month = named
    else:
        return None
    return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None


# ---------------------------------------------------------------- what the file is


_MAGIC = ((b"\xd0\xcf\x11\xe0", "xls"), (b"%PDF", "pdf"),
          (b"\xff\xfe", "text"), (b"\xfe\xff", "text"))  # UTF-16 text ("Unicode text")  # fmt: skip


def file_kind(data: bytes) -> str:
    """``xlsx``, ``xls``, ``ods``, ``zip``, ``pdf``, ``binary`` or ``text``, from the bytes."""
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return "binary" if b"\x00" in data[:4096] else "text"


def _zip_kind(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return "zip"
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return "xlsx"
    return "ods" if b"opendocument.spreadsheet" in data[:200] else "zip"


_KIND_TEXT = {
    "xlsx": "an Excel workbook (.xlsx)",
    "xls": "an Excel 97-2003 workbook (.xls); save it as .xlsx or as 'CSV UTF-8'",
    "ods": "an OpenDocument spreadsheet (.ods); save it as .xlsx or as 'CSV UTF-8'",
    "zip": "a zip archive, not a spreadsheet",
    "pdf": "a PDF document, not a spreadsheet",
    "binary": "a binary file, not a spreadsheet",
    "text": "a CSV (text) file",
}


def format_problem(name: str, kind: str) -> str | None:
    """Why the file cannot be read as its name says, or None when it can."""
    path = PurePath(name)
    wants_workbook = path.suffix.lower() in WORKBOOK_SUFFIXES
    if kind == ("xlsx" if wants_workbook else "text"):
        return None
    what = _KIND_TEXT[kind]
    if kind == "xlsx":
        return (f"{name} is {what}, not a CSV: rename it to {path.stem}.xlsx "
                "(vric reads both), or save it from the spreadsheet as 'CSV UTF-8'")  # fmt: skip
    if kind == "text" and wants_workbook:
        return (f"{name} is {what}, not an Excel workbook: rename it to {path.stem}.csv, "
                "or open it and save it as an Excel workbook")  # fmt: skip
    return f"{name} is {what}"


# ---------------------------------------------------------------- rows


def _clean(value: str | None) -> str:
    """A code-like cell: no spreadsheet ``'`` prefix, no surrounding spaces."""
    text = (value or "").strip()
    return text[1:].strip() if text.startswith("'") else text


def _clean_note(value: str | None) -> str | None:
    text = unneutralise((value or "").strip()).strip()
    return text or None


def _int_cell(value: str) -> int | None:
    return int(float(value)) if _INTEGER.match(value) else None


class _BadCell(ValueError):
    """One cell's problem; the text is the message."""


class _RowReader:
    """Parses the rows of one table; collects problems with their place."""

    def __init__(self, table: Table, source: str, sections: Sequence[str]) -> None:
        self.table, self.source, self.sections = table, source, sections
        self.sheet = "" if table.sheet is None else f"sheet {table.sheet!r}, "
        self.given = frozenset(c for c in DECISION_COLUMNS if c in table.header)
        self.problems: list[Problem] = []

    def parse(self, number: int, cells: Mapping[str, str]) -> DecisionRow | None:
        short = f"{self.sheet}row {number}"
        place = f"{self.source}: {short}"
        id_cell = _clean(cells.get("id"))
        article_id = _int_cell(id_cell)
        if article_id is None:
            self._problem(number, f"{place}: id {id_cell!r} is not an article id")
            return None
        try:
            return DecisionRow(
                place, short, self.table.sheet, number, article_id, self._status(cells),
                self._section(cells), _clean_note(cells.get("note")), self._period(cells),
                self._version(cells), self.given,
            )  # fmt: skip
        except _BadCell as exc:
            self._problem(number, f"{place} (id {article_id}): {exc}")
            return None

    def _problem(self, row: int, text: str) -> None:
        self.problems.append(Problem(self.table.sheet or "", row, text))

    def _status(self, cells: Mapping[str, str]) -> str | None:
        if "status" not in self.given:
            return None
        status = _clean(cells.get("status")).lower()
        if status not in STATUSES:
            raise _BadCell(f"status {status!r} must be one of {', '.join(STATUSES)}")
        return status

    def _section(self, cells: Mapping[str, str]) -> str | None:
        section = _clean(cells.get("section")).lower() or None
        if section is not None and section not in self.sections:
            choices = ", ".join(self.sections)
            raise _BadCell(f"section {section!r} must be empty or one of {choices}")
        return section

    @staticmethod
    def _period(cells: Mapping[str, str]) -> str | None:
        raw = _clean(cells.get("period"))
        period = normalise_period(raw) if raw else None
        if raw and period is None:
            raise _BadCell(f"period {raw!r} is not a period like 2021-08")
        return period

    def _version(self, cells: Mapping[str, str]) -> int | None:
        if "version" not in self.table.header:
            return None
        raw = _clean(cells.get("version"))
        version = _int_cell(raw)
        if version is None:
            raise _BadCell(
                f"version {raw!r} is not a decision version: put back the exported value, "
                "or delete the whole column to import without conflict checks"
            )
        return version


def _header_problems(table: Table, head: str) -> list[str]:
    twice = sorted(c for c, n in Counter(table.header).items() if n > 1 and c in KNOWN_COLUMNS)
    problems = [f"{head}: column {c!r} appears more than once" for c in twice]
    if "id" not in table.header:
        problems.append(f"{head}: no id column (import a file written by `vric export csv`)")
    elif not any(c in table.header for c in DECISION_COLUMNS):
        problems.append(f"{head}: no status, section or note column: nothing to import")
    return problems


def parse_tables(
    tables: Sequence[Table], *, source: str, sections: Sequence[str], workbook: bool = False
) -> ParsedFile:
    """Rows of the tables of one file; problems name the file, sheet, row and id.

    ``sections``: the valid section names
    (:func:`pipeline.config.rules_schema.section_names` of the loaded rules).
    """
    rows: list[DecisionRow] = []
    problems: list[Problem] = []
    for table in tables:
        head = source if table.sheet is None else f"{source}: sheet {table.sheet!r}"
        header = _header_problems(table, head)
        if header:
            problems += [Problem(table.sheet or "", 0, text) for text in header]
            continue
        reader = _RowReader(table, source, sections)
        rows += [r for n, cells in table.rows if (r := reader.parse(n, cells)) is not None]
        problems += reader.problems
    versioned = bool(tables) and all("version" in t.header for t in tables)
    warnings = [f"{source}: not UTF-8; read as Windows-1252 (save as 'CSV UTF-8' next time)"
                for t in tables if t.encoding == "cp1252"]  # fmt: skip
    if tables and not versioned:
        warnings.append(f"{source}: no version column (an export older than version columns, "
                        "or the column was deleted): conflicts with decisions made since the "
                        "export cannot be detected")  # fmt: skip
    return ParsedFile(tuple(rows), tuple(problems), tuple(warnings), versioned, workbook)


def parse_decisions(data: bytes, *, source: str, sections: Sequence[str]) -> ParsedFile:
    """Read a decisions file, CSV or workbook by its name (checked against its bytes)."""
    refused = format_problem(source, file_kind(data))
    if refused is not None:
        return ParsedFile((), (Problem("", 0, refused),))
    if PurePath(source).suffix.lower() in WORKBOOK_SUFFIXES:
        from pipeline.curate.workbook import read_workbook  # openpyxl only for workbooks

        tables, problem = read_workbook(data)
        if problem is not None:
            return ParsedFile((), (Problem("", 0, f"{source}: {problem}"),))
        return parse_tables(tables, source=source, sections=sections, workbook=True)
    try:
        table = read_table(data, expected=KNOWN_COLUMNS)
    except Exception as exc:  # csv.Error and friends: the file is not CSV at all
        return ParsedFile((), (Problem("", 0, f"{source}: not a readable CSV file ({exc})"),))
    return parse_tables([table], source=source, sections=sections)
