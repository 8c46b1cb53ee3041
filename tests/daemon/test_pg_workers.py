"""Three ``vric worker`` processes on a real Postgres against one counting feed
server (RELIABILITY #111-#113): every feed fetched exactly once per cycle, no
article stored twice, no transaction open across HTTP, and a worker killed
mid-run loses nothing."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from pipeline.store import Store
from tests.daemon.feedserver import FeedServer
from tests.daemon.harness import Proc, duplicates, start_vric, vric_env, wait_for, write_config

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("pg-workers")]
TABLES = "tags, decisions, entries, articles, feeds, runs"
WORKERS = ("w1", "w2", "w3")


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    store = Store(pg_url)
    with store.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    yield store
    store.close()


def _start_workers(
    tmp: Path, server: FeedServer, url: str, procs: list[Proc], lease: int
) -> dict[str, Proc]:
    config = write_config(tmp / "config", [server.url(p) for p in server.feed_paths()])
    env = vric_env(config, url, server.host)
    out = {}
    for name in WORKERS:
        args = ["worker", "--id", name, "--interval", "1", "--batch", "2", "--lease", str(lease)]
        out[name] = start_vric(args, env, tmp / f"{name}.log")
        procs.append(out[name])
    return out


def _all_done(store: Store, server: FeedServer) -> bool:
    feeds = store.feeds()
    return (
        len(feeds) == server.feeds
        and all(f.last_success is not None for f in feeds)
        and store.queue_depth() == 0
        and store.count_articles() == len(server.article_paths())
    )


def _idle_in_transaction(store: Store) -> list[Any]:
    """Sessions of this database sitting in an open transaction for over a second."""
    query = text(
        "SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database() "
        "AND state LIKE 'idle in transaction%' AND now() - state_change > interval '1 second'"
    )
    with store.read() as conn:
        return list(conn.execute(query))


def _holders(store: Store) -> set[str]:
    return {h["owner"] for h in store.lease_holders(datetime.now(UTC))}


def test_three_workers_fetch_every_feed_exactly_once(
    tmp_path: Path, make_server: Any, pg_store: Store, procs: list[Proc]
) -> None:
    server: FeedServer = make_server(feeds=12, items=2)
    server.gate.clear()  # every answer waits: all three workers end up holding a batch
    workers = _start_workers(tmp_path, server, pg_store.url, procs, lease=120)
    assert wait_for(lambda: _holders(pg_store) == set(WORKERS), 60), {
        n: p.log()[-2000:] for n, p in workers.items()
    }
    # #113: every worker is blocked in HTTP, and no session holds a transaction open.
    assert _idle_in_transaction(pg_store) == []
    server.gate.set()
    assert wait_for(lambda: _all_done(pg_store, server), 60), {
        n: p.log()[-2000:] for n, p in workers.items()
    }
    for proc in workers.values():
        proc.signal(signal.SIGTERM)
    assert [proc.wait(40) for proc in workers.values()] == [0, 0, 0]
    assert {p: server.hits[p] for p in server.feed_paths()} == dict.fromkeys(server.feed_paths(), 1)
    own = [p for p in server.article_paths() if p != "/a/shared.html"]
    assert all(server.hits[p] == 1 for p in own)  # one worker per queued article
    assert duplicates(pg_store) == (0, 0)
    polled = {
        r["worker"]
        for r in pg_store.recent_runs(100)
        if r["kind"] == "cycle" and (r["counts"] or {}).get("feeds_polled")
    }
    assert polled == set(WORKERS)  # the work was shared
    assert _holders(pg_store) == set()


def test_a_killed_worker_loses_nothing(
    tmp_path: Path, make_server: Any, pg_store: Store, procs: list[Proc]
) -> None:
    """#112: SIGKILL a worker while it holds leases and waits on HTTP; after the
    lease expires the others pick its feeds up."""
    server: FeedServer = make_server(feeds=8, items=2)
    server.gate.clear()
    workers = _start_workers(tmp_path, server, pg_store.url, procs, lease=3)
    assert wait_for(lambda: "w1" in _holders(pg_store), 60), workers["w1"].log()[-2000:]
    workers["w1"].kill_all()
    server.gate.set()
    assert wait_for(lambda: _all_done(pg_store, server), 60), {
        n: p.log()[-2000:] for n, p in workers.items()
    }
    for name in ("w2", "w3"):
        workers[name].signal(signal.SIGTERM)
        assert workers[name].wait(40) == 0
    assert duplicates(pg_store) == (0, 0)
    assert all(server.hits[p] >= 1 for p in server.feed_paths())


def test_two_processes_cannot_share_a_worker_id(
    tmp_path: Path, feed_server: FeedServer, pg_store: Store, procs: list[Proc]
) -> None:
    config = write_config(
        tmp_path / "config", [feed_server.url(p) for p in feed_server.feed_paths()]
    )
    env = vric_env(config, pg_store.url, feed_server.host)
    first = start_vric(["worker", "--id", "same", "--interval", "60"], env, tmp_path / "a.log")
    procs.append(first)
    assert wait_for(lambda: "service started" in first.log(), 30), first.log()
    second = start_vric(["worker", "--id", "same"], env, tmp_path / "b.log")
    procs.append(second)
    assert second.wait(30) == 4
    assert "another process with id same is running" in second.log()
    first.signal(signal.SIGTERM)
    assert first.wait(35) == 0
