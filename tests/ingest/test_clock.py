"""The cycle's clock reaches every stage: a simulated clock (benchmarks, replays)
decides when each feed is due next, not the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.config import DEFAULTS_DIR, load_config
from pipeline.store import Store

T0 = datetime(2021, 8, 20, 12, 0, tzinfo=UTC)


def test_feeds_are_scheduled_from_the_clock_the_ingestor_was_given(tmp_path: Path) -> None:
    from pipeline.demo.cycle import demo_config
    from pipeline.demo.server import DemoServer
    from pipeline.ingest.runtime import ingestor

    store = Store(f"sqlite:///{tmp_path / 'clock.db'}")
    store.upgrade()
    with DemoServer() as server:
        config = demo_config(load_config({"VRIC_CONFIG_DIR": str(DEFAULTS_DIR)}), server, tmp_path)
        with ingestor(config, store, resolver=server.resolve, clock=lambda: T0) as ing:
            ing.sync_feeds()
            report = ing.run_once()
            with pytest.raises(AttributeError):
                ing.clock = lambda: T0 + timedelta(days=1)  # type: ignore[misc]
    feeds = store.feeds()
    store.close()
    assert report.feeds_polled == len(feeds) > 0
    for feed in feeds:
        assert feed.next_due is not None and T0 < feed.next_due < T0 + timedelta(days=2)
