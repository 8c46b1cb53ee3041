"""The parse tests share one parse pool; stop it when the session ends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipeline import parse


@pytest.fixture(scope="session", autouse=True)
def _stop_shared_parse_pool() -> Iterator[None]:
    yield
    parse.close_shared_pool()
