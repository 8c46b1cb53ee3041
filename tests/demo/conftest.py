"""Fixtures for the demo corpus and server: one server per module, plain http.client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipeline.demo import DemoServer, Manifest, load_manifest


@pytest.fixture(scope="session")
def manifest() -> Manifest:
    return load_manifest()


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer() as running:
        yield running
