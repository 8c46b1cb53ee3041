"""Curation reads and writes: the near-duplicate cluster map that lets an export
stream, the candidates of a bundle, analyst decisions applied in one
transaction, decision counts per period, and per-feed / per-outlet coverage."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.engine import Connection, RowMapping

from pipeline.store.reading import (
    BATCH,
    VIEW_COLUMNS,
    ArticleView,
    DecisionView,
    ReadingStore,
    decisions_for,
)
from pipeline.store.schema import articles, decisions, entries, feeds

CHUNK = 500  # ids per IN (...) clause: well under SQLite's and Postgres's parameter limits


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
        .order_by(decisions.c.decided_at.desc(), decisions.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _period_filter(period: str, relevant_only: bool) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [articles.c.period == period]
    if relevant_only:
        conds.append(articles.c.relevant.is_(True))
    return conds


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
        """Bundle candidates: relevant articles, plus any an analyst included."""
        decided = select(decisions.c.article_id)
        query = (
            select(*VIEW_COLUMNS)
            .where(articles.c.period == period)
            .where(or_(articles.c.relevant.is_(True), articles.c.id.in_(decided)))
            .order_by(articles.c.published_at, articles.c.id)
        )
        with self.read() as conn:
            result = conn.execution_options(yield_per=BATCH).execute(query)
            for batch in result.partitions(BATCH):
                for view in self._views(conn, [dict(r._mapping) for r in batch]):
                    if view.relevant or (view.decision and view.decision.status == "included"):
                        yield view

    # ------------------------------------------------------------ decisions
    def apply_decisions(
        self,
        ids: Sequence[int],
        planner: Callable[[Mapping[int, ArticleState]], Sequence[dict[str, Any]]],
        *,
        dry_run: bool = False,
    ) -> int:
        """Read the articles' state, let ``planner`` decide, append its rows: one transaction.

        ``planner`` raises to refuse the whole file; nothing is written then.
        With ``dry_run`` the plan is computed on the same state and discarded.
        Returns the number of decision rows appended (or that would be).
        """
        opener = self.read if dry_run else self.write
        with opener() as conn:
            rows = planner(self._article_states(conn, ids, lock=not dry_run))
            if rows and not dry_run:
                conn.execute(decisions.insert(), list(rows))
            return len(rows)

    def _article_states(
        self, conn: Connection, ids: Sequence[int], *, lock: bool
    ) -> dict[int, ArticleState]:
        out: dict[int, ArticleState] = {}
        for chunk in _chunks(sorted(set(ids))):
            query = select(articles.c.id, articles.c.period, articles.c.section).where(
                articles.c.id.in_(chunk)
            )
            if lock and self.dialect == "postgresql":  # two imports at once: one waits
                query = query.with_for_update(of=articles)
            found = conn.execute(query).all()
            latest = decisions_for(conn, [r.id for r in found])
            for r in found:
                out[r.id] = ArticleState(r.id, r.period, r.section, latest.get(r.id))
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
            feed_rows = conn.execute(select(feeds).order_by(feeds.c.key)).all()
            outlets = [OutletCoverage(o, int(n), int(c)) for o, n, c in conn.execute(per_outlet)]
        return [_feed_coverage(r._mapping, counts.get(r.id, (0, 0))) for r in feed_rows], sorted(
            outlets, key=lambda o: o.outlet or ""
        )


def _relevant_id() -> Any:
    return case((articles.c.relevant.is_(True), articles.c.id), else_=None)


def _feed_coverage(r: RowMapping, counts: tuple[int, int]) -> FeedCoverage:
    return FeedCoverage(
        key=r["key"], url=r["url"], outlet=r["outlet"], state=r["state"],
        enabled=bool(r["enabled"]), error_code=r["last_error_code"], error=r["last_error"],
        last_success=r["last_success"], consecutive_failures=int(r["consecutive_failures"] or 0),
        articles=counts[0], candidates=counts[1],
    )  # fmt: skip
