"""Backfill against a local site: the ScriptServer, the fake resolver, a real
store on SQLite and Postgres, real extraction and parse pools."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.backfill.runner import Backfill, BackfillReport
from pipeline.backfill.sources import OutletSources, outlet_sources
from pipeline.config import Config
from pipeline.config.feeds_schema import FeedsFile
from pipeline.extract import ExtractorPool
from pipeline.fetch import HttpClient
from pipeline.ingest.cycle import Ingestor
from pipeline.ingest.runtime import fetch_policy
from pipeline.parse import ParserPool
from pipeline.periods import parse_period
from pipeline.store import Store
from tests.fixtures.resolver import FakeResolver
from tests.reliability.scriptserver import ScriptServer

OUTLET = "int_infobae"  # any registered outlet; *.test hosts match no domain


def make_config(
    base: Config,
    feeds: list[dict[str, Any]],
    *,
    backfill: dict[str, Any] | None = None,
    port: int = 0,
) -> Config:
    s = base.settings
    settings = s.model_copy(
        update={
            "allow_hosts": frozenset({f"127.0.0.1:{port}"} if port else ()),
            "fetch": s.fetch.model_copy(
                update={"min_host_interval": 0.0, "deadline": 5.0, "read_timeout": 2.0}
            ),
            "ingest": s.ingest.model_copy(update={"extract_processes": 1}),
            "backfill": s.backfill.model_copy(update=backfill or {}),
        }
    )
    specs = [{"outlet": OUTLET, **f} for f in feeds]
    config = Config(
        settings=settings,
        feeds=FeedsFile.model_validate({"feeds": specs}),
        outlets=base.outlets,
        rules=base.rules,
    )
    config.__dict__["registry"] = base.registry
    config.__dict__["compiled_rules"] = base.compiled_rules
    return config


@dataclass
class Runner:
    """Backfill runs with real pools and a real store; closes what it opened."""

    config: Config
    store: Store
    port: int  # the ScriptServer's; every *.test name resolves to it
    reports: list[BackfillReport] = field(default_factory=list)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self.resolver = FakeResolver(self.port)
        s = self.config.settings
        self.client = HttpClient(fetch_policy(s), resolver=self.resolver)
        self.pool = ExtractorPool(1, deadline_s=s.ingest.extract_deadline, max_tasks_per_child=50)
        self.parser = ParserPool(1, deadline_s=s.ingest.parse_deadline)

    def run(
        self,
        period: str = "2021-08",
        *,
        sources: list[OutletSources] | None = None,
        dry_run: bool = False,
        max_pages: int | None = None,
    ) -> BackfillReport:
        ing = self.ingestor()
        job = Backfill(
            self.config, self.store, ing, self.parser, parse_period(period),
            dry_run=dry_run, max_pages=max_pages,
        )  # fmt: skip
        report = job.run(sources or [outlet_sources(self.config, OUTLET)])
        self.reports.append(report)
        return report

    def ingestor(self) -> Ingestor:
        return Ingestor(
            self.config, self.store, self.client, extractor=self.pool, parser=self.parser,
            clock=self.clock,
        )  # fmt: skip

    def close(self) -> None:
        self.client.close()
        self.pool.close()
        self.parser.close()
        self.resolver.release()

    def scalar(self, sql: str, **params: Any) -> Any:
        from sqlalchemy import text

        with self.store.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar_one()


@pytest.fixture
def runner_for(store: Store, server: ScriptServer, tmp_path: Path) -> Iterator[Any]:
    made: list[Runner] = []

    def make(config: Config) -> Runner:
        r = Runner(config, store, server.port)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()
