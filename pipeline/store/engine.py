"""Engines for SQLite (default) and Postgres, set up for a long-running writer.

SQLite: WAL, a busy timeout, foreign keys on, and ``BEGIN IMMEDIATE`` for
every write transaction: a deferred transaction that reads and then writes
fails at once with "database is locked" under a concurrent writer, whatever
the timeout (RELIABILITY S4). Read-only connections (exports, status) begin
deferred so they never block the writer.

Open modes (:data:`OpenMode`), so that a command that only reads can never
invent a database: ``create`` (``init``, ``db upgrade``, ``run``, ``daemon``,
``worker``, ``demo``: the SQLite file and its folder are made when missing),
``write`` (the file must exist) and ``read`` (the file must exist and is
opened read-only, ``mode=ro``; on Postgres every transaction is read-only).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url

from pipeline.errors import NoDatabase

SQLITE_BUSY_TIMEOUT_MS = 5000
READONLY = "vric_readonly"
OpenMode = Literal["create", "write", "read"]
OPEN_MODES: tuple[OpenMode, ...] = ("create", "write", "read")


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(
    url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, mode: OpenMode = "create"
) -> Engine:
    if mode not in OPEN_MODES:
        raise ValueError(f"unknown open mode {mode!r}")
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout_ms, mode)
    # A conflicting lock or a runaway query fails instead of hanging a cycle.
    options = "-c lock_timeout=5000 -c statement_timeout=120000"
    if mode == "read":
        options += " -c default_transaction_read_only=on"
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args={"options": options}
    )


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (``file:`` URIs too); None in memory."""
    database = make_url(url).database or ""
    database = database.removeprefix("file:").split("?", 1)[0]
    if not database or database == ":memory:" or "mode=memory" in url:
        return None
    return Path(database)


def missing_database(path: Path) -> NoDatabase:
    return NoDatabase(f"no database at {path}; run `vric init` to create it")


def _sqlite_engine(url: str, busy_timeout_ms: int, mode: OpenMode) -> Engine:
    path = sqlite_file(url)
    readonly = mode == "read" or "mode=ro" in url
    kwargs: dict[str, Any] = {"connect_args": {"timeout": busy_timeout_ms / 1000}}
    if path is not None and mode == "create" and not readonly:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif path is not None and not path.is_file():
        raise missing_database(path)
    if path is not None and mode == "read":
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        timeout = busy_timeout_ms / 1000
        kwargs = {
            "creator": lambda: sqlite3.connect(
                uri, uri=True, timeout=timeout, check_same_thread=False
            )
        }
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (pysqlite recipe)
        cur = dbapi_conn.cursor()
        if not readonly:  # a reader never changes the journal mode (it cannot)
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        deferred = readonly or conn.get_execution_options().get(READONLY, False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    return engine
