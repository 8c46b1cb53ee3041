"""Engines for SQLite (default) and Postgres, set up for a long-running writer.

SQLite: WAL, a busy timeout, foreign keys on, and ``BEGIN IMMEDIATE`` for
every write transaction: a deferred transaction that reads and then writes
fails at once with "database is locked" under a concurrent writer, whatever
the timeout (RELIABILITY S4). Read-only connections (exports, status) begin
deferred so they never block the writer.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url

SQLITE_BUSY_TIMEOUT_MS = 5000
READONLY = "vric_readonly"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout_ms)
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        # A conflicting lock or a runaway query fails instead of hanging a cycle.
        connect_args={"options": "-c lock_timeout=5000 -c statement_timeout=120000"},
    )


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (``file:`` URIs too); None in memory."""
    database = make_url(url).database or ""
    database = database.removeprefix("file:").split("?", 1)[0]
    if not database or database == ":memory:" or "mode=memory" in url:
        return None
    return Path(database)


def _sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    path = sqlite_file(url)
    if path is not None and "mode=ro" not in url:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (pysqlite recipe)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        readonly = conn.get_execution_options().get(READONLY, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine
