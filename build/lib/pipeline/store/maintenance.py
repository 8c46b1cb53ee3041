"""Nightly upkeep and size figures: raw-HTML retention, SQLite checkpoint and
VACUUM or Postgres ANALYZE, database size, integrity check."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.exc import DBAPIError

from pipeline.errors import StoreError
from pipeline.store.base import StoreBase, classify_db_error
from pipeline.store.engine import sqlite_file
from pipeline.store.schema import articles, feeds

logger = logging.getLogger(__name__)


class MaintenanceStore(StoreBase):
    @property
    def sqlite_path(self) -> Path | None:
        """The database file on SQLite (None for Postgres or an in-memory database)."""
        if self.dialect != "sqlite":
            return None
        return sqlite_file(self.engine.url.render_as_string(hide_password=False))

    def purge_raw_html(self, now: datetime) -> int:
        """Drop stored raw HTML whose retention has ended; returns the rows touched."""
        expired = and_(articles.c.raw_html.is_not(None), articles.c.raw_expires <= now)
        with self.write() as conn:
            result = conn.execute(
                update(articles).where(expired).values(raw_html=None, raw_expires=None)
            )
            return int(result.rowcount or 0)

    def optimize(self, *, vacuum: bool = False) -> None:
        """SQLite: checkpoint and truncate the WAL, ``PRAGMA optimize``, VACUUM if
        asked. Postgres: ANALYZE (VACUUM is autovacuum's job)."""
        try:
            if self.dialect == "sqlite":
                self._optimize_sqlite(vacuum)
            elif self.dialect == "postgresql":
                with self.engine.connect() as plain:
                    auto = plain.execution_options(isolation_level="AUTOCOMMIT")
                    auto.execute(text("ANALYZE"))
        except DBAPIError as exc:
            raise StoreError(classify_db_error(exc), f"store: maintenance: {exc.orig}") from exc

    def _optimize_sqlite(self, vacuum: bool) -> None:
        # The raw driver connection runs in autocommit (isolation_level None):
        # VACUUM and wal_checkpoint refuse to run inside a transaction.
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            if vacuum:
                cur.execute("VACUUM")
            cur.execute("PRAGMA optimize")  # may write statistics: before the checkpoint
            busy, _, _ = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            cur.close()
            if busy:
                logger.warning("wal checkpoint could not finish: a reader was active")
        finally:
            raw.close()

    def database_size(self) -> int | None:
        """Bytes on disk: the SQLite file plus its WAL, or ``pg_database_size``."""
        path = self.sqlite_path
        if path is not None:
            parts = (path, path.with_name(path.name + "-wal"))
            return sum(p.stat().st_size for p in parts if p.exists())
        if self.dialect != "postgresql":
            return None
        with self.read() as conn:
            return int(
                conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )

    def integrity_ok(self) -> bool:
        """``PRAGMA integrity_check`` on SQLite; Postgres has no equivalent (True)."""
        if self.dialect != "sqlite":
            return True
        with self.read() as conn:
            return [r[0] for r in conn.execute(text("PRAGMA integrity_check"))] == ["ok"]

    def failing_feed_count(self) -> int:
        """Enabled feeds whose last attempt failed."""
        query = (
            select(func.count())
            .select_from(feeds)
            .where(feeds.c.enabled.is_(True), feeds.c.consecutive_failures > 0)
        )
        with self.read() as conn:
            return int(conn.execute(query).scalar_one())
