"""Engine ownership, transactions, error mapping and the runs table."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.sql import Insert
from sqlalchemy.sql.schema import Table

from pipeline.errors import StoreError
from pipeline.store import migrate
from pipeline.store.engine import READONLY, OpenMode, make_engine
from pipeline.store.schema import runs

logger = logging.getLogger(__name__)


def classify_db_error(exc: BaseException) -> str:
    """Map a driver error to a stable code (db_busy, disk_full, io_error, db_unavailable)."""
    msg = str(exc).lower()
    if "locked" in msg or "lock timeout" in msg or "could not obtain lock" in msg:
        return "db_busy"
    if "disk is full" in msg or "no space left" in msg or "could not extend file" in msg:
        return "disk_full"
    if "disk i/o error" in msg or "file too large" in msg or "readonly database" in msg:
        return "io_error"
    return "db_unavailable"


def insert_ignore(dialect: str, table: Table) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING on both backends."""
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    return insert(table)


class StoreBase:
    def __init__(
        self, url: str, *, engine: Engine | None = None, mode: OpenMode = "create"
    ) -> None:
        """``mode``: ``create`` may make the SQLite file; ``write`` and ``read``
        need it to exist (:class:`~pipeline.errors.NoDatabase`); ``read`` opens it
        read-only (see :mod:`pipeline.store.engine`)."""
        self.url = url
        self.mode = mode
        self.engine = engine or make_engine(url, mode=mode)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------ schema
    def upgrade(self) -> None:
        with self._mapped_errors():
            migrate.upgrade(self.engine)

    def check_schema(self) -> None:
        with self._mapped_errors():
            migrate.check_schema(self.engine)

    @contextmanager
    def _mapped_errors(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, DBAPIError) as exc:
            code = classify_db_error(exc)
            raise StoreError(code, f"store: {exc.__class__.__name__}: {exc.orig}") from exc

    # ------------------------------------------------------------ transactions
    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (BEGIN IMMEDIATE on SQLite); errors mapped."""
        with self._mapped_errors(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction that never blocks writers."""
        with self._mapped_errors(), self.engine.connect() as raw:
            conn = raw.execution_options(**{READONLY: True})
            with conn.begin():
                yield conn

    def insert_ignore(self, table: Table) -> Insert:
        """INSERT ... ON CONFLICT DO NOTHING on both backends."""
        return insert_ignore(self.dialect, table)

    # ------------------------------------------------------------ runs
    def start_run(self, kind: str, worker: str | None, now: datetime) -> int:
        with self.write() as conn:
            result = conn.execute(
                insert(runs).values(kind=kind, worker=worker, started_at=now, status="running")
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def finish_run(
        self,
        run_id: int,
        now: datetime,
        status: str,
        counts: dict[str, Any],
        errors: dict[str, int],
    ) -> None:
        with self.write() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(finished_at=now, status=status, counts=counts, errors=errors)
            )

    def recent_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        with self.read() as conn:
            rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit))
            return [dict(r._mapping) for r in rows]
