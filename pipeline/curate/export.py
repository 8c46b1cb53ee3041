"""Period CSV export for analysts (Excel-safe, streamed).

One row per article; a near-duplicate cluster appears once (its
representative) with the other outlets under ``also_published_by``. The
columns are a contract (DESIGN.md, docs/csv.md): add at the end, never rename;
:data:`COLUMN_SPECS` is the one table the CSV, the bundle lists and the
workbook (:mod:`~pipeline.curate.workbook`) read. The last contract column,
``version``, is the article's decision revision: the import's conflict check.

Streaming: a light first pass (:meth:`Store.cluster_members`) picks each
multi-member cluster's representative; the articles are then streamed and a
non-representative member is skipped as it passes. Memory holds one small
entry per multi-member cluster, never the articles.
"""

from __future__ import annotations

import errno
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.curate.csvsafe import EXCEL_MAX_ROWS, ExcelWriter, cell
from pipeline.curate.filters import ExportFilter, FilterCounter, FilterCounts
from pipeline.curate.views import OutletCache, effective_section, representative_key, status_of
from pipeline.errors import OutputError
from pipeline.outputs import temp_file_beside
from pipeline.store import ArticleView
from pipeline.store.curation import ClusterMember

WHY_TERMS = 8
_KIND_ORDER = {"actor": 0, "topic": 1, "country": 2, "flag": 3}  # the column order
MAX_DATA_ROWS = EXCEL_MAX_ROWS - 1  # one row of every file is the header


def output_error(exc: OSError, what: str) -> OutputError:
    """Wrap a file-system error where it enters, with what we were writing."""
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    reason = exc.strerror or str(exc)
    return OutputError("disk_full" if full else "io_error", f"{what}: {reason}")


@dataclass(frozen=True)
class ClusterHead:
    """The member that stands for a cluster, and the other members' outlets."""

    rep_id: int
    also: tuple[str, ...]


@dataclass(frozen=True)
class ExportResult:
    rows: int
    files: tuple[Path, ...]
    counts: FilterCounts = field(default_factory=lambda: FilterCounts(0, {}))


def _member_key(m: ClusterMember) -> tuple[int, int, float, str, int]:
    state_like = m.state_media or m.syndicated_from is not None
    return representative_key(m.status, state_like, m.score, m.published_at, m.id)


def cluster_heads(members: Iterable[ClusterMember]) -> dict[int, ClusterHead]:
    """Cluster id → its representative, from members ordered by cluster (pure)."""
    heads: dict[int, ClusterHead] = {}
    for cluster_id, group in itertools.groupby(members, key=lambda m: m.cluster_id):
        ranked = sorted(group, key=_member_key)
        head = ranked[0]
        own = head.outlet or head.domain
        also = sorted({m.outlet or m.domain or "?" for m in ranked[1:]} - {own})
        heads[cluster_id] = ClusterHead(head.id, tuple(also))
    return heads


def collapse_stream(
    views: Iterable[ArticleView], heads: Mapping[int, ClusterHead]
) -> Iterator[tuple[ArticleView, tuple[str, ...]]]:
    """Each article once, except non-representative members of a known cluster."""
    for view in views:
        head = heads.get(view.cluster_id) if view.cluster_id is not None else None
        if head is None:
            yield view, ()
        elif head.rep_id == view.id:
            yield view, head.also


def why(a: ArticleView) -> str:
    """The terms that fired, per tag: ``actor:russia=Moscú|Rusia; topic:energy=...``."""
    parts = []
    for t in sorted(a.tags, key=lambda t: (_KIND_ORDER.get(t.kind, 9), -t.score, t.name)):
        terms = sorted({str(m.get("term", "")) for m in t.matches} - {""})[:WHY_TERMS]
        if terms:
            parts.append(f"{t.kind}:{t.name}={'|'.join(terms)}")
    return "; ".join(parts)


def _names(a: ArticleView, kind: str) -> str:
    return ",".join(a.tag_names(kind))


@dataclass(frozen=True)
class Row:
    """What one exported row is made of: the article, its cluster's other
    outlets, the registry's name and country, the section to show."""

    a: ArticleView
    also: Sequence[str]
    outlet_name: str | None
    outlet_country: str | None
    section: str | None


@dataclass(frozen=True)
class Column:
    """One export column: its name, its value (typed: int, float, bool, str or
    None) and whether the text is ours (never neutralised) or came from outside."""

    name: str
    value: Callable[[Row], Any]
    trusted: bool = False


def _note(r: Row) -> str | None:
    return r.a.decision.note if r.a.decision else None


def _analyst(r: Row) -> str | None:
    return r.a.decision.analyst if r.a.decision else None


# The column contract (docs/csv.md): add at the end, never rename or move.
# A new column is one line here; the CSV, the bundle's lists and the
# workbook all read this table.
COLUMN_SPECS: tuple[Column, ...] = (
    Column("id", lambda r: r.a.id),
    Column("period", lambda r: r.a.period, trusted=True),
    Column("section", lambda r: r.section, trusted=True),
    Column("status", lambda r: status_of(r.a), trusted=True),
    Column("actors", lambda r: _names(r.a, "actor"), trusted=True),
    Column("topics", lambda r: _names(r.a, "topic"), trusted=True),
    Column("countries", lambda r: _names(r.a, "country"), trusted=True),
    Column("flags", lambda r: _names(r.a, "flag"), trusted=True),
    Column("score", lambda r: round(r.a.score, 3)),
    Column("relevance", lambda r: "relevant" if r.a.relevant else "not_relevant", trusted=True),
    Column("title", lambda r: r.a.title),
    Column("outlet", lambda r: r.a.outlet or r.a.domain),
    Column("outlet_name", lambda r: r.outlet_name),
    Column("outlet_country", lambda r: r.outlet_country),
    Column("state_media", lambda r: r.a.state_media),
    Column("controlling_state", lambda r: r.a.controlling_state, trusted=True),
    Column("syndicated_from", lambda r: r.a.syndicated_from),
    Column("language", lambda r: r.a.language),
    Column("published", lambda r: r.a.published_at.strftime("%Y-%m-%d %H:%M"), trusted=True),
    Column("url", lambda r: r.a.url),
    Column("opinion", lambda r: r.a.is_opinion),
    Column("also_published_by", lambda r: ", ".join(r.also)),
    Column("why", lambda r: why(r.a)),
    Column("note", _note),
    Column("cluster", lambda r: r.a.cluster_id),
    Column("feeds", lambda r: ",".join(r.a.feeds)),
    Column("analyst", _analyst),
    Column("version", lambda r: r.a.version),  # the decision revision the import checks
    Column("story", lambda r: r.a.story_id),  # the story across outlets (pipeline.article.stories)
    Column("also_reported_by", lambda r: ", ".join(r.a.reported_by)),
)
COLUMNS = tuple(c.name for c in COLUMN_SPECS)


def export_row(
    a: ArticleView, also: Sequence[str], outlets: OutletCache, section: str | None = None
) -> Row:
    name, country = outlets(a.outlet)
    return Row(a, also, name, country, section or effective_section(a))


def row_values(row: Row) -> list[Any]:
    """The typed values of one row in :data:`COLUMNS` order (for the workbook)."""
    return [c.value(row) for c in COLUMN_SPECS]


def row_cells(
    a: ArticleView, also: Sequence[str], outlets: OutletCache, section: str | None = None
) -> list[str]:
    """One CSV row in :data:`COLUMNS` order; untrusted text is neutralised."""
    row = export_row(a, also, outlets, section)
    return [cell(c.value(row), trusted=c.trusted) for c in COLUMN_SPECS]


def part_path(path: Path, index: int) -> Path:
    """``out.csv``, then ``out-2.csv``, ``out-3.csv``... when Excel's row limit is hit."""
    return path if index == 1 else path.with_name(f"{path.stem}-{index}{path.suffix}")


class _PartWriter:
    """Temp files beside the target, one per part; renamed into place together."""

    def __init__(self, path: Path, *, plain: bool, max_rows: int) -> None:
        self.path, self.plain, self.max_rows = path, plain, max_rows
        self.parts: list[tuple[Path, Path]] = []  # (temp, final)
        self.rows = 0
        self._fh: Any = None
        self._writer: ExcelWriter | None = None

    def write(self, cells: list[str]) -> None:
        if self._writer is None or self._writer.rows >= self.max_rows:
            self._next_part()
        assert self._writer is not None
        self._writer.write(cells)
        self.rows += 1

    def _next_part(self) -> None:
        self._close_current()
        final = part_path(self.path, len(self.parts) + 1)
        fd, tmp = temp_file_beside(final)  # the output mode, like every output file
        self.parts.append((tmp, final))
        self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._writer = ExcelWriter(self._fh, COLUMNS, plain=self.plain)

    def _close_current(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None

    def commit(self) -> tuple[Path, ...]:
        if not self.parts:  # an empty export is still a file with its header
            self._next_part()
        self._close_current()
        for tmp, final in self.parts:
            os.replace(tmp, final)
        return tuple(final for _, final in self.parts)

    def abort(self) -> None:
        if self._fh is not None:
            self._fh.close()
        for tmp, _ in self.parts:
            tmp.unlink(missing_ok=True)


def write_export(
    rows: Iterable[tuple[ArticleView, Sequence[str]]],
    path: Path,
    *,
    registry: Any = None,
    flt: ExportFilter | None = None,
    plain: bool = False,
    max_rows: int = MAX_DATA_ROWS,
) -> ExportResult:
    """Write collapsed rows atomically (temp files in the same folder, then rename).

    Beyond ``max_rows`` data rows the export continues in ``NAME-2.csv`` etc.
    A failure or kill leaves the previous files (or none), never a partial one;
    file-system errors are raised as :class:`OutputError`.
    """
    counter = FilterCounter(flt or ExportFilter())
    outlets = OutletCache(registry)
    parts = _PartWriter(path, plain=plain, max_rows=max_rows)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for head, also in rows:
            if counter.accepts(head):
                parts.write(row_cells(head, also, outlets))
        files = parts.commit()
    except BaseException as exc:
        parts.abort()
        if isinstance(exc, OSError):
            raise output_error(exc, f"export: cannot write {path}") from exc
        raise
    return ExportResult(parts.rows, files, counter.counts())


def export_period(
    store: Any,
    period: str,
    path: Path,
    *,
    relevant_only: bool = True,
    registry: Any = None,
    flt: ExportFilter | None = None,
    plain: bool = False,
    max_rows: int = MAX_DATA_ROWS,
) -> ExportResult:
    """The period's articles, clusters collapsed, streamed into ``path``."""
    return write_export(
        period_rows(store, period, relevant_only=relevant_only), path, registry=registry,
        flt=flt, plain=plain, max_rows=max_rows,
    )  # fmt: skip


def period_rows(
    store: Any, period: str, *, relevant_only: bool = True
) -> Iterator[tuple[ArticleView, tuple[str, ...]]]:
    """The period's articles streamed, each near-duplicate cluster once."""
    heads = cluster_heads(store.cluster_members(period, relevant_only=relevant_only))
    views = store.iter_period(period, relevant_only=relevant_only)
    return collapse_stream(views, heads)
