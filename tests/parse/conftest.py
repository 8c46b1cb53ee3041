"""One parser pool for the parse tests that need worker processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipeline import parse


@pytest.fixture(scope="session")
def parser() -> Iterator[parse.ParserPool]:
    with parse.ParserPool(1) as pool:
        yield pool
