"""Curation reads and writes: the near-duplicate cluster map that lets an export
stream, the candidates of a bundle, analyst decisions applied in one
transaction with a compare-and-set on the article's decision version (the one
mechanism behind the CSV/xlsx import and the web workbench), decision counts
per period, and per-feed / per-outlet coverage."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

from pipeline.store.feeds import BACKFILL_KIND
from pipeline.store.reading import (
    BATCH,
    VIEW_COLUMNS,
    ArticleView,
    DecisionView,
    ReadingStore,
    decisions_for,
    tags_for,
)
from pipeline.store.schema import articles, decisions, entries, feeds

CHUNK = 500  # ids per IN (...) clause: well under SQLite's and Postgres's parameter limits
STATUSES = ("candidate", "included", "excluded")
_RETRIES = 3  # a compare-and-set lost to a writer the row lock did not stop: read again


@dataclass(frozen=True)
class ClusterMember:
    """One member of a multi-member near-duplicate cluster (no text, no tags)."""

    id: int
    cluster_id: int
    outlet: str | None
    domain: str | None
    state_media: bool
    syndicated_from: str | None
    score: float
    published_at: datetime
    status: str  # the latest analyst decision, or "candidate"


@dataclass(frozen=True)
class ArticleState:
    """What an import compares a file row with: period, automatic section, decision."""

    id: int
    period: str
    section: str | None
    decision: DecisionView | None
    version: int = 0  # the article's decision revision (0 = never decided)


@dataclass(frozen=True)
class DecisionChange:
    """One wanted decision. ``expected_version``: the revision the analyst saw
    (None = no check, e.g. an old file without a version column)."""

    article_id: int
    status: str  # candidate | included | excluded
    section: str | None  # None = automatic
    note: str | None
    expected_version: int | None
    analyst: str
    source: str  # the file name, or "web"


@dataclass(frozen=True)
class StoredDecision:
    """What is stored now (shown in a conflict); version 0 = never decided."""

    version: int
    status: str
    section: str | None
    note: str | None
    analyst: str | None
    decided_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        at = self.decided_at.isoformat() if self.decided_at else None
        return {"version": self.version, "status": self.status, "section": self.section,
                "note": self.note, "analyst": self.analyst, "decided_at": at}  # fmt: skip


@dataclass(frozen=True)
class DecisionConflict:
    """Someone decided after ``expected_version``: ``current`` is what they stored."""

    article_id: int
    expected_version: int
    current: StoredDecision


@dataclass(frozen=True)
class DecisionOutcome:
    applied: dict[int, int]  # article_id -> the new version
    conflicts: list[DecisionConflict]  # non-empty and not forced => nothing applied
    unchanged: tuple[int, ...] = ()  # changes equal to what is stored: nothing appended


class _LostRace(Exception):
    """A compare-and-set matched no row although the row was read in this transaction."""


def stored_decision(state: ArticleState) -> StoredDecision:
    d = state.decision
    if d is None:
        return StoredDecision(state.version, "candidate", None, None, None, None)
    return StoredDecision(state.version, d.status, d.section, d.note, d.analyst, d.decided_at)


def _effective(
    status: str, section: str | None, note: str | None, auto: str | None
) -> tuple[str, str | None, str | None]:
    """What an analyst sees: an empty section is the automatic one, a blank note none."""
    return status, section or auto, (note or "").strip() or None


def changes_nothing(change: DecisionChange, state: ArticleState) -> bool:
    """True when the change would leave status, section and note as they are."""
    now = stored_decision(state)
    return _effective(change.status, change.section, change.note, state.section) == _effective(
        now.status, now.section, now.note, state.section
    )


@dataclass(frozen=True)
class FeedCoverage:
    key: str
    url: str
    outlet: str | None
    state: str
    enabled: bool
    error_code: str | None
    error: str | None
    last_success: datetime | None
    consecutive_failures: int
    articles: int  # articles of the period this feed led to
    candidates: int  # of which tagged relevant


@dataclass(frozen=True)
class OutletCoverage:
    outlet: str | None
    articles: int
    candidates: int


def _latest_status() -> Any:
    """The status of an article's latest decision (a correlated scalar subquery)."""
    return (
        select(decisions.c.status)
        .where(decisions.c.article_id == articles.c.id)
        .order_by(func.coalesce(decisions.c.version, 0).desc(), decisions.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _period_filter(period: str, relevant_only: bool) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [articles.c.period == period]
    if relevant_only:
        conds.append(articles.c.relevant.is_(True))
    return conds


def _candidates_query(period: str) -> Select[Any]:
    """The period's bundle candidates: relevant articles and any an analyst decided."""
    decided = select(decisions.c.article_id)
    return (
        select(*VIEW_COLUMNS)
        .where(articles.c.period == period)
        .where(or_(articles.c.relevant.is_(True), articles.c.id.in_(decided)))
        .order_by(articles.c.published_at, articles.c.id)
    )


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield list(ids[i : i + CHUNK])


class CurationStore(ReadingStore):
    def cluster_members(
        self, period: str, *, relevant_only: bool = True
    ) -> Iterator[ClusterMember]:
        """Members of the period's multi-member clusters, ordered by cluster.

        A light first pass: an export uses it to pick each cluster's
        representative, then streams the articles without holding them.
        """
        conds = _period_filter(period, relevant_only)
        multi = (
            select(articles.c.cluster_id)
            .where(*conds, articles.c.cluster_id.is_not(None))
            .group_by(articles.c.cluster_id)
            .having(func.count(articles.c.id) > 1)
        )
        query = (
            select(
                articles.c.id, articles.c.cluster_id, articles.c.outlet, articles.c.domain,
                articles.c.state_media, articles.c.syndicated_from, articles.c.score,
                articles.c.published_at, _latest_status().label("status"),
            )
            .where(*conds, articles.c.cluster_id.in_(multi))
            .order_by(articles.c.cluster_id, articles.c.id)
        )  # fmt: skip
        with self.read() as conn:
            for r in conn.execution_options(yield_per=BATCH).execute(query):
                m = r._mapping
                yield ClusterMember(**{**m, "status": m["status"] or "candidate"})

    def iter_candidates(self, period: str) -> Iterator[ArticleView]:
        """Bundle candidates: relevant articles, plus any an analyst included.

        The bundle never reads the tags' match explanations, so they are left
        out (``TagView.matches`` empty): in benchmark P4 (3,358 candidates) they
        were 135 of the 192 MB the bundle held above the process's imports and
        configuration (peak RSS 275 -> 140 MB).
        """
        query = _candidates_query(period)
        with self.read() as conn:
            result = conn.execution_options(yield_per=BATCH).execute(query)
            for batch in result.partitions(BATCH):
                rows = [dict(r._mapping) for r in batch]
                for view in self._views(conn, rows, with_matches=False):
                    if view.relevant or (view.decision and view.decision.status == "included"):
                        yield view

    def iter_policy_views(self, period: str) -> Iterator[ArticleView]:
        """:meth:`iter_candidates` without what the bundle's policy never reads:
        tags are the actor and flag tags without their matches; no feeds, no
        story reports. The workbench's live meter reads a period with it (tag
        matches are most of a full read's cost)."""
        query = _candidates_query(period)
        with self.read() as conn:
            result = conn.execution_options(yield_per=BATCH).execute(query)
            for batch in result.partitions(BATCH):
                rows = [dict(r._mapping) for r in batch]
                ids = [r["id"] for r in rows]
                latest = decisions_for(conn, ids)
                names = tags_for(conn, ids, with_matches=False, kinds=("actor", "flag"))
                for r in rows:
                    url = r.pop("canonical_url")
                    view = ArticleView(url=url, tags=tuple(names.get(r["id"], ())),
                                       decision=latest.get(r["id"]), **r)  # fmt: skip
                    if view.relevant or (view.decision and view.decision.status == "included"):
                        yield view

    # ------------------------------------------------------------ decisions
    def article_states(self, ids: Sequence[int]) -> dict[int, ArticleState]:
        """The current state of these articles (unknown ids are left out)."""
        with self.read() as conn:
            return self._article_states(conn, ids, lock=False)

    def decide(
        self,
        changes: Sequence[DecisionChange],
        *,
        force: bool = False,
        now: datetime | None = None,
    ) -> DecisionOutcome:
        """Apply analyst decisions in one transaction, each a compare-and-set on
        the article's decision version.

        A change whose ``expected_version`` is not the stored one, and that
        would change something, is a conflict: unless ``force``, every conflict
        is returned and nothing is applied. With ``force`` they are applied and
        each decision row records in ``overrode`` what it replaced. A change
        equal to what is stored appends nothing and is never a conflict.
        Raises ValueError for an unknown article, a bad status or an article
        given twice (callers check these first).
        """
        _check_changes(changes)
        at = now or datetime.now(UTC)
        for attempt in range(_RETRIES):
            try:
                with self.write() as conn:
                    return self._decide(conn, changes, force=force, now=at)
            except _LostRace:
                if attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def _decide(
        self, conn: Connection, changes: Sequence[DecisionChange], *, force: bool, now: datetime
    ) -> DecisionOutcome:
        states = self._article_states(conn, [c.article_id for c in changes], lock=True)
        missing = sorted({c.article_id for c in changes} - set(states))
        if missing:
            raise ValueError(f"no such article(s): {', '.join(map(str, missing[:20]))}")
        todo: list[tuple[DecisionChange, ArticleState, DecisionConflict | None]] = []
        unchanged: list[int] = []
        conflicts: list[DecisionConflict] = []
        for change in changes:
            state = states[change.article_id]
            if changes_nothing(change, state):
                unchanged.append(change.article_id)
                continue
            conflict = None
            if change.expected_version is not None and change.expected_version != state.version:
                conflict = DecisionConflict(
                    change.article_id, change.expected_version, stored_decision(state)
                )
                conflicts.append(conflict)
            todo.append((change, state, conflict))
        if conflicts and not force:
            return DecisionOutcome({}, conflicts, tuple(unchanged))
        applied: dict[int, int] = {}
        rows: list[dict[str, Any]] = []
        for change, state, conflict in todo:
            bumped = conn.execute(
                update(articles)
                .where(articles.c.id == change.article_id)
                .where(articles.c.decision_version == state.version)
                .values(decision_version=articles.c.decision_version + 1)
            )
            if bumped.rowcount != 1:
                raise _LostRace(change.article_id)
            applied[change.article_id] = state.version + 1
            overrode = None
            if conflict is not None:
                overrode = json.dumps(conflict.current.as_json(), ensure_ascii=False)
            rows.append({
                "article_id": change.article_id, "status": change.status,
                "section": change.section, "note": change.note, "analyst": change.analyst,
                "decided_at": now, "source": change.source, "version": state.version + 1,
                "overrode": overrode,
            })  # fmt: skip
        if rows:
            conn.execute(decisions.insert(), rows)
        return DecisionOutcome(applied, conflicts, tuple(unchanged))

    def _article_states(
        self, conn: Connection, ids: Sequence[int], *, lock: bool
    ) -> dict[int, ArticleState]:
        out: dict[int, ArticleState] = {}
        for chunk in _chunks(sorted(set(ids))):
            query = select(
                articles.c.id, articles.c.period, articles.c.section, articles.c.decision_version
            ).where(articles.c.id.in_(chunk))
            if lock and self.dialect == "postgresql":  # two writers at once: one waits
                query = query.with_for_update(of=articles)
            found = conn.execute(query).all()
            latest = decisions_for(conn, [r.id for r in found])
            for r in found:
                out[r.id] = ArticleState(
                    r.id, r.period, r.section, latest.get(r.id), int(r.decision_version)
                )
        return out

    def decision_counts(self) -> dict[str, dict[str, int]]:
        """Per period: how many articles' latest decision is each status."""
        inner = (
            select(articles.c.period, _latest_status().label("status"))
            .where(articles.c.id.in_(select(decisions.c.article_id)))
            .subquery()
        )
        query = select(inner.c.period, inner.c.status, func.count()).group_by(
            inner.c.period, inner.c.status
        )
        out: dict[str, dict[str, int]] = {}
        with self.read() as conn:
            for period, status, n in conn.execute(query):
                out.setdefault(period, {})[status] = int(n)
        return out

    def rules_versions(self, period: str) -> list[str]:
        """The rules versions the period's articles were tagged with."""
        query = (
            select(articles.c.rules_version)
            .where(articles.c.period == period, articles.c.rules_version.is_not(None))
            .distinct()
            .order_by(articles.c.rules_version)
        )
        with self.read() as conn:
            return [str(v) for v in conn.execute(query).scalars()]

    # ------------------------------------------------------------ coverage
    def coverage(self, period: str) -> tuple[list[FeedCoverage], list[OutletCoverage]]:
        """Per feed (all configured feeds) and per outlet: the period's items."""
        relevant = func.count(func.distinct(_relevant_id()))
        per_feed = (
            select(entries.c.feed_id, func.count(func.distinct(articles.c.id)), relevant)
            .join(articles, articles.c.id == entries.c.article_id)
            .where(articles.c.period == period)
            .group_by(entries.c.feed_id)
        )
        per_outlet = (
            select(articles.c.outlet, func.count(articles.c.id), func.count(_relevant_id()))
            .where(articles.c.period == period)
            .group_by(articles.c.outlet)
        )
        with self.read() as conn:
            counts = {fid: (int(n), int(c)) for fid, n, c in conn.execute(per_feed)}
            # A backfill's own feed rows are per period (backfill:<outlet>:<period>):
            # only this period's belong in its coverage.
            own = or_(feeds.c.kind != BACKFILL_KIND, feeds.c.key.endswith(f":{period}"))
            feed_rows = conn.execute(select(feeds).where(own).order_by(feeds.c.key)).all()
            outlets = [OutletCoverage(o, int(n), int(c)) for o, n, c in conn.execute(per_outlet)]
        return [_feed_coverage(r._mapping, counts.get(r.id, (0, 0))) for r in feed_rows], sorted(
            outlets, key=lambda o: o.outlet or ""
        )


def _check_changes(changes: Sequence[DecisionChange]) -> None:
    seen: set[int] = set()
    for c in changes:
        if c.status not in STATUSES:
            raise ValueError(f"article {c.article_id}: status {c.status!r} not in {STATUSES}")
        if c.article_id in seen:
            raise ValueError(f"article {c.article_id} is given twice; one change per article")
        seen.add(c.article_id)


def _relevant_id() -> Any:
    return case((articles.c.relevant.is_(True), articles.c.id), else_=None)


def _feed_coverage(r: RowMapping, counts: tuple[int, int]) -> FeedCoverage:
    return FeedCoverage(
        key=r["key"], url=r["url"], outlet=r["outlet"], state=r["state"],
        enabled=bool(r["enabled"]), error_code=r["last_error_code"], error=r["last_error"],
        last_success=r["last_success"], consecutive_failures=int(r["consecutive_failures"] or 0),
        articles=counts[0], candidates=counts[1],
    )  # fmt: skip
