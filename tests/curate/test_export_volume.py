"""The export streams: its peak memory (tracemalloc) does not grow with the
number of rows (RELIABILITY 138). Slow: it bulk-loads 22,000 articles."""

from __future__ import annotations

import hashlib
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from pipeline.curate.export import export_period
from pipeline.store import Store
from pipeline.store.schema import articles, tags

T0 = datetime(2021, 8, 1, tzinfo=UTC)
MATCH = [
    {"term": "Rusia", "field": "title", "start": 0, "end": 5, "snippet": "Rusia y", "weight": 2.0}
]


def _article(i: int, period: str) -> dict[str, Any]:
    url = f"https://www.infobae.com/america/{period}/nota-{i}/"
    return {
        "id": i,
        "url_key": hashlib.sha256(url.encode()).hexdigest(),
        "canonical_url": url,
        "original_url": url,
        "title": f"Rusia y Venezuela firman el acuerdo número {i}",
        "published_at": T0 + timedelta(seconds=i * 200),
        "date_source": "feed",
        "first_seen": T0,
        "period": period,
        "extraction_status": "ok",
        "outlet": "int_infobae",
        "domain": "www.infobae.com",
        "relevant": True,
        "score": float(i % 7),
        "section": "russia",
        "language": "es",
        "summary": "Resumen. " * 40,
        "text": "Texto. " * 300,
        "cluster_id": i // 2 if i % 10 < 4 else None,  # 20 % of the items in pairs
    }


def _load(store: Store, period: str, first: int, n: int) -> None:
    rows = [_article(i, period) for i in range(first, first + n)]
    tag_rows = [
        {
            "article_id": r["id"],
            "kind": k,
            "name": v,
            "score": 2.0,
            "matches": MATCH,
            "detail": [],
            "rules_version": "r1",
        }
        for r in rows
        for k, v in (("actor", "russia"), ("topic", "energy"))
    ]
    with store.engine.begin() as conn:
        for i in range(0, n, 2000):
            conn.execute(insert(articles), rows[i : i + 2000])
        for i in range(0, len(tag_rows), 5000):
            conn.execute(insert(tags), tag_rows[i : i + 5000])


def _peak(store: Store, period: str, out: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        rows = export_period(store, period, out).rows
        return rows, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_export_memory_does_not_grow_with_rows(store: Store, tmp_path: Path) -> None:
    _load(store, "2021-06", 10, 2_000)
    _load(store, "2021-08", 10_010, 20_000)
    small_rows, small = _peak(store, "2021-06", tmp_path / "small.csv")
    big_rows, big = _peak(store, "2021-08", tmp_path / "big.csv")
    assert (small_rows, big_rows) == (1_600, 16_000)  # pairs collapsed to one row
    # Ten times the rows: the peak grows only by the cluster map (a few hundred KB).
    assert big < small + 4 * 2**20, (small, big)
    assert big < 32 * 2**20
