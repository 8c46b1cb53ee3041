"""Backfill bookkeeping: one disabled feed row per outlet and period to hang its
entries on, and the sitemaps / feed pages already read for a period (resume
points).

A backfill feed's entries belong to the backfill of that period alone: the
normal cycle never claims them (it would store pages without the period
check), and a backfill or heal of another period never takes them (it would
skip them as out of *its* period)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select, true, update

from pipeline.store.feeds import BACKFILL_KIND, FeedStore, entry_row
from pipeline.store.schema import backfill_progress, entries, feeds
from pipeline.types import BackfillStep, EntryRow, NewEntry

BACKFILL_FEED_PREFIX = "backfill:"


def backfill_feed_key(outlet: str, period: str) -> str:
    suffix = f":{period}"
    return f"{BACKFILL_FEED_PREFIX}{outlet}"[: 200 - len(suffix)] + suffix


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


class BackfillStore(FeedStore):
    def backfill_feed(self, outlet: str, period: str, url: str, now: datetime) -> int:
        """The id of the backfill feed row of ``outlet`` in ``period``
        (``backfill:<outlet>:<period>``), made on first use. It is disabled, so
        no cycle ever polls it; feeds.yaml sync leaves it disabled."""
        key = backfill_feed_key(outlet, period)
        with self.write() as conn:
            found = conn.execute(select(feeds.c.id).where(feeds.c.key == key)).scalar()
            if found is not None:
                return int(found)
            stmt = self.insert_ignore(feeds).values(
                key=key, url=url, outlet=outlet, kind=BACKFILL_KIND, enabled=False,
                interval_s=3600, state="ok", created_at=now,
            )  # fmt: skip
            conn.execute(stmt)
            return int(conn.execute(select(feeds.c.id).where(feeds.c.key == key)).scalar_one())

    def backfill_steps(self, period: str, scope: str = "") -> dict[str, BackfillStep]:
        """Steps already done for ``period`` (in ``scope``), by URL."""
        q = select(backfill_progress).where(
            backfill_progress.c.period == period, backfill_progress.c.scope == scope
        )
        with self.read() as conn:
            return {
                r.url: BackfillStep(
                    period=r.period,
                    source=r.source,
                    url=r.url,
                    kind=r.kind,
                    state=r.state,
                    error_code=r.error_code,
                    urls_seen=r.urls_seen,
                    urls_kept=r.urls_kept,
                    scope=r.scope,
                )
                for r in conn.execute(q)
            }

    def record_backfill_step(
        self,
        step: BackfillStep,
        feed_id: int | None,
        new: Sequence[NewEntry],
        via: str,
        now: datetime,
    ) -> int:
        """The step and the entries it found, in ONE transaction (a kill between
        the two would otherwise skip the step's URLs on resume). Returns the
        number of new entries."""
        with self.write() as conn:
            added = 0
            if feed_id is not None and new:
                added = self._insert_entries(conn, feed_id, new, now)
                keys = sorted({e.url_key for e in new})
                for start in range(0, len(keys), 500):
                    conn.execute(
                        update(entries)
                        .where(entries.c.feed_id == feed_id, entries.c.discovered_via.is_(None))
                        .where(entries.c.url_key.in_(keys[start : start + 500]))
                        .values(discovered_via=via)
                    )
            values = {
                "period": step.period, "scope": step.scope, "source": step.source[:200],
                "url": step.url,
                "url_key": url_key(step.url), "kind": step.kind, "state": step.state,
                "error_code": step.error_code, "urls_seen": step.urls_seen,
                "urls_kept": step.urls_kept, "done_at": now,
            }  # fmt: skip
            conn.execute(self.insert_ignore(backfill_progress).values(**values))
            return added

    def queued_backfill_entries(
        self,
        feed_ids: Sequence[int],
        now: datetime,
        limit: int,
        window: tuple[datetime, datetime] | None = None,
    ) -> list[EntryRow]:
        """Queued entries of the given backfill feeds, oldest first; with
        ``window``, only those dated inside it or undated (a heal fetches its
        gap's pages, not what a backfill of the whole period left queued)."""
        if not feed_ids:
            return []
        dated = (
            or_(
                entries.c.published.is_(None),
                and_(entries.c.published >= window[0], entries.c.published < window[1]),
            )
            if window is not None
            else true()
        )
        query = (
            select(
                entries, feeds.c.outlet.label("feed_outlet"), feeds.c.language.label("feed_lang")
            )
            .join(feeds, feeds.c.id == entries.c.feed_id)
            .where(entries.c.feed_id.in_(list(feed_ids)), entries.c.state == "queued", dated)
            .where(or_(entries.c.next_attempt.is_(None), entries.c.next_attempt <= now))
            .where(or_(entries.c.lease_until.is_(None), entries.c.lease_until <= now))
            .order_by(entries.c.id)
            .limit(limit)
        )
        with self.read() as conn:
            return [entry_row(r._mapping) for r in conn.execute(query)]

    def backfill_entry_states(self, feed_ids: Sequence[int]) -> dict[str, int]:
        """Entries of backfill feeds by state (for the summary)."""
        if not feed_ids:
            return {}
        q = (
            select(entries.c.state, func.count())
            .where(entries.c.feed_id.in_(list(feed_ids)))
            .group_by(entries.c.state)
        )
        with self.read() as conn:
            return {str(s): int(n) for s, n in conn.execute(q)}
