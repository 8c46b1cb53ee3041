"""Period CSV export for analysts (Excel-safe, streamed).

One row per article; a near-duplicate cluster appears once (its
representative) with the other outlets under ``also_published_by``. The
columns are a contract (DESIGN.md, docs/csv.md): add at the end, never rename.

Streaming: a light first pass (:meth:`Store.cluster_members`) picks each
multi-member cluster's representative; the articles are then streamed and a
non-representative member is skipped as it passes. Memory holds one small
entry per multi-member cluster, never the articles.
"""

from __future__ import annotations

import errno
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.curate.csvsafe import EXCEL_MAX_ROWS, ExcelWriter, cell
from pipeline.curate.views import OutletCache, effective_section, representative_key, status_of
from pipeline.errors import OutputError
from pipeline.outputs import temp_file_beside
from pipeline.store import ArticleView, StoryView
from pipeline.store.curation import ClusterMember

COLUMNS = (
    "id", "period", "section", "status", "actors", "topics", "countries", "flags",
    "score", "relevance", "title", "outlet", "outlet_name", "outlet_country",
    "state_media", "controlling_state", "syndicated_from", "language", "published",
    "url", "opinion", "also_published_by", "why", "note", "cluster", "feeds", "analyst",
    "story", "also_reported_by",
)  # fmt: skip
WHY_TERMS = 8
_KIND_ORDER = {"actor": 0, "topic": 1, "country": 2, "flag": 3}  # the column order
MAX_DATA_ROWS = EXCEL_MAX_ROWS - 1  # one row of every file is the header


def output_error(exc: OSError, what: str) -> OutputError:
    """Wrap a file-system error where it enters, with what we were writing."""
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    reason = exc.strerror or str(exc)
    return OutputError("disk_full" if full else "io_error", f"{what}: {reason}")


@dataclass(frozen=True)
class ExportFilter:
    actor: str | None = None
    topic: str | None = None
    section: str | None = None
    status: str | None = None
    state_media: bool | None = None
    min_score: float | None = None
    language: str | None = None

    def accepts(self, a: ArticleView) -> bool:
        checks = (
            self.actor is None or self.actor in a.tag_names("actor"),
            self.topic is None or self.topic in a.tag_names("topic"),
            self.section is None or effective_section(a) == self.section,
            self.status is None or status_of(a) == self.status,
            self.state_media is None or a.state_media == self.state_media,
            self.min_score is None or a.score >= self.min_score,
            self.language is None or a.language == self.language,
        )
        return all(checks)


@dataclass(frozen=True)
class ClusterHead:
    """The member that stands for a cluster, and the other members' outlets."""

    rep_id: int
    also: tuple[str, ...]


@dataclass(frozen=True)
class ExportResult:
    rows: int
    files: tuple[Path, ...]


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


def story_outlets(stories: Iterable[StoryView]) -> dict[int, tuple[tuple[int, str], ...]]:
    """Story id → ``(cluster key, outlet)`` of each member (pure)."""
    return {
        s.id: tuple(
            (m.cluster_id if m.cluster_id is not None else m.article_id, m.outlet or "?")
            for m in s.members
        )
        for s in stories
    }


def reported_by(a: ArticleView, stories: Mapping[int, tuple[tuple[int, str], ...]]) -> str:
    """The outlets of the other reports of ``a``'s story (its own cluster's copies are
    ``also_published_by``), comma-separated; "" outside a story."""
    if a.story_id is None:
        return ""
    own = a.outlet or a.domain or "?"
    others = {o for key, o in stories.get(a.story_id, ()) if key != a.cluster_key} - {own}
    return ", ".join(sorted(others))


def row_cells(
    a: ArticleView,
    also: Sequence[str],
    outlets: OutletCache,
    section: str | None = None,
    stories: Mapping[int, tuple[tuple[int, str], ...]] | None = None,
) -> list[str]:
    """One CSV row in :data:`COLUMNS` order; untrusted text is neutralised."""
    name, country = outlets(a.outlet)
    d = a.decision
    return [
        cell(a.id), cell(a.period, trusted=True),
        cell(section or effective_section(a), trusted=True), cell(status_of(a), trusted=True),
        cell(_names(a, "actor"), trusted=True), cell(_names(a, "topic"), trusted=True),
        cell(_names(a, "country"), trusted=True), cell(_names(a, "flag"), trusted=True),
        cell(round(a.score, 3)), cell("relevant" if a.relevant else "not_relevant", trusted=True),
        cell(a.title), cell(a.outlet or a.domain), cell(name), cell(country),
        cell(a.state_media), cell(a.controlling_state, trusted=True), cell(a.syndicated_from),
        cell(a.language), cell(a.published_at.strftime("%Y-%m-%d %H:%M"), trusted=True),
        cell(a.url), cell(a.is_opinion), cell(", ".join(also)), cell(why(a)),
        cell(d.note if d else None), cell(a.cluster_id), cell(",".join(a.feeds)),
        cell(d.analyst if d else None), cell(a.story_id), cell(reported_by(a, stories or {})),
    ]  # fmt: skip


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
    stories: Mapping[int, tuple[tuple[int, str], ...]] | None = None,
) -> ExportResult:
    """Write collapsed rows atomically (temp files in the same folder, then rename).

    Beyond ``max_rows`` data rows the export continues in ``NAME-2.csv`` etc.
    A failure or kill leaves the previous files (or none), never a partial one;
    file-system errors are raised as :class:`OutputError`.
    """
    flt = flt or ExportFilter()
    outlets = OutletCache(registry)
    parts = _PartWriter(path, plain=plain, max_rows=max_rows)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for head, also in rows:
            if flt.accepts(head):
                parts.write(row_cells(head, also, outlets, stories=stories))
        files = parts.commit()
    except BaseException as exc:
        parts.abort()
        if isinstance(exc, OSError):
            raise output_error(exc, f"export: cannot write {path}") from exc
        raise
    return ExportResult(parts.rows, files)


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
    heads = cluster_heads(store.cluster_members(period, relevant_only=relevant_only))
    stories = story_outlets(store.stories(period))
    views = store.iter_period(period, relevant_only=relevant_only)
    return write_export(
        collapse_stream(views, heads), path, registry=registry, flt=flt, plain=plain,
        max_rows=max_rows, stories=stories,
    )  # fmt: skip
