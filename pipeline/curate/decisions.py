"""Analyst decisions imported from an edited export (CSV or workbook).

The analyst changes ``status`` (candidate / included / excluded), ``section``
and ``note``; rows are matched by ``id``. The import is three steps, each its
own module: :mod:`~pipeline.curate.decisions_parse` reads the file (pure),
:mod:`~pipeline.curate.decisions_plan` compares it with what is stored
(pure), :mod:`~pipeline.curate.decisions_report` says what happened. This
module is the edge: it reads the articles' state, plans, and applies through
:meth:`~pipeline.store.curation.CurationStore.decide`, the same
compare-and-set the web workbench uses (one mechanism for both doors).

- A file with any bad row changes nothing (:class:`ImportRowsError`).
- A stale row (its ``version`` is not the stored revision, and it would
  change something) is a conflict: every conflict is reported and nothing
  is applied, unless ``force``, which applies the file and records in the
  audit trail (``decisions.overrode``) what each row overrode.
- A file without a ``version`` column imports as before versions existed,
  with a warning. Its changes still carry the revision read while planning,
  so a decision made in the instant between that read and the write is
  never overwritten with fields filled in from the older state: the file is
  planned again on the new state.
- Decisions are appended, never updated: the table is the audit trail.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pipeline.curate.decisions_parse import ParsedFile, Problem, normalise_period, parse_decisions
from pipeline.curate.decisions_plan import Plan, PlannedRow, plan_decisions
from pipeline.curate.decisions_report import ImportReport
from pipeline.errors import ImportRowsError

logger = logging.getLogger(__name__)

MAX_ANALYST = 100
MAX_PROBLEMS = 200  # a file of 10,000 bad rows should not print 10,000 lines
_ATTEMPTS = 3  # plans made again when another writer decided between our read and write

__all__ = ["ImportReport", "check_analyst", "import_decisions", "normalise_period"]


def check_analyst(analyst: str | None) -> str:
    name = (analyst or "").strip()
    if not name or len(name) > MAX_ANALYST or any(ord(c) < 32 for c in name):
        raise ImportRowsError([f"import: analyst name {analyst!r} must be 1 to 100 characters"])
    return name


def import_decisions(
    store: Any,
    data: bytes,
    *,
    source: str,
    sections: Sequence[str],
    now: datetime,
    analyst: str | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> ImportReport:
    """Validate the whole file, then apply its changes in one transaction.

    Raises :class:`ImportRowsError` with every problem in row order (at most
    :data:`MAX_PROBLEMS` lines) and applies nothing when any row is bad. A
    report with ``refused`` set means conflicts and nothing applied. A dry
    run needs no analyst name and writes nothing.
    """
    name = (analyst or "").strip() if dry_run else check_analyst(analyst)
    parsed = parse_decisions(data, source=source, sections=sections)
    if any(p.row == 0 for p in parsed.problems):  # the file itself: no row is worth checking
        raise ImportRowsError(_capped(parsed.problems))
    ids = sorted({r.article_id for r in parsed.rows})
    outcome = None
    for attempt in range(_ATTEMPTS):
        plan = plan_decisions(parsed.rows, store.article_states(ids), analyst=name, source=source)
        if plan.problems or parsed.problems:
            raise ImportRowsError(_capped([*parsed.problems, *plan.problems]))
        if dry_run or (plan.conflicts and not force) or not plan.rows:
            return _report(parsed, plan, source, dry_run=dry_run, forced=force, applied=False)
        outcome = store.decide(plan.changes, force=force, now=now)
        if not outcome.conflicts or force:
            applied = tuple(p for p in plan.rows if p.row.article_id in outcome.applied)
            report = _report(parsed, plan, source, forced=force, applied=True, changed=applied)
            logger.info("decisions imported", extra={"source": source, "changed": len(applied),
                        "overrode": len(report.conflicts)})  # fmt: skip
            return report
        logger.info("decided meanwhile; planning again", extra={"source": source,
                    "attempt": attempt + 1})  # fmt: skip
    assert outcome is not None  # the loop decided at least once to get here
    raced = {c.article_id: c for c in outcome.conflicts}
    stale = tuple(
        PlannedRow(p.row, p.change, p.diffs, raced[p.row.article_id].current, True)
        for p in plan.rows
        if p.row.article_id in raced
    )
    return _report(parsed, plan, source, applied=False, conflicts=stale)


def _report(
    parsed: ParsedFile,
    plan: Plan,
    source: str,
    *,
    dry_run: bool = False,
    forced: bool = False,
    applied: bool,
    changed: tuple[PlannedRow, ...] | None = None,
    conflicts: tuple[PlannedRow, ...] | None = None,
) -> ImportReport:
    return ImportReport(
        source=source, rows=len(parsed.rows), changed=plan.rows if changed is None else changed,
        conflicts=plan.conflicts if conflicts is None else conflicts,
        unchanged=plan.unchanged + (len(plan.rows) - len(changed) if changed is not None else 0),
        dry_run=dry_run, forced=forced, applied=applied, versioned=parsed.versioned,
        warnings=parsed.warnings,
    )  # fmt: skip


def _capped(problems: Sequence[Problem]) -> list[str]:
    lines = [p.text for p in sorted(problems)]
    if len(lines) <= MAX_PROBLEMS:
        return lines
    rest = len(lines) - MAX_PROBLEMS
    return [*lines[:MAX_PROBLEMS], f"... and {rest} more problem(s)"]
