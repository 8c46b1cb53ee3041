"""What an import did (or would do), as lines for a person and as one JSON
document (pure): one line per row that changes, one per conflict with who
decided what and when, and the totals."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from pipeline.curate.decisions_plan import PlannedRow


@dataclass(frozen=True)
class ImportReport:
    source: str
    rows: int  # data rows read
    changed: tuple[PlannedRow, ...]  # applied, or that would be
    conflicts: tuple[PlannedRow, ...]  # stale rows: refused, or overridden with force
    unchanged: int
    dry_run: bool = False
    forced: bool = False
    applied: bool = False
    versioned: bool = True
    warnings: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        """Conflicts and no --force: nothing is (or would be) applied."""
        return bool(self.conflicts) and not self.forced

    @property
    def by_status(self) -> dict[str, int]:
        return dict(sorted(Counter(p.change.status for p in self.changed).items()))


def conflict_line(p: PlannedRow) -> str:
    """``row 2, id 55: conflict: the file says status candidate, but bob decided
    status excluded on 2021-10-02 09:30 UTC (version 1; the file has version 0)``."""
    wanted = ", ".join(f"{d.field} {_value(d.field, d.new)}" for d in p.diffs)
    stored = ", ".join(f"{d.field} {_value(d.field, d.old)}" for d in p.diffs)
    cur = p.current
    when = cur.decided_at.strftime("%Y-%m-%d %H:%M UTC") if cur.decided_at else "at some point"
    who = f"{cur.analyst} decided {stored} on {when}" if cur.analyst else f"it is now {stored}"
    return (f"{p.row.place}, id {p.row.article_id}: conflict: the file says {wanted}, but {who} "
            f"(version {cur.version}; the file has version {p.row.version})")  # fmt: skip


def _value(field: str, value: str | None) -> str:
    return repr(value or "") if field == "note" else (value or "(none)")


def totals_line(r: ImportReport) -> str:
    detail = ", ".join(f"{n} {s}" for s, n in r.by_status.items())
    changed = f"{len(r.changed)} decision(s)" + (f" ({detail})" if detail else "")
    if r.refused:
        head = f"{len(r.conflicts)} conflict(s); nothing {'would be ' if r.dry_run else ''}changed"
        return f"{r.rows} rows read: {head} ({changed} asked for, {r.unchanged} unchanged)"
    verb = "would change" if r.dry_run else "changed"
    forced = ""
    if r.conflicts:
        forced = f", {'would override' if r.dry_run else 'overrode'} {len(r.conflicts)} " \
                 "later decision(s) (--force; kept in the audit trail)"  # fmt: skip
    return f"{r.rows} rows read: {verb} {changed}, {r.unchanged} unchanged{forced}"


def report_lines(r: ImportReport, *, each_change: bool) -> list[str]:
    """Per-row lines (with ``each_change``), conflicts, then the totals."""
    stale = {p.row.article_id for p in r.conflicts}  # shown once, as a conflict
    lines = [p.summary for p in r.changed if p.row.article_id not in stale] if each_change else []
    lines += [conflict_line(p) for p in r.conflicts]
    return [*lines, totals_line(r)]


def _planned_json(p: PlannedRow) -> dict[str, Any]:
    return {
        "row": p.row.row, "sheet": p.row.sheet, "id": p.row.article_id,
        "version": p.row.version,
        "changes": {d.field: {"from": d.old, "to": d.new} for d in p.diffs},
    }  # fmt: skip


def report_json(r: ImportReport) -> dict[str, Any]:
    conflicts = []
    for p in r.conflicts:
        status, section, note = p.change.status, p.change.section, p.change.note
        conflicts.append({**_planned_json(p), "file": {"status": status, "section": section,
                          "note": note}, "stored": p.current.as_json()})  # fmt: skip
    return {
        "file": r.source, "dry_run": r.dry_run, "forced": r.forced, "applied": r.applied,
        "versioned": r.versioned, "rows_read": r.rows,
        "changed": [_planned_json(p) for p in r.changed], "conflicts": conflicts,
        "totals": {"changed": len(r.changed), "conflicts": len(r.conflicts),
                   "unchanged": r.unchanged, "by_status": r.by_status},
        "warnings": list(r.warnings),
    }  # fmt: skip
