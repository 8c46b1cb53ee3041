"""Fixtures for the daemon, worker and operations tests."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# `tests.daemon.*` helpers must be importable here and in spawned children.
if str(Path(__file__).resolve().parents[2]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.daemon.feedserver import FeedServer
from tests.daemon.harness import Proc


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer(feeds=3, items=2).start()
    yield server
    server.stop()


@pytest.fixture
def make_server() -> Iterator[Callable[..., FeedServer]]:
    servers: list[FeedServer] = []

    def make(**kwargs: float) -> FeedServer:
        server = FeedServer(**kwargs).start()  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    """Processes a test started; killed (with their session) at teardown."""
    started: list[Proc] = []
    yield started
    for proc in started:
        proc.kill_all()
