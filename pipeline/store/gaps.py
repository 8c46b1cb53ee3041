"""Feed gaps: written when a feed succeeds after too long, read for coverage
(``vric status``, the bundle's coverage.csv) and for the daemon's heal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from pipeline.sources.gaps import Gap, closed_gap, hours_within, open_gap
from pipeline.store.base import StoreBase
from pipeline.store.schema import feed_gaps, feeds
from pipeline.types import FeedUpdate


def note_gaps(conn: Connection, updates: Sequence[tuple[int, FeedUpdate]]) -> None:
    """Inside the fetch transaction of distinct feeds, before their rows are
    updated: record the gap each success ends, if any (one read of the rows)."""
    ended = {feed_id: upd.success_at for feed_id, upd in updates if upd.success_at is not None}
    if not ended:
        return
    q = select(feeds.c.id, feeds.c.last_success, feeds.c.consecutive_failures,
               feeds.c.interval_s).where(feeds.c.id.in_(list(ended)))  # fmt: skip
    rows = {row.id: row for row in conn.execute(q)}
    found = []
    for feed_id, success_at in ended.items():
        prev = rows.get(feed_id)
        if prev is None:
            continue
        gap = closed_gap(prev.last_success, prev.consecutive_failures or 0, success_at,
                         prev.interval_s or 3600)  # fmt: skip
        if gap is not None:
            found.append({"feed_id": feed_id, "start": gap.start, "end": gap.end,
                          "reason": gap.reason})  # fmt: skip
    if found:
        conn.execute(feed_gaps.insert(), found)


class GapStore(StoreBase):
    def feed_gaps(
        self, start: datetime, end: datetime, now: datetime | None
    ) -> dict[str, list[Gap]]:
        """Per feed key: its gaps overlapping ``[start, end)``, the open one included
        (up to ``now``; with None, up to the feed's last attempt, so that a bundle
        read twice from the same database says the same)."""
        q = (
            select(feed_gaps.c.start, feed_gaps.c.end, feed_gaps.c.reason, feeds.c.key)
            .join(feeds, feeds.c.id == feed_gaps.c.feed_id)
            .where(feed_gaps.c.end > start, feed_gaps.c.start < end)
        )
        found: dict[str, list[Gap]] = defaultdict(list)
        with self.read() as conn:
            for g in conn.execute(q):
                found[g.key].append(Gap(g.start, g.end, g.reason))
            rows = conn.execute(
                select(feeds.c.key, feeds.c.last_success, feeds.c.created_at,
                       feeds.c.interval_s, feeds.c.last_attempt)
                .where(feeds.c.enabled.is_(True))
            ).all()  # fmt: skip
        for r in rows:
            until = now or r.last_attempt
            if until is None:
                continue
            gap = open_gap(r.last_success, r.created_at, r.interval_s or 3600, until)
            if gap is not None and gap.end > start and gap.start < end:
                found[r.key].append(gap)
        return dict(found)

    def gap_hours(
        self, start: datetime, end: datetime, now: datetime | None = None
    ) -> dict[str, float]:
        """Per feed key: hours of ``[start, end)`` (up to ``now``) it was failing or
        not polled."""
        stop = min(end, now) if now is not None else end
        return {
            key: hours
            for key, gaps in self.feed_gaps(start, end, now).items()
            if (hours := hours_within(gaps, start, stop)) > 0
        }

    def unhealed_gaps(self, min_hours: float) -> list[dict[str, Any]]:
        """Closed gaps longer than ``min_hours`` that no backfill has healed yet."""
        q = (
            select(feed_gaps.c.id, feed_gaps.c.start, feed_gaps.c.end, feeds.c.key,
                   feeds.c.outlet)
            .join(feeds, feeds.c.id == feed_gaps.c.feed_id)
            .where(feed_gaps.c.healed_at.is_(None))
            .order_by(feed_gaps.c.id)
        )  # fmt: skip
        with self.read() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
        return [r for r in rows if (r["end"] - r["start"]).total_seconds() / 3600 > min_hours]

    def mark_gap_healed(self, gap_id: int, now: datetime) -> None:
        with self.write() as conn:
            conn.execute(update(feed_gaps).where(feed_gaps.c.id == gap_id).values(healed_at=now))
