"""Alembic, driven from code: ``vric init`` / ``vric db upgrade`` and the
start-up check that the database is at the code's head revision."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from pipeline.errors import SchemaMismatch

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
PG_MIGRATION_LOCK = 0x56524943  # "VRIC": serialises concurrent upgrades on Postgres


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations; two processes upgrading at once are serialised."""
    with _migration_lock(engine) as conn:
        command.upgrade(alembic_config(conn), revision)


def check_schema(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaMismatch(
            f"store: database is at revision {current or 'none'}, this code needs {head}; "
            "run `vric db upgrade` (or `vric init` for a new database)"
        )


@contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    """SQLite: an flock beside the database file for the whole upgrade, so a
    second upgrade cannot start between two migrations of the first."""
    from pipeline.store.engine import sqlite_file

    path = sqlite_file(engine.url.render_as_string(hide_password=False))
    if engine.dialect.name != "sqlite" or path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".migrate.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    with _file_lock(engine), engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_MIGRATION_LOCK})
            conn.commit()
        try:
            yield conn
        finally:
            if engine.dialect.name == "postgresql":
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_MIGRATION_LOCK})
                conn.commit()
