"""Wiring: build the store, HTTP client, the parser and extractor pools and
the ingestor from the configuration. Shared by the CLI, the daemon and the workers so that they
cannot drift apart; holds no stage logic.

The stages are imported where they are built, not at import time: ``vric
export`` and ``vric bundle`` come here for :func:`open_store` only and must not
pay for trafilatura, feedparser and the HTTP client (docs/benchmarks.md, P5).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pipeline.config import Config
from pipeline.config.settings import Settings

if TYPE_CHECKING:
    from datetime import datetime

    from pipeline.fetch import FetchPolicy
    from pipeline.ingest.cycle import Ingestor
    from pipeline.parse import ParserPool
    from pipeline.store import OpenMode, Store

Resolver = Callable[[str, int], list[tuple[str, int]]]


def fetch_policy(settings: Settings) -> FetchPolicy:
    from pipeline.fetch.policy import policy_from_settings

    return policy_from_settings(settings.fetch, settings.allow_hosts)


def open_store(settings: Settings, *, check: bool = True, mode: OpenMode = "create") -> Store:
    """The configured store. Commands that only read pass ``mode="read"``, the
    ones that change an existing database ``"write"``: neither creates a file."""
    from pipeline.store import Store

    store = Store(settings.database_url, mode=mode)
    if check:
        store.check_schema()
    return store


PARSE_PROCESSES = 2  # feeds parse in a fraction of a page's time; two keep the cores busy


def extract_processes(settings: Settings) -> int:
    return settings.ingest.extract_processes or max(1, os.cpu_count() or 1)


def parser_pool(settings: Settings) -> ParserPool:
    from pipeline.parse import ParserPool

    return ParserPool(
        PARSE_PROCESSES,
        deadline_s=settings.ingest.parse_deadline,
        max_tasks_per_child=settings.ingest.parse_recycle_after,
    )


@contextmanager
def ingestor(
    config: Config,
    store: Store,
    *,
    resolver: Resolver | None = None,
    owner: str | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Iterator[Ingestor]:
    """An Ingestor with its client and process pools, closed on exit.

    ``owner`` names the process on its runs and leases; ``clock`` (default: the
    wall clock) is what the cycle reads the time from.
    """
    from pipeline.extract import ExtractorPool
    from pipeline.fetch import HttpClient
    from pipeline.ingest.articles import assemble_context
    from pipeline.ingest.cycle import Ingestor, utcnow

    s = config.settings
    with (
        HttpClient(fetch_policy(s), resolver=resolver) as client,
        parser_pool(s) as parser,
        ExtractorPool(
            extract_processes(s),
            deadline_s=s.ingest.extract_deadline,
            max_tasks_per_child=s.ingest.extract_recycle_after,
            context=assemble_context(config),  # the pool processes assemble articles
        ) as pool,
    ):
        yield Ingestor(
            config, store, client, extractor=pool, parser=parser, owner=owner,
            clock=clock or utcnow,
        )  # fmt: skip
