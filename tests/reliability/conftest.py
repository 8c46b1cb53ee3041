"""Fixtures for the cross-stage reliability tests: a scriptable loopback
server, the fake resolver, a controllable clock and a harness that runs real
ingest cycles (``Ingestor.run_once``) into a real store.

Every host name in these tests ends in ``.test``; the fake resolver maps it to
the script server, so URLs carry no port and no packet leaves 127.0.0.1.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from pipeline.config import Config
from pipeline.config.feeds_schema import FeedsFile
from pipeline.extract import ExtractorPool
from pipeline.fetch import HttpClient
from pipeline.ingest.cycle import CycleReport, Ingestor
from pipeline.ingest.runtime import fetch_policy
from pipeline.parse import ParserPool
from pipeline.store import Store
from tests.fixtures.resolver import FakeResolver
from tests.reliability.scriptserver import ScriptServer

REPO = Path(__file__).resolve().parents[2]
START = datetime(2021, 8, 16, 9, 0, tzinfo=UTC)  # inside the 2021-08 period
FEED_OUTLET = "int_infobae"  # any registered outlet id; hosts *.test match none


def pytest_report_header() -> list[str]:
    """Library versions several expectations depend on (RELIABILITY 3.8, E78)."""
    import importlib.metadata as md
    import pyexpat
    import sqlite3

    def version(name: str) -> str:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return "absent"

    names = ("feedparser", "httpx", "httpcore", "h11", "lxml", "trafilatura", "chardet",
             "charset-normalizer", "SQLAlchemy", "psycopg", "hypothesis")  # fmt: skip
    libs = ", ".join(f"{n} {version(n)}" for n in names)
    return [f"reliability: {libs}, expat {pyexpat.EXPAT_VERSION}, sqlite {sqlite3.sqlite_version}"]


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'rel.db'}")
    s.upgrade()
    yield s
    s.close()


class Clock:
    """A clock the test moves by hand; the Ingestor reads it for ``now``."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_config(
    base: Config,
    server_port: int,
    feeds: list[dict[str, Any]],
    *,
    fetch: dict[str, Any] | None = None,
    ingest: dict[str, Any] | None = None,
    allow: tuple[str, ...] = (),
) -> Config:
    """The shipped outlets and rules, the given feeds, settings for fast tests."""
    specs = [{"outlet": FEED_OUTLET, "interval": 60, **f} for f in feeds]
    s = base.settings
    fetch_s = s.fetch.model_copy(
        update={
            "min_host_interval": 0.0,
            "deadline": 5.0,
            "connect_timeout": 2.0,
            "read_timeout": 2.0,
            "respect_robots": False,
            **(fetch or {}),
        }
    )
    ingest_s = s.ingest.model_copy(
        update={"extract_processes": 1, "parse_deadline": 10.0, **(ingest or {})}
    )
    settings = s.model_copy(
        update={
            "allow_hosts": frozenset({f"127.0.0.1:{server_port}", *allow}),
            "fetch": fetch_s,
            "ingest": ingest_s,
        }
    )
    config = Config(
        settings=settings,
        feeds=FeedsFile.model_validate({"feeds": specs}),
        outlets=base.outlets,
        rules=base.rules,
    )
    # The registry and compiled rules do not depend on feeds or settings: reuse them.
    config.__dict__["registry"] = base.registry
    config.__dict__["compiled_rules"] = base.compiled_rules
    return config


@dataclass(repr=False)
class Harness:
    """Real cycles against the script server; the clock moves only on request."""

    config: Config
    store: Store
    server: ScriptServer
    clock: Clock = field(default_factory=Clock)
    reports: list[CycleReport] = field(default_factory=list)
    _client: HttpClient | None = None
    _pool: ExtractorPool | None = None
    _parser: ParserPool | None = None

    def __post_init__(self) -> None:
        self.resolver = FakeResolver(self.server.port)
        s = self.config.settings
        self._client = HttpClient(fetch_policy(s), resolver=self.resolver)
        self._pool = ExtractorPool(1, deadline_s=s.ingest.extract_deadline, max_tasks_per_child=50)
        self._parser = ParserPool(1, deadline_s=s.ingest.parse_deadline)

    def ingestor(self) -> Ingestor:
        assert self._client is not None and self._pool is not None and self._parser is not None
        return Ingestor(
            self.config,
            self.store,
            self._client,
            extractor=self._pool,
            parser=self._parser,
            clock=self.clock,
        )

    def run(self) -> CycleReport:
        report = self.ingestor().run_once()
        self.reports.append(report)
        return report

    def run_later(self, hours: float = 2.0) -> CycleReport:
        """Move the clock past every feed's interval and retry time, then run."""
        self.clock.advance(hours=hours)
        return self.run()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._pool is not None:
            self._pool.close()
        if self._parser is not None:
            self._parser.close()
        self.resolver.release()

    # -- ground truth from the database
    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.store.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql), params)]

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.store.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar_one()


MakeHarness = Callable[..., Harness]


@pytest.fixture
def make_harness(base_config: Config, server: ScriptServer) -> Iterator[MakeHarness]:
    made: list[Harness] = []

    def make(store: Store, feeds: list[dict[str, Any]], **settings: Any) -> Harness:
        config = make_config(base_config, server.port, feeds, **settings)
        harness = Harness(config, store, server)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()
