"""Shared helpers for the article-stage tests (parse, extract, dates, dedup...)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline import parse

HERE = Path(__file__).parent
FEEDS = HERE / "feeds"
PAGES = HERE / "fixtures"


def load_expected(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture(scope="session", autouse=True)
def _stop_shared_parse_pool() -> Iterator[None]:
    yield
    parse.close_shared_pool()
