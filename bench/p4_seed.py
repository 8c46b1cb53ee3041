"""Fill a store with many realistic articles fast (for P4).

Article records are assembled once from corpus articles (real tags,
outlets, languages and dedup keys through ``pipeline.article.assemble``), then
copied under new ids, URLs, dates and periods with batched Core inserts:
articles with their text, tags with their explanations, one or two feed
entries each, near-duplicate clusters, and a few analyst decisions. Seeding
is setup, never measured.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select

from bench.corpus import Corpus
from pipeline.article.assemble import AssembleContext, PageOutcome, assemble
from pipeline.article.identity import sha256
from pipeline.config import Config
from pipeline.periods import parse_period
from pipeline.store import Store
from pipeline.store.articles import tag_rows
from pipeline.store.schema import articles, decisions, entries, feeds, tags
from pipeline.types import ArticleRecord, EntryRow, ExtractedPage

TARGET_PERIOD: Final = "2021-08"
OTHER_PERIODS: Final = (
    "2020-12",
    "2021-02",
    "2021-04",
    "2021-06",
    "2021-10",
    "2021-12",
    "2022-02",
    "2022-04",
    "2022-06",
    "2022-08",
)
FEEDS: Final = 60
BATCH: Final = 1000
_ARTICLE_COLUMNS: Final = {f.name for f in fields(ArticleRecord)} - {"tags"}


def templates(config: Config, count: int, seed: int) -> list[ArticleRecord]:
    """``count`` assembled records from corpus articles (no HTML: the text is known)."""
    corpus = Corpus(count, seed)
    ctx = AssembleContext(registry=config.registry, rules=config.compiled_rules)
    now = datetime(2021, 10, 1, tzinfo=UTC)
    out = []
    for spec in corpus.specs():
        page = ExtractedPage(
            status="ok",
            text=spec.text,
            title=spec.title,
            author=spec.author,
            date_raw=spec.published.isoformat(),
            html_lang=spec.language,
        )
        entry = EntryRow(
            spec.index,
            1,
            spec.url,
            sha256(spec.url),
            spec.title,
            spec.lead,
            0,
            now,
            published=spec.published,
            author=spec.author,
        )
        out.append(assemble(entry, PageOutcome(spec.url, page, None, None, now), ctx, now))
    return out


@dataclass
class Seeder:
    """Adds articles to a store in id order; ``grow_to(n)`` is idempotent."""

    store: Store
    records: Sequence[ArticleRecord]
    target_size: int  # articles in TARGET_PERIOD (the first ids)
    seed: int = 7
    _tags: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def count(self) -> int:
        with self.store.read() as conn:
            return int(conn.execute(select(func.count()).select_from(articles)).scalar_one())

    def grow_to(self, total: int) -> None:
        if self.count() == 0:
            self._feeds()
        start = self.count() + 1
        for first in range(start, total + 1, BATCH):
            ids = range(first, min(total, first + BATCH - 1) + 1)
            self._insert(ids)
        self.store.optimize()

    def _feeds(self) -> None:
        now = datetime(2020, 12, 1, tzinfo=UTC)
        rows = [
            {
                "id": i,
                "key": f"bench-feed-{i}",
                "url": f"http://feeds{i}.example.com/rss",
                "outlet": "unknown",
                "kind": "rss",
                "interval_s": 3600,
                "state": "ok",
                "created_at": now,
            }
            for i in range(1, FEEDS + 1)
        ]
        with self.store.write() as conn:
            conn.execute(feeds.insert(), rows)

    def _insert(self, ids: Sequence[int]) -> None:
        art, tag, ent, dec = [], [], [], []
        for i in ids:
            _, row = self._article(i)
            art.append(row)
            tag += [{**t, "article_id": i} for t in self._tag_rows(i % len(self.records))]
            ent += list(self._entries(i, row))
            dec += list(self._decisions(i, row))
        with self.store.write() as conn:
            conn.execute(articles.insert(), art)
            conn.execute(tags.insert(), tag)
            conn.execute(entries.insert(), ent)
            if dec:
                conn.execute(decisions.insert(), dec)

    def _tag_rows(self, template: int) -> list[dict[str, Any]]:
        cached = self._tags.get(template)
        if cached is None:
            rec = self.records[template]
            cached = self._tags[template] = tag_rows(0, rec.tags, rec.rules_version or "")
        return cached

    def period_of(self, i: int) -> str:
        if i <= self.target_size:
            return TARGET_PERIOD
        return OTHER_PERIODS[(i - self.target_size) % len(OTHER_PERIODS)]

    def _article(self, i: int) -> tuple[ArticleRecord, dict[str, Any]]:
        rng = random.Random(f"{self.seed}:row:{i}")
        rec = self.records[i % len(self.records)]
        period = parse_period(self.period_of(i))
        published = period.start + timedelta(seconds=rng.randrange(59 * 86_400))
        url = f"{rec.canonical_url.rsplit('.', 1)[0]}-r{i}.html"
        row = {name: getattr(rec, name) for name in _ARTICLE_COLUMNS}
        row |= {
            "id": i,
            "url_key": sha256(url),
            "canonical_url": url,
            "original_url": url,
            "alias_key": sha256(f"alias:{url}"),
            "published_at": published,
            "first_seen": published + timedelta(minutes=rng.randrange(5, 240)),
            "fetched_at": published + timedelta(minutes=rng.randrange(5, 240)),
            "period": period.name,
            "content_hash": hashlib.sha256(f"{i}".encode()).hexdigest(),
            "cluster_id": self._cluster(i),
            "minhash": None,
            # title_key is a String(64) column but dedup.title_key is the folded title,
            # often longer: Postgres refuses it (reported). Seed a 64-character digest.
            "title_key": sha256(rec.title_key or ""),
            # decide() and the queue rely on it: each decision row bumps this by one
            "decision_version": 1 if self._decided(i) else 0,
        }
        return rec, row

    @staticmethod
    def _cluster(i: int) -> int | None:
        """One article in ten belongs to a cluster of up to four neighbours."""
        block = (i - 1) // 40
        offset = (i - 1) % 40
        return block * 40 + 1 if offset < 4 else None

    def _entries(self, i: int, row: dict[str, Any]) -> Iterator[dict[str, Any]]:
        copies = 2 if i % 10 == 0 else 1
        for c in range(copies):
            feed_id = (i * 7 + c * 13) % FEEDS + 1
            yield {
                "feed_id": feed_id,
                "key": sha256(f"{row['canonical_url']}:{c}"),
                "url": row["canonical_url"],
                "url_key": row["url_key"],
                "title": row["title"],
                "summary": row["summary"],
                "discovered_at": row["first_seen"],
                "state": "done",
                "attempts": 1,
                "article_id": i,
                "updated_at": row["first_seen"],
            }

    @staticmethod
    def _decided(i: int) -> bool:
        return i % 33 == 0

    def _decisions(self, i: int, row: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if not self._decided(i):
            return
        status = ("included", "excluded", "candidate")[i % 3]
        yield {
            "article_id": i,
            "status": status,
            "section": None,
            "analyst": "bench",
            "note": "seeded decision",
            "decided_at": row["first_seen"] + timedelta(days=3),
            "version": 1,
        }
