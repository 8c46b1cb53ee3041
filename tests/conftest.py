"""Shared fixtures: the store on SQLite and on a real Postgres server, and a
tripwire that fails any test connecting outside loopback.

Postgres: ``VRIC_TEST_PG_URL`` names a server/database we may use as admin
(``.ci/run`` sets it); without it we try the local server at 127.0.0.1:5432.
Each xdist worker creates its own throwaway database and drops it at the end.
Under ``CI=true`` an unreachable Postgres is an error, never a skip.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.store import Store

# base_config and server for the suites run against the scripted local server.
pytest_plugins = ["tests.fixtures.scripted"]

PG_ADMIN_URL = os.environ.get("VRIC_TEST_PG_URL") or (
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ALL_TABLES = (
    "tags, decisions, entries, articles, feeds, runs, backfill_progress, feed_gaps,"
    " login_attempts, web_sessions, users, story_splits, stories"
)
REPO = Path(__file__).resolve().parents[1]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", maxsplit=1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in the tests may leave the machine (RELIABILITY §3.3)."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(sock: socket.socket, address: object) -> None:
        inet = sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple)
        if inet and not _is_loopback(str(address[0])):  # type: ignore[index]
            raise AssertionError(f"test tried to connect outside loopback: {address}")

    def connect(self: socket.socket, address: object) -> None:
        check(self, address)
        real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        check(self, address)
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


def _admin_exec(sql: str) -> None:
    import psycopg

    url = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)  # type: ignore[call-overload]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    name = f"vric_t_{uuid.uuid4().hex[:10]}"
    try:
        _admin_exec(f"CREATE DATABASE {name}")
    except Exception as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Postgres is required under CI but unreachable: {exc}")
        pytest.skip(f"no Postgres server reachable at {PG_ADMIN_URL}: {exc}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    Store(url).upgrade()
    yield url
    _admin_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _clean_pg(store: Store) -> None:
    from sqlalchemy import text

    with store.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {ALL_TABLES} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store on each backend."""
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'test.db'}")
        s.upgrade()
    else:
        s = Store(request.getfixturevalue("pg_url"))
        _clean_pg(s)
    yield s
    s.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL on each backend (for subprocess tests)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        Store(url).upgrade()
        yield url
    else:
        url = request.getfixturevalue("pg_url")
        s = Store(url)
        _clean_pg(s)
        s.close()
        yield url
