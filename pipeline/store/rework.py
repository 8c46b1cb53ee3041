"""Re-applying automation to stored articles: retag, reflag, reextract, and
the registry's blind spots. Analyst decisions are never read or written here."""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from pipeline.store.articles import tag_rows
from pipeline.store.base import StoreBase
from pipeline.store.feeds import entry_row
from pipeline.store.reading import TagView, tags_for
from pipeline.store.schema import articles, entries, feeds, tags
from pipeline.types import ArticleRecord, EntryRow, OutletColumns

BATCH = 200


@dataclass(frozen=True)
class StoredText:
    """What re-tagging and re-flagging need of one article."""

    id: int
    url: str
    title: str
    summary: str
    text: str
    language: str | None
    outlet: str | None
    state_media: bool
    controlling_state: str
    cap_policy: str | None
    published_at: datetime
    relevant: bool
    section: str | None
    score: float
    rules_version: str | None
    source_url: str | None = None  # the aggregator link of its first entry, if any


@dataclass(frozen=True)
class StoredPage:
    """An article whose raw HTML was kept, with the entry it came from (re-extraction)."""

    article: StoredText
    entry: EntryRow
    html: bytes
    fetched_at: datetime | None


_SOURCE_URL = (
    select(entries.c.source_url)
    .where(entries.c.article_id == articles.c.id, entries.c.source_url.is_not(None))
    .order_by(entries.c.id)
    .limit(1)
    .scalar_subquery()
    .label("source_url")
)


@dataclass(frozen=True)
class ArticleText:
    """One article's fields as stored, for the workbench's article page."""

    id: int
    title: str
    summary: str  # "" when none
    text: str  # "" when none
    language: str | None
    syndication_evidence: str | None


_TEXT_COLUMNS = [
    articles.c.id, articles.c.canonical_url.label("url"), articles.c.title, articles.c.summary,
    articles.c.text, articles.c.language, articles.c.outlet, articles.c.state_media,
    articles.c.controlling_state, articles.c.cap_policy, articles.c.published_at,
    articles.c.relevant, articles.c.section, articles.c.score, articles.c.rules_version,
    _SOURCE_URL,
]  # fmt: skip


def _stored_text(m: dict[str, Any]) -> StoredText:
    m["summary"], m["text"] = m["summary"] or "", m["text"] or ""
    return StoredText(**m)


def _entry_of(article: StoredText, first_seen: datetime) -> EntryRow:
    """An article without a stored entry (imported by hand): its own fields stand in."""
    return EntryRow(
        id=0, feed_id=0, url=article.url, url_key="", title=article.title,
        summary=article.summary, attempts=0, discovered_at=first_seen,
        published=article.published_at, source_url=article.source_url,
    )  # fmt: skip


class ReworkStore(StoreBase):
    def iter_texts(self, period: str | None = None) -> Iterator[StoredText]:
        """Stored articles (of one period or all), streamed in id order."""
        query = select(*_TEXT_COLUMNS).order_by(articles.c.id)
        if period:
            query = query.where(articles.c.period == period)
        with self.read() as conn:
            result = conn.execution_options(yield_per=BATCH).execute(query)
            for batch in result.partitions(BATCH):
                for r in batch:
                    yield _stored_text(dict(r._mapping))

    def article_text(self, article_id: int) -> ArticleText | None:
        """The stored title, summary, text and syndication evidence of one article."""
        query = select(
            articles.c.id, articles.c.title, articles.c.summary, articles.c.text,
            articles.c.language, articles.c.syndication_evidence,
        ).where(articles.c.id == article_id)  # fmt: skip
        with self.read() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        m = dict(row._mapping)
        m["summary"], m["text"] = m["summary"] or "", m["text"] or ""
        return ArticleText(**m)

    def stored_tags(self, ids: list[int]) -> dict[int, list[TagView]]:
        with self.read() as conn:
            return dict(tags_for(conn, ids))

    def update_outlet(self, article_id: int, columns: OutletColumns) -> None:
        """``reflag``: the registry's columns of one article."""
        with self.write() as conn:
            stmt = update(articles).where(articles.c.id == article_id)
            conn.execute(stmt.values(**asdict(columns)))

    def refresh_article(
        self, article_id: int, record: ArticleRecord, columns: Sequence[str]
    ) -> None:
        """``reextract``: ``columns`` of ``record`` and its tags, in one transaction;
        decisions are never touched."""
        values = {name: getattr(record, name) for name in columns}
        with self.write() as conn:
            conn.execute(update(articles).where(articles.c.id == article_id).values(**values))
            conn.execute(delete(tags).where(tags.c.article_id == article_id))
            rows = tag_rows(article_id, record.tags, record.rules_version or "")
            if rows:
                conn.execute(tags.insert(), rows)

    def rework_pages(self, period: str) -> Iterator[StoredPage]:
        """The period's articles whose raw HTML was kept, with their first entry."""
        query = (
            select(
                *_TEXT_COLUMNS, articles.c.raw_html, articles.c.fetched_at, articles.c.first_seen
            )
            .where(articles.c.period == period, articles.c.raw_html.is_not(None))
            .order_by(articles.c.id)
        )
        with self.read() as conn:
            result = conn.execution_options(yield_per=BATCH).execute(query)
            for batch in result.partitions(BATCH):
                rows = [dict(r._mapping) for r in batch]
                with self.read() as other:
                    first = _first_entries(other, [int(m["id"]) for m in rows])
                for m in rows:
                    raw, fetched, seen = m.pop("raw_html"), m.pop("fetched_at"), m.pop("first_seen")
                    article = _stored_text(m)
                    entry = first.get(article.id) or _entry_of(article, seen)
                    yield StoredPage(article, entry, zlib.decompress(bytes(raw)), fetched)

    def unknown_domains(self, period: str | None = None) -> list[dict[str, Any]]:
        """Domains of stored articles that no registry entry matched."""
        query = (
            select(articles.c.domain, func.count(), func.max(articles.c.published_at))
            .where(articles.c.outlet.is_(None), articles.c.domain.is_not(None))
            .group_by(articles.c.domain)
            .order_by(func.count().desc(), articles.c.domain)
        )
        if period:
            query = query.where(articles.c.period == period)
        with self.read() as conn:
            return [
                {"domain": d, "articles": int(n), "newest": newest}
                for d, n, newest in conn.execute(query)
            ]

    def raw_pages(self, period: str) -> Iterator[tuple[int, str, bytes]]:
        """``(id, url, html)`` of the period's articles whose raw HTML was kept."""
        query = (
            select(articles.c.id, articles.c.canonical_url, articles.c.raw_html)
            .where(articles.c.period == period, articles.c.raw_html.is_not(None))
            .order_by(articles.c.id)
        )
        with self.read() as conn:
            result = conn.execution_options(yield_per=BATCH).execute(query)
            for batch in result.partitions(BATCH):
                for aid, url, raw in batch:
                    yield int(aid), url, zlib.decompress(bytes(raw))


def _first_entries(conn: Connection, article_ids: list[int]) -> dict[int, EntryRow]:
    """The oldest entry of each article, as the queue handed it to ingest."""
    query = (
        select(entries, feeds.c.outlet.label("feed_outlet"), feeds.c.language.label("feed_lang"))
        .join(feeds, feeds.c.id == entries.c.feed_id)
        .where(entries.c.article_id.in_(article_ids))
        .order_by(entries.c.id)
    )
    first: dict[int, EntryRow] = {}
    for r in conn.execute(query):
        first.setdefault(int(r.article_id), entry_row(r._mapping))
    return first
