"""Wiring: build the store, HTTP client, extractor pool and ingestor from the
configuration. Shared by the CLI, the daemon and the workers so that they
cannot drift apart; holds no stage logic."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pipeline.config import Config
from pipeline.config.settings import Settings
from pipeline.extract import ExtractorPool
from pipeline.fetch import FetchPolicy, HttpClient
from pipeline.fetch.policy import policy_from_settings
from pipeline.ingest.cycle import Ingestor
from pipeline.store import OpenMode, Store

Resolver = Callable[[str, int], list[tuple[str, int]]]


def fetch_policy(settings: Settings) -> FetchPolicy:
    return policy_from_settings(settings.fetch, settings.allow_hosts)


def open_store(settings: Settings, *, check: bool = True, mode: OpenMode = "create") -> Store:
    """The configured store. Commands that only read pass ``mode="read"``, the
    ones that change an existing database ``"write"``: neither creates a file."""
    store = Store(settings.database_url, mode=mode)
    if check:
        store.check_schema()
    return store


def extract_processes(settings: Settings) -> int:
    return settings.ingest.extract_processes or max(1, os.cpu_count() or 1)


@contextmanager
def ingestor(
    config: Config,
    store: Store,
    *,
    resolver: Resolver | None = None,
    worker: str | None = None,
) -> Iterator[Ingestor]:
    """An Ingestor with its client and process pool, closed on exit."""
    s = config.settings
    with (
        HttpClient(fetch_policy(s), resolver=resolver) as client,
        ExtractorPool(
            extract_processes(s),
            deadline_s=s.ingest.extract_deadline,
            max_tasks_per_child=s.ingest.extract_recycle_after,
        ) as pool,
    ):
        yield Ingestor(config, store, client, extractor=pool, worker=worker)
