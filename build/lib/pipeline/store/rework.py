"""Re-applying automation to stored articles: retag, reflag, reextract, and
the registry's blind spots. Analyst decisions are never read or written here."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from pipeline.store.base import StoreBase
from pipeline.store.reading import TagView, tags_for
from pipeline.store.schema import articles

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


_TEXT_COLUMNS = [
    articles.c.id, articles.c.canonical_url.label("url"), articles.c.title, articles.c.summary,
    articles.c.text, articles.c.language, articles.c.outlet, articles.c.state_media,
    articles.c.controlling_state, articles.c.cap_policy, articles.c.published_at,
    articles.c.relevant, articles.c.section, articles.c.score, articles.c.rules_version,
]  # fmt: skip


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
                    m = dict(r._mapping)
                    m["summary"], m["text"] = m["summary"] or "", m["text"] or ""
                    yield StoredText(**m)

    def stored_tags(self, ids: list[int]) -> dict[int, list[TagView]]:
        with self.read() as conn:
            return dict(tags_for(conn, ids))

    def update_article(self, article_id: int, values: dict[str, Any]) -> None:
        with self.write() as conn:
            conn.execute(update(articles).where(articles.c.id == article_id).values(**values))

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
