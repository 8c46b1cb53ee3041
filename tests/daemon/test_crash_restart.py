"""kill -9 at each crash point, then a clean restart: nothing committed is lost,
nothing is stored twice, the database is intact (RELIABILITY #125, §3.5)."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import Any

import pytest

from pipeline.crashpoints import CRASH_POINTS
from pipeline.store import Store
from tests.daemon.feedserver import FeedServer
from tests.daemon.harness import (
    REPO,
    Proc,
    cycle_runs,
    duplicates,
    start_vric,
    vric_env,
    wait_for,
    write_config,
)

FAST = {"after_feed_batch"}  # one point in the fast tier; the whole loop is slow


def _reachable(point: str) -> bool:
    """Points inside the orchestrator exist only once its calls are in place."""
    sources = tuple((REPO / "pipeline" / "ingest").glob("*.py"))
    return any(re.search(rf"crashpoint\(\s*[\"']{point}[\"']", p.read_text()) for p in sources)


def _params() -> list[Any]:
    out = []
    for point in CRASH_POINTS:
        marks = [] if point in FAST else [pytest.mark.slow]
        if not _reachable(point):
            marks.append(pytest.mark.skip(reason=f"no crashpoint({point!r}) call yet"))
        out.append(pytest.param(point, marks=marks))
    return out


@pytest.mark.parametrize("point", _params())
def test_kill_at_a_crash_point_then_restart(
    point: str, tmp_path: Path, feed_server: FeedServer, procs: list[Proc]
) -> None:
    urls = [feed_server.url(p) for p in feed_server.feed_paths()]
    config = write_config(tmp_path / "config", urls)
    url = f"sqlite:///{tmp_path / 'vric.db'}"
    store = Store(url)
    store.upgrade()
    env = vric_env(config, url, feed_server.host)
    crashing = start_vric(
        ["daemon", "--interval", "1"], env | {"VRIC_CRASH_AT": point}, tmp_path / "crash.log"
    )
    procs.append(crashing)
    assert wait_for(lambda: cycle_runs(store, "crashed"), 40), crashing.log()[-3000:]
    crashing.signal(signal.SIGTERM)
    assert crashing.wait(35) == 0  # the supervisor survived its cycles being killed
    committed = store.count_articles()
    clean = start_vric(["daemon", "--interval", "1"], env, tmp_path / "clean.log")
    procs.append(clean)
    expected = len(feed_server.article_paths())
    assert wait_for(
        lambda: (
            cycle_runs(store, "ok")
            and store.count_articles() == expected
            and store.queue_depth() == 0
        ),
        40,
    ), clean.log()[-3000:]
    clean.signal(signal.SIGTERM)
    assert clean.wait(35) == 0
    assert store.integrity_ok()
    assert duplicates(store) == (0, 0)
    assert committed <= expected
    assert not cycle_runs(store, "running")  # killed cycles' runs were closed
    assert all(f.last_success is not None for f in store.feeds())
