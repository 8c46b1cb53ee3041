"""Leases: how several workers share the feeds and the article queue.

A worker *claims* work in one short transaction and commits at once; it never
holds a row lock across network I/O (RELIABILITY 1.8, #113). A claim writes
``lease_owner`` and ``lease_until`` on the rows; other workers skip rows whose
lease has not expired, so a killed worker's rows come back after the lease.

- Postgres: ``SELECT id ... FOR UPDATE SKIP LOCKED`` on the queue table only
  (no join in the locking query, glenjamin/postgres-skip-locked-surprise), then
  ``UPDATE ... SET lease_*`` on exactly those ids, in the same transaction.
- SQLite: the same statements inside ``BEGIN IMMEDIATE`` (the store's write
  transaction), which serialises claimers.

Fetching a feed moves its ``next_due`` forward in the same transaction as its
entries, so a feed whose lease is released after the fetch is not due again.

Session advisory locks (Postgres) also live here because only the store talks
to the database: :meth:`LeaseStore.advisory_lock` guards singleton jobs
(maintenance, bundle) and serialises ``sync_feeds`` between workers.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

from pipeline.errors import StoreError
from pipeline.store.base import StoreBase, classify_db_error
from pipeline.store.feeds import backfill_feed_ids, entry_row, feed_row
from pipeline.store.schema import entries, feeds
from pipeline.types import EntryRow, FeedRow

logger = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a lock name."""
    digest = hashlib.sha256(f"vric:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class LeaseStore(StoreBase):
    # ------------------------------------------------------------ claims
    def claim_feeds(self, owner: str, now: datetime, lease_s: float, limit: int) -> list[FeedRow]:
        """Lease up to ``limit`` due feeds whose lease is free; committed on return."""
        free = or_(feeds.c.lease_until.is_(None), feeds.c.lease_until <= now)
        pick = (
            select(feeds.c.id)
            .where(feeds.c.enabled.is_(True), feeds.c.state != "gone", free)
            .where(or_(feeds.c.next_due.is_(None), feeds.c.next_due <= now))
            .order_by(feeds.c.next_due.is_(None).desc(), feeds.c.next_due, feeds.c.id)
            .limit(limit)
        )
        with self.write() as conn:
            ids = self._lock_ids(conn, pick)
            if not ids:
                return []
            self._lease(conn, feeds, ids, owner, now + timedelta(seconds=lease_s))
            rows = conn.execute(select(feeds).where(feeds.c.id.in_(ids)).order_by(feeds.c.id))
            return [feed_row(r._mapping) for r in rows]

    def claim_entries(
        self, owner: str, now: datetime, lease_s: float, limit: int
    ) -> list[EntryRow]:
        """Lease up to ``limit`` queued entries, plus the queued entries that share
        their article URL (so one worker fetches each page); committed on return.
        Entries of backfill feeds are left to the backfill of their period."""
        due = (
            entries.c.state == "queued",
            entries.c.feed_id.not_in(backfill_feed_ids()),  # a backfill's own queue
            or_(entries.c.next_attempt.is_(None), entries.c.next_attempt <= now),
            or_(entries.c.lease_until.is_(None), entries.c.lease_until <= now),
        )
        pick = select(entries.c.id).where(*due).order_by(entries.c.id).limit(limit)
        with self.write() as conn:
            ids = self._lock_ids(conn, pick)
            if not ids:
                return []
            keys = list(
                conn.execute(select(entries.c.url_key).where(entries.c.id.in_(ids))).scalars()
            )
            siblings = select(entries.c.id).where(*due, entries.c.url_key.in_(keys))
            ids = sorted(set(ids) | set(self._lock_ids(conn, siblings)))
            self._lease(conn, entries, ids, owner, now + timedelta(seconds=lease_s))
            return self._entry_rows(conn, ids)

    def _lock_ids(self, conn: Connection, pick: Select[Any]) -> list[int]:
        if self.dialect == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        return [int(i) for (i,) in conn.execute(pick)]

    @staticmethod
    def _lease(
        conn: Connection, table: Any, ids: Sequence[int], owner: str, until: datetime
    ) -> None:
        conn.execute(
            update(table)
            .where(table.c.id.in_(list(ids)))
            .values(lease_owner=owner, lease_until=until)
        )

    @staticmethod
    def _entry_rows(conn: Connection, ids: Sequence[int]) -> list[EntryRow]:
        query = (
            select(
                entries, feeds.c.outlet.label("feed_outlet"), feeds.c.language.label("feed_lang")
            )
            .join(feeds, feeds.c.id == entries.c.feed_id)
            .where(entries.c.id.in_(list(ids)))
            .order_by(entries.c.id)
        )
        return [entry_row(r._mapping) for r in conn.execute(query)]

    # ------------------------------------------------------------ release
    def release_leases(self, owner: str | None) -> int:
        """Drop the leases of ``owner`` (None: every lease; only for a sole runner)."""
        count = 0
        with self.write() as conn:
            for table in (feeds, entries):
                stmt = update(table).where(table.c.lease_owner.is_not(None))
                if owner is not None:
                    stmt = stmt.where(table.c.lease_owner == owner)
                result = conn.execute(stmt.values(lease_owner=None, lease_until=None))
                count += result.rowcount or 0
        return count

    def lease_holders(self, now: datetime) -> list[dict[str, Any]]:
        """Live leases per owner: ``{owner, feeds, entries, until}``."""
        holders: dict[str, dict[str, Any]] = {}
        with self.read() as conn:
            for name, table in (("feeds", feeds), ("entries", entries)):
                query = (
                    select(table.c.lease_owner, func.count(), func.max(table.c.lease_until))
                    .where(table.c.lease_owner.is_not(None), table.c.lease_until > now)
                    .group_by(table.c.lease_owner)
                )
                for owner, n, until in conn.execute(query):
                    row = holders.setdefault(
                        owner, {"owner": owner, "feeds": 0, "entries": 0, "until": until}
                    )
                    row[name] = int(n)
                    row["until"] = max(row["until"], until)
        return sorted(holders.values(), key=lambda h: str(h["owner"]))

    # ------------------------------------------------------------ advisory locks
    @contextmanager
    def advisory_lock(self, name: str, *, wait: bool = False) -> Iterator[bool]:
        """A Postgres session advisory lock on a dedicated connection.

        Yields whether the lock was obtained (always True with ``wait``). The
        session lock dies with the process, so a killed holder frees it at once.
        Not in a transaction while held: no "idle in transaction" session.
        On SQLite it yields True: callers use a file lock there.
        """
        if self.dialect != "postgresql":
            yield True
            return
        key = lock_key(name)
        try:
            conn = self.engine.connect()
        except DBAPIError as exc:
            raise StoreError(classify_db_error(exc), f"store: {exc.orig}") from exc
        got = False
        try:
            got = self._take_advisory(conn, key, wait)
            yield got
        finally:
            self._drop_advisory(conn, key, got)

    @staticmethod
    def _take_advisory(conn: Connection, key: int, wait: bool) -> bool:
        try:
            sql = "SELECT pg_advisory_lock(:k), true" if wait else "SELECT pg_try_advisory_lock(:k)"
            row = conn.execute(text(sql), {"k": key}).first()
            conn.commit()
        except DBAPIError as exc:
            conn.invalidate()
            raise StoreError(classify_db_error(exc), f"store: {exc.orig}") from exc
        return bool(row and row[-1])

    @staticmethod
    def _drop_advisory(conn: Connection, key: int, got: bool) -> None:
        try:
            if got:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        except DBAPIError:
            # Never hand a connection that may still hold the lock back to the pool.
            conn.invalidate()
            logger.warning("advisory unlock failed; connection discarded")
        finally:
            conn.close()

    def advisory_holder(self, name: str) -> dict[str, Any] | None:
        """Who holds a session advisory lock: backend pid, client address, since."""
        if self.dialect != "postgresql":
            return None
        key = lock_key(name) & 0xFFFFFFFFFFFFFFFF
        query = text(
            "SELECT a.pid, a.client_addr, a.backend_start, a.application_name "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :hi "
            "AND l.objid = :lo AND l.objsubid = 1"
        )
        with self.read() as conn:
            row = conn.execute(query, {"hi": key >> 32, "lo": key & 0xFFFFFFFF}).first()
        if row is None:
            return None
        return {
            "pid": row[0],
            "host": str(row[1] or "local socket"),
            "since": row[2],
            "application": row[3] or "",
        }
