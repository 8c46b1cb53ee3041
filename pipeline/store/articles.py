"""Articles, their tags, and the analysts' decisions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from pipeline.store.base import StoreBase
from pipeline.store.schema import articles, tags
from pipeline.types import ArticleRecord, ClusterSignature, DuplicateProbe, Tag

_ARTICLE_COLUMNS = {f.name for f in fields(ArticleRecord)} - {"tags"}
_PROBED = {
    "url": articles.c.url_key,
    "alias": articles.c.alias_key,
    "content": articles.c.content_hash,
    "title": articles.c.title_key,
}


def _probe_query(probe: DuplicateProbe) -> Select[Any]:
    q = select(articles.c.id).where(_PROBED[probe.kind] == probe.value)
    if probe.outlet is not None:
        q = q.where(articles.c.outlet == probe.outlet)
    if probe.since is not None:
        q = q.where(articles.c.first_seen >= probe.since)
    return q.limit(1)


def tag_rows(article_id: int, tag_list: Sequence[Tag], rules_version: str) -> list[dict[str, Any]]:
    return [
        {
            "article_id": article_id,
            "kind": t.kind,
            "name": t.name,
            "score": t.score,
            "matches": [asdict(m) for m in t.matches],
            "detail": list(t.detail),
            "rules_version": rules_version,
        }
        for t in tag_list
    ]


class ArticleStore(StoreBase):
    def article_ids_by_url_key(self, keys: Sequence[str]) -> dict[str, int]:
        if not keys:
            return {}
        with self.read() as conn:
            q = select(articles.c.url_key, articles.c.id).where(articles.c.url_key.in_(list(keys)))
            return {k: int(i) for k, i in conn.execute(q)}

    def find_duplicate(self, probes: Sequence[DuplicateProbe]) -> int | None:
        """The first stored article that one of ``probes`` finds, tried in order
        (the dedup chain of :func:`pipeline.article.duplicates.duplicate_probes`)."""
        with self.read() as conn:
            for probe in probes:
                found = conn.execute(_probe_query(probe)).scalar_one_or_none()
                if found is not None:
                    return int(found)
        return None

    def save_article(self, rec: ArticleRecord, entry_ids: Sequence[int], now: datetime) -> int:
        """Insert one article, its tags and the entry links in one transaction.

        If another worker stored the same canonical URL first, the entries are
        linked to that article instead (no duplicate, no IntegrityError).
        """
        from pipeline.store.schema import entries

        values = {name: getattr(rec, name) for name in _ARTICLE_COLUMNS}
        with self.write() as conn:
            stmt = self.insert_ignore(articles).values(**values).returning(articles.c.id)
            inserted = conn.execute(stmt).scalar_one_or_none()
            if inserted is None:
                article_id = self._id_for(conn, rec.url_key)
            else:
                article_id = int(inserted)
                rows = tag_rows(article_id, rec.tags, rec.rules_version or "")
                if rows:
                    conn.execute(tags.insert(), rows)
            if entry_ids:
                conn.execute(
                    entries.update()
                    .where(entries.c.id.in_(list(entry_ids)))
                    .values(state="done", article_id=article_id, updated_at=now)
                )
            return article_id

    @staticmethod
    def _id_for(conn: Connection, url_key: str) -> int:
        q = select(articles.c.id).where(articles.c.url_key == url_key)
        return int(conn.execute(q).scalar_one())

    def recent_signatures(self, since: datetime) -> Iterator[ClusterSignature]:
        """Recent articles with a MinHash signature, oldest first, to rebuild the index."""
        q = (
            select(
                articles.c.id,
                articles.c.cluster_id,
                articles.c.minhash,
                articles.c.outlet,
                articles.c.state_media,
            )
            .where(articles.c.first_seen >= since, articles.c.minhash.is_not(None))
            .order_by(articles.c.id)
        )
        with self.read() as conn:
            for aid, cid, sig, outlet, state in conn.execute(q):
                yield ClusterSignature(int(aid), cid, bytes(sig), outlet, bool(state))

    def count_articles(self, period: str | None = None) -> int:
        q = select(func.count()).select_from(articles)
        if period:
            q = q.where(articles.c.period == period)
        with self.read() as conn:
            return int(conn.execute(q).scalar_one())

    def replace_tags(
        self, article_id: int, tag_list: Sequence[Tag], values: dict[str, Any], rules_version: str
    ) -> None:
        """Re-tagging: new tags and derived columns; decisions are never touched."""
        with self.write() as conn:
            conn.execute(delete(tags).where(tags.c.article_id == article_id))
            rows = tag_rows(article_id, tag_list, rules_version)
            if rows:
                conn.execute(tags.insert(), rows)
            conn.execute(
                articles.update()
                .where(articles.c.id == article_id)
                .values(rules_version=rules_version, **values)
            )
