"""Streaming reads for exports and bundles: one period's articles with their
tags, current decision and cluster, in batches (memory does not grow with
the period's size)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, func, select
from sqlalchemy.engine import Connection

from pipeline.store.base import StoreBase
from pipeline.store.schema import articles, decisions, entries, feeds, tags

BATCH = 500
LEAD_CHARS = 800  # the start of the text: the digest's summary when there is no description

# The articles columns an ArticleView is read from (also by store.curation).
VIEW_COLUMNS = [
    articles.c.id,
    articles.c.period,
    articles.c.section,
    articles.c.score,
    articles.c.relevant,
    articles.c.title,
    articles.c.outlet,
    articles.c.domain,
    articles.c.state_media,
    articles.c.controlling_state,
    articles.c.cap_policy,
    articles.c.syndicated_from,
    articles.c.language,
    articles.c.published_at,
    articles.c.canonical_url,
    articles.c.is_opinion,
    articles.c.opinion_reason,
    articles.c.cluster_id,
    articles.c.summary,
    articles.c.extraction_status,
    articles.c.date_source,
    articles.c.author,
    articles.c.decision_version.label("version"),
    func.substr(articles.c.text, 1, LEAD_CHARS).label("lead"),
    articles.c.story_id,
]


@dataclass(frozen=True)
class TagView:
    kind: str
    name: str
    score: float
    matches: tuple[dict[str, Any], ...]
    detail: tuple[str, ...] = ()


@dataclass(frozen=True)
class DecisionView:
    status: str
    section: str | None
    analyst: str
    note: str | None
    decided_at: datetime
    version: int = 0  # the article's decision revision this decision created


@dataclass(frozen=True)
class ArticleView:
    """One stored article as exports and bundles see it."""

    id: int
    period: str
    section: str | None
    score: float
    relevant: bool
    title: str
    outlet: str | None
    domain: str | None
    state_media: bool
    controlling_state: str
    cap_policy: str | None
    syndicated_from: str | None
    language: str | None
    published_at: datetime
    url: str
    is_opinion: bool
    opinion_reason: str | None
    cluster_id: int | None
    summary: str | None
    extraction_status: str
    date_source: str
    author: str | None
    tags: tuple[TagView, ...] = ()
    decision: DecisionView | None = None
    feeds: tuple[str, ...] = field(default=())
    version: int = 0  # the article's decision revision (0 = never decided): what an
    # export writes and an import or the workbench sends back to detect a conflict
    story_id: int | None = None  # the story across outlets (None: one outlet reported it)
    reported_by: tuple[str, ...] = ()  # outlets of the story's other reports (not its copies)
    lead: str | None = None  # the first LEAD_CHARS characters of the extracted text

    def tag_names(self, kind: str) -> list[str]:
        return [t.name for t in self.tags if t.kind == kind]

    @property
    def cluster_key(self) -> int:
        return self.cluster_id if self.cluster_id is not None else self.id


class ReadingStore(StoreBase):
    def iter_period(self, period: str, *, relevant_only: bool = True) -> Iterator[ArticleView]:
        """Articles of one period in a stable order (published, id), streamed."""
        with self.read() as conn:
            query = select(*VIEW_COLUMNS).where(articles.c.period == period)
            if relevant_only:
                query = query.where(articles.c.relevant.is_(True))
            query = query.order_by(articles.c.published_at, articles.c.id)
            result = conn.execution_options(yield_per=BATCH).execute(query)
            for batch in result.partitions(BATCH):
                yield from self._views(conn, [dict(r._mapping) for r in batch])

    def articles_by_ids(self, ids: Sequence[int]) -> list[ArticleView]:
        with self.read() as conn:
            rows = conn.execute(select(*VIEW_COLUMNS).where(articles.c.id.in_(list(ids))))
            return self._views(conn, [dict(r._mapping) for r in rows])

    def _views(
        self, conn: Connection, rows: list[dict[str, Any]], *, with_matches: bool = True
    ) -> list[ArticleView]:
        ids = [r["id"] for r in rows]
        tag_map = tags_for(conn, ids, with_matches=with_matches)
        decision_map = decisions_for(conn, ids)
        feed_map = _feeds_for(conn, ids)
        reports = _story_reports(conn, {r["story_id"] for r in rows if r["story_id"] is not None})
        out = []
        for r in rows:
            url = r.pop("canonical_url")
            out.append(
                ArticleView(
                    url=url,
                    tags=tuple(tag_map.get(r["id"], ())),
                    decision=decision_map.get(r["id"]),
                    feeds=tuple(feed_map.get(r["id"], ())),
                    reported_by=reported_by(r, reports.get(r["story_id"], ())),
                    **r,
                )
            )
        return out

    def periods_summary(self) -> list[dict[str, Any]]:
        """Per period: articles, candidates (relevant), decided articles."""
        decided = select(decisions.c.article_id).distinct().subquery()
        query = (
            select(
                articles.c.period,
                func.count(articles.c.id),
                func.sum(func.cast(articles.c.relevant, Integer)),
                func.count(decided.c.article_id),
            )
            .select_from(articles.outerjoin(decided, decided.c.article_id == articles.c.id))
            .group_by(articles.c.period)
            .order_by(articles.c.period)
        )
        with self.read() as conn:
            return [
                {"period": p, "articles": int(n), "candidates": int(c or 0), "decided": int(d)}
                for p, n, c, d in conn.execute(query)
            ]

    def decisions_for_period(self, period: str) -> list[dict[str, Any]]:
        """Every decision (the audit trail) on articles of one period, oldest first."""
        query = (
            select(decisions, articles.c.title, articles.c.canonical_url)
            .join(articles, articles.c.id == decisions.c.article_id)
            .where(articles.c.period == period)
            .order_by(decisions.c.decided_at, decisions.c.id)
        )
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


def tags_for(
    conn: Connection,
    ids: list[int],
    *,
    with_matches: bool = True,
    kinds: Sequence[str] | None = None,
) -> dict[int, list[TagView]]:
    """The stored tags of these articles, strongest first (also used by rework).

    ``with_matches=False`` leaves out each tag's match explanations (``matches``
    empty): they are most of a view's memory and of its decoding time, and only
    the export's ``why`` column and rework read them. ``kinds`` keeps those kinds.
    """
    out: dict[int, list[TagView]] = defaultdict(list)
    if not ids:
        return out
    columns = [tags.c.article_id, tags.c.kind, tags.c.name, tags.c.score, tags.c.detail]
    query = (
        select(*columns, *([tags.c.matches] if with_matches else []))
        .where(tags.c.article_id.in_(ids))
        .order_by(tags.c.article_id, tags.c.score.desc(), tags.c.name)
    )
    if kinds is not None:
        query = query.where(tags.c.kind.in_(list(kinds)))
    for aid, kind, name, score, detail, *matches in conn.execute(query):
        found = tuple(matches[0] or ()) if matches else ()
        out[aid].append(TagView(kind, name, score, found, tuple(detail or ())))
    return out


def decisions_for(conn: Connection, ids: list[int]) -> dict[int, DecisionView]:
    """The latest analyst decision of each of these articles that has one."""
    out: dict[int, DecisionView] = {}
    if not ids:
        return out
    query = (
        select(decisions)
        .where(decisions.c.article_id.in_(ids))
        .order_by(decisions.c.article_id, func.coalesce(decisions.c.version, 0), decisions.c.id)
    )
    for r in conn.execute(query):  # the latest decision (the highest version) wins
        out[r.article_id] = DecisionView(
            r.status, r.section, r.analyst, r.note, r.decided_at, int(r.version or 0)
        )
    return out


def _story_reports(conn: Connection, story_ids: set[int]) -> dict[int, list[tuple[int, str]]]:
    """Story id → ``(cluster key, outlet)`` of every member."""
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if not story_ids:
        return out
    query = (
        select(articles.c.story_id, articles.c.id, articles.c.cluster_id, articles.c.outlet,
               articles.c.domain)
        .where(articles.c.story_id.in_(sorted(story_ids)))
        .order_by(articles.c.story_id, articles.c.id)
    )  # fmt: skip
    for sid, aid, cluster, outlet, domain in conn.execute(query):
        out[sid].append((aid if cluster is None else cluster, outlet or domain or "?"))
    return out


def reported_by(row: dict[str, Any], members: Sequence[tuple[int, str]]) -> tuple[str, ...]:
    """The outlets of the story's other reports: not the row's own outlet, nor the
    copies in its own near-duplicate cluster (those are ``also_published_by``)."""
    own_key = row["id"] if row["cluster_id"] is None else row["cluster_id"]
    own = row["outlet"] or row["domain"] or "?"
    return tuple(sorted({o for key, o in members if key != own_key} - {own}))


def _feeds_for(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return out
    query = (
        select(entries.c.article_id, feeds.c.key)
        .join(feeds, feeds.c.id == entries.c.feed_id)
        .where(entries.c.article_id.in_(ids))
        .distinct()
        .order_by(entries.c.article_id, feeds.c.key)
    )
    for aid, key in conn.execute(query):
        out[aid].append(key)
    return out
