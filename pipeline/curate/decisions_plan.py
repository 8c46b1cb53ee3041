"""What a decisions file would change (pure): parsed rows and the articles'
stored state in, one :class:`~pipeline.store.curation.DecisionChange` per
article that would change, with its field-by-field diff, out.

- A field whose column is absent stays as stored; so does a section equal to
  the one shown (the export writes the automatic section out, and importing
  it back must not pin it).
- A row that changes nothing is never a change and never a conflict.
- A row whose ``version`` is not the stored revision, and that would change
  something, is *stale*: someone decided after the file was exported. The
  plan marks it; :meth:`CurationStore.decide` refuses it unless forced.
- The same id on several rows: within one CSV or one sheet they must agree
  (else a problem naming both rows). Across the sheets of a workbook (an
  article is on its section's sheet and on "all"), a copy that changes
  nothing yields to a copy that does, so an edit on either sheet counts;
  two copies that change it differently are a problem naming both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeline.curate.decisions_parse import DecisionRow, Problem
from pipeline.store.curation import ArticleState, DecisionChange, StoredDecision, stored_decision

Wanted = tuple[str, str | None, str | None]  # status, section (None = automatic), note


@dataclass(frozen=True)
class FieldDiff:
    field: str  # status | section | note
    old: str | None
    new: str | None

    def __str__(self) -> str:
        if self.field == "note":
            return f"note {_quoted(self.old)} → {_quoted(self.new)}"
        return f"{self.field} {self.old or '(none)'} → {self.new or '(none)'}"


@dataclass(frozen=True)
class PlannedRow:
    row: DecisionRow
    change: DecisionChange
    diffs: tuple[FieldDiff, ...]
    current: StoredDecision  # what is stored now
    stale: bool  # a version in the file that is not the stored one: a conflict

    @property
    def summary(self) -> str:
        """``row 7, id 1234: status candidate → excluded; note '' → 'propaganda'``."""
        return f"{self.row.place}, id {self.row.article_id}: " + "; ".join(map(str, self.diffs))


@dataclass(frozen=True)
class Plan:
    rows: tuple[PlannedRow, ...]  # one per article that would change, in file order
    unchanged: int  # articles the file names whose decision would stay as it is
    problems: tuple[Problem, ...]

    @property
    def conflicts(self) -> tuple[PlannedRow, ...]:
        return tuple(p for p in self.rows if p.stale)

    @property
    def changes(self) -> list[DecisionChange]:
        return [p.change for p in self.rows]


def _quoted(text: str | None) -> str:
    shown = text or ""
    return repr(shown if len(shown) <= 60 else shown[:59] + "…")


def _effective(state: ArticleState, wanted: Wanted) -> Wanted:
    """What an analyst sees (as :func:`~pipeline.store.curation.changes_nothing`
    compares): an empty section is the automatic one, a blank note none."""
    status, section, note = wanted
    return status, section or state.section, (note or "").strip() or None


def _label(state: ArticleState, wanted: Wanted) -> Wanted:
    status, section, note = _effective(state, wanted)
    if wanted[1] is None and section is not None:
        section = f"{section} (automatic)"
    return status, section, note


def wanted_of(row: DecisionRow, state: ArticleState) -> Wanted:
    """The decision the row asks for, absent fields filled in from what is stored."""
    now = stored_decision(state)
    status = row.status if row.status is not None else now.status
    section = now.section
    if "section" in row.given and (row.section or state.section) != (now.section or state.section):
        section = row.section
    note = row.note if "note" in row.given else now.note
    return status, section, note


def diffs_of(state: ArticleState, wanted: Wanted) -> tuple[FieldDiff, ...]:
    now = stored_decision(state)
    stored: Wanted = (now.status, now.section, now.note)
    differs = [a != b for a, b in zip(_effective(state, stored), _effective(state, wanted),
                                      strict=True)]  # fmt: skip
    names = ("status", "section", "note")
    shown = zip(names, _label(state, stored), _label(state, wanted), differs, strict=True)
    return tuple(FieldDiff(f, old, new) for f, old, new, changed in shown if changed)


def _row_problem(row: DecisionRow, state: ArticleState | None) -> Problem | None:
    if state is None:
        return Problem(row.sheet or "", row.row, f"{row.label}: no such article in the database")
    if row.period is not None and row.period != state.period:
        text = (f"period changed to {row.period}, but the article is in {state.period}; "
                "rows cannot move between periods")  # fmt: skip
        return Problem(row.sheet or "", row.row, f"{row.label}: {text}")
    return None


def _disagree(a: DecisionRow, b: DecisionRow) -> Problem:
    where = f"row {a.row}" if a.sheet == b.sheet else f"sheet {a.sheet!r}, row {a.row}"
    return Problem(b.sheet or "", b.row, f"{b.label}: also on {where} with different values")


def _pick(
    copies: Sequence[tuple[DecisionRow, Wanted]], state: ArticleState
) -> tuple[DecisionRow, Wanted] | Problem:
    """The one row that stands for an article given on several rows."""
    first_on_sheet: dict[str | None, tuple[DecisionRow, Wanted]] = {}
    for row, wanted in copies:
        first = first_on_sheet.setdefault(row.sheet, (row, wanted))
        if _effective(state, first[1]) != _effective(state, wanted):
            return _disagree(first[0], row)
    per_sheet = list(first_on_sheet.values())
    changing = [c for c in per_sheet if diffs_of(state, c[1])] or per_sheet[:1]
    for row, wanted in changing[1:]:
        if _effective(state, wanted) != _effective(state, changing[0][1]):
            return _disagree(changing[0][0], row)
    return changing[0]


def plan_decisions(
    rows: Sequence[DecisionRow],
    states: Mapping[int, ArticleState],
    *,
    analyst: str,
    source: str,
) -> Plan:
    """What the file would change, row by row, and every problem (pure)."""
    problems: list[Problem] = []
    copies: dict[int, list[tuple[DecisionRow, Wanted]]] = {}
    for row in rows:
        state = states.get(row.article_id)
        problem = _row_problem(row, state)
        if problem is not None:
            problems.append(problem)
        if problem is not None or state is None:  # (no state always comes with a problem)
            continue
        copies.setdefault(row.article_id, []).append((row, wanted_of(row, state)))
    planned: list[PlannedRow] = []
    unchanged = 0
    for article_id, group in copies.items():
        state = states[article_id]
        picked = _pick(group, state)
        if isinstance(picked, Problem):
            problems.append(picked)
            continue
        row, wanted = picked
        diffs = diffs_of(state, wanted)
        if not diffs:
            unchanged += 1
            continue
        expected = row.version if row.version is not None else state.version
        change = DecisionChange(article_id, *wanted, expected, analyst, source)
        stale = row.version is not None and row.version != state.version
        planned.append(PlannedRow(row, change, diffs, stored_decision(state), stale))
    planned.sort(key=lambda p: (p.row.sheet or "", p.row.row))
    return Plan(tuple(planned), unchanged, tuple(sorted(problems)))
