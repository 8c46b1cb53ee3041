"""Analyst decisions imported from an exported CSV edited in a spreadsheet.

The analyst changes ``status`` (candidate / included / excluded), ``section``
and ``note``; rows are matched by ``id``. :func:`parse_decisions` and
:func:`plan_decisions` are pure: bytes and the articles' current state in,
decision rows or problems out. :func:`import_decisions` is the edge: it plans
and appends inside one store transaction, so a file with any bad row changes
nothing, and a row equal to the current decision adds nothing (importing the
same file twice is a no-op). Decisions are appended, never updated: the table
is the audit trail, the latest decision wins.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipeline.curate.csvsafe import read_table, unneutralise
from pipeline.errors import ImportRowsError
from pipeline.periods import MONTHS

if TYPE_CHECKING:  # the pure part must not pull in the store (and SQLAlchemy)
    from pipeline.store.curation import ArticleState

logger = logging.getLogger(__name__)

STATUSES = ("candidate", "included", "excluded")
REQUIRED_COLUMNS = ("id", "status")
MAX_ANALYST = 100
MAX_PROBLEMS = 200  # a file of 10,000 bad rows should not print 10,000 lines

_YM = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[ T].*)?$")
_MY = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?: .*)?$")
_NAMED = re.compile(r"^([^\W\d_]+)\.?[-\s/.]+(\d{2}|\d{4})$")


@dataclass(frozen=True)
class DecisionRow:
    """One file row, cleaned of what a spreadsheet adds (quotes, spaces, ``'``)."""

    row: int
    article_id: int
    status: str
    section: str | None
    note: str | None
    period: str | None  # None: the file has no period (or an empty cell)


@dataclass(frozen=True, order=True)
class Problem:
    """One reason to refuse a file, at a spreadsheet row (1 = the header)."""

    row: int
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ParsedFile:
    rows: tuple[DecisionRow, ...]
    problems: tuple[Problem, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportReport:
    rows: int
    changed: int
    unchanged: int
    by_status: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    warnings: tuple[str, ...] = ()


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


def _clean(value: str | None) -> str:
    """A code-like cell: no spreadsheet ``'`` prefix, no surrounding spaces."""
    text = (value or "").strip()
    return text[1:].strip() if text.startswith("'") else text


def _clean_note(value: str | None) -> str | None:
    text = unneutralise((value or "").strip()).strip()
    return text or None


def _parse_row(
    number: int, cells: Mapping[str, str], where: str, sections: Sequence[str]
) -> DecisionRow | Problem:
    raw_id = _clean(cells.get("id"))
    if not raw_id.isdigit():
        return Problem(number, f"{where}: row {number}: id {raw_id!r} is not an article id")
    prefix = f"{where}: row {number} (id {int(raw_id)})"
    status = _clean(cells.get("status")).lower()
    if status not in STATUSES:
        return Problem(number, f"{prefix}: status {status!r} must be one of {', '.join(STATUSES)}")
    section = _clean(cells.get("section")).lower() or None
    if section is not None and section not in sections:
        return Problem(
            number, f"{prefix}: section {section!r} must be empty or one of {', '.join(sections)}"
        )
    raw_period = _clean(cells.get("period"))
    period = normalise_period(raw_period) if raw_period else None
    if raw_period and period is None:
        return Problem(number, f"{prefix}: period {raw_period!r} is not a period like 2021-08")
    return DecisionRow(number, int(raw_id), status, section, _clean_note(cells.get("note")), period)


def parse_decisions(
    data: bytes, *, sections: Sequence[str], source: str = "decisions file"
) -> ParsedFile:
    """Rows of an edited export; problems name the file, the row and the id.

    ``sections``: the valid section names, in order
    (:func:`pipeline.config.rules_schema.section_names` of the loaded rules).
    """
    try:
        table = read_table(data, expected=REQUIRED_COLUMNS)
    except Exception as exc:  # csv.Error and friends: the file is not CSV at all
        return ParsedFile((), (Problem(0, f"{source}: not a readable CSV file ({exc})"),))
    missing = [c for c in REQUIRED_COLUMNS if c not in table.header]
    if missing:
        text = (f"{source}: missing column(s) {', '.join(missing)} "
                "(import a file written by `vric export csv`)")  # fmt: skip
        return ParsedFile((), (Problem(1, text),))
    rows: list[DecisionRow] = []
    problems: list[Problem] = []
    for number, cells in table.rows:
        parsed = _parse_row(number, cells, source, sections)
        if isinstance(parsed, Problem):
            problems.append(parsed)
        else:
            rows.append(parsed)
    warnings = []
    if table.encoding == "cp1252":
        warnings.append(
            f"{source}: not UTF-8; read as Windows-1252 (save as 'CSV UTF-8' next time)"
        )
    if "period" not in table.header:
        warnings.append(f"{source}: no period column; rows are not checked against periods")
    return ParsedFile(tuple(rows), tuple(problems), tuple(warnings))


def _current(state: ArticleState) -> tuple[str, str | None, str | None]:
    """The effective (status, section, note) an analyst saw in the export."""
    d = state.decision
    if d is None:
        return "candidate", state.section, None
    return d.status, d.section or state.section, (d.note or "").strip() or None


def _wanted(row: DecisionRow, state: ArticleState) -> tuple[str, str | None, str | None]:
    return row.status, row.section or state.section, row.note


def _row_problem(row: DecisionRow, state: ArticleState | None, where: str) -> Problem | None:
    prefix = f"{where}: row {row.row} (id {row.article_id})"
    if state is None:
        return Problem(row.row, f"{prefix}: no such article in the database")
    if row.period is not None and row.period != state.period:
        text = (f"period changed to {row.period}, but the article is in {state.period}; "
                "rows cannot move between periods")  # fmt: skip
        return Problem(row.row, f"{prefix}: {text}")
    return None


def plan_decisions(
    rows: Sequence[DecisionRow],
    states: Mapping[int, ArticleState],
    *,
    analyst: str,
    now: datetime,
    source: str,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The decision rows to append and the problems (pure).

    Only a row whose effective status, section or note differs from the
    article's current decision becomes a decision; an id twice with different
    values is a problem.
    """
    changes: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: dict[int, DecisionRow] = {}
    for row in rows:
        state = states.get(row.article_id)
        problem = _row_problem(row, state, source)
        if problem is not None or state is None:
            problems.append(problem or Problem(row.row, f"{source}: row {row.row}: no article"))
            continue
        first = seen.setdefault(row.article_id, row)
        if first is not row:
            if (first.status, first.section, first.note) != (row.status, row.section, row.note):
                text = f"also on row {first.row} with different values"
                problems.append(
                    Problem(row.row, f"{source}: row {row.row} (id {row.article_id}): {text}")
                )
        elif _wanted(row, state) != _current(state):
            changes.append({
                "article_id": row.article_id, "status": row.status, "section": row.section,
                "note": row.note, "analyst": analyst, "decided_at": now, "source": source,
            })  # fmt: skip
    return changes, problems


def _check_analyst(analyst: str) -> str:
    name = analyst.strip()
    if not name or len(name) > MAX_ANALYST or any(ord(c) < 32 for c in name):
        raise ImportRowsError([f"import: analyst name {analyst!r} must be 1 to 100 characters"])
    return name


def import_decisions(
    store: Any,
    data: bytes,
    *,
    analyst: str,
    now: datetime,
    source: str,
    sections: Sequence[str],
    dry_run: bool = False,
) -> ImportReport:
    """Validate the whole file, then append its changes in one transaction.

    Raises :class:`ImportRowsError` with every problem in row order (at most
    :data:`MAX_PROBLEMS` lines) and applies nothing when any row is bad.
    """
    analyst = _check_analyst(analyst)
    parsed = parse_decisions(data, source=source, sections=sections)
    if any(p.row <= 1 for p in parsed.problems):  # the file itself: no row is worth checking
        raise ImportRowsError(_capped(list(parsed.problems)))
    planned: list[dict[str, Any]] = []

    def planner(states: Mapping[int, ArticleState]) -> list[dict[str, Any]]:
        changes, problems = plan_decisions(
            parsed.rows, states, analyst=analyst, now=now, source=source
        )
        if problems or parsed.problems:
            raise ImportRowsError(_capped([*parsed.problems, *problems]))
        planned[:] = changes
        return changes

    store.apply_decisions([r.article_id for r in parsed.rows], planner, dry_run=dry_run)
    unique = len({r.article_id for r in parsed.rows})
    logger.info("decisions imported", extra={"source": source, "changed": len(planned),
                                             "dry_run": dry_run})  # fmt: skip
    return ImportReport(
        rows=len(parsed.rows), changed=len(planned), unchanged=unique - len(planned),
        by_status=dict(Counter(c["status"] for c in planned)), dry_run=dry_run,
        warnings=parsed.warnings,
    )  # fmt: skip


def _capped(problems: list[Problem]) -> list[str]:
    lines = [p.text for p in sorted(problems)]
    if len(lines) <= MAX_PROBLEMS:
        return lines
    rest = len(lines) - MAX_PROBLEMS
    return [*lines[:MAX_PROBLEMS], f"... and {rest} more problem(s)"]
