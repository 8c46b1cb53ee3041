"""``vric daemon`` as a real process on SQLite against the local feed server:
cycles, a hanging feed, SIGTERM, a second instance, takeover after kill -9,
restart after kill -9 (RELIABILITY #118, #122-#125)."""

from __future__ import annotations

import http.client
import re
import signal
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import pytest

from pipeline.store import Store
from tests.daemon.feedserver import FeedServer
from tests.daemon.harness import (
    Proc,
    cycle_runs,
    duplicates,
    start_vric,
    vric_env,
    wait_for,
    write_config,
)

# Two groups: each runs on one xdist worker at a time, the pair in parallel.
SIGNALS = pytest.mark.xdist_group("daemon-signals")
LOCKS = pytest.mark.xdist_group("daemon-locks")
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)  # lease_holders(LONG_AGO): every lease, even expired


@dataclass
class Setup:
    tmp: Path
    server: FeedServer
    env: dict[str, str]
    store: Store

    def start(
        self,
        procs: list[Proc],
        *args: str,
        log: str = "daemon.log",
        env: dict[str, str] | None = None,
    ) -> Proc:
        proc = start_vric(["daemon", *args], env or self.env, self.tmp / log)
        procs.append(proc)
        return proc

    def stored(self) -> int:
        return self.store.count_articles()


def _setup(
    tmp: Path, server: FeedServer, *, hang: bool = False, settings: dict[str, Any] | None = None
) -> Setup:
    urls = [server.url(p) for p in server.feed_paths()]
    if hang:
        urls.append(server.url("/hang.xml"))
    config = write_config(tmp / "config", urls, settings)
    db_url = f"sqlite:///{tmp / 'vric.db'}"
    store = Store(db_url)
    store.upgrade()
    return Setup(tmp, server, vric_env(config, db_url, server.host), store)


def _metrics_port(proc: Proc) -> int | None:
    found = re.search(r"url=http://127\.0\.0\.1:(\d+)/metrics", proc.log())
    return int(found.group(1)) if found else None


def _http_status(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path)
    status = conn.getresponse().status
    conn.close()
    return status


def _lock_taken(proc: Proc) -> bool:
    return "lock taken" in proc.log()


@SIGNALS
def test_daemon_completes_cycles_survives_a_hanging_feed_and_stops_on_sigterm(
    tmp_path: Path, feed_server: FeedServer, procs: list[Proc]
) -> None:
    s = _setup(tmp_path, feed_server, hang=True)
    daemon = s.start(procs, "--interval", "2", "--metrics-port", "0")
    assert wait_for(lambda: len(cycle_runs(s.store, "ok")) >= 2, 40), daemon.log()[-3000:]
    # Each feed once (next due in an hour), every article once, the hanging feed
    # failed with a timeout and did not stop the cycle.
    assert all(feed_server.hits[p] == 1 for p in feed_server.feed_paths())
    assert all(feed_server.hits[p] == 1 for p in feed_server.article_paths())
    assert s.stored() == len(feed_server.article_paths())
    hang = next(f for f in s.store.feeds() if f.url.endswith("/hang.xml"))
    assert hang.last_error_code == "timeout"
    port = wait_for(lambda: _metrics_port(daemon), 5)
    assert port and _http_status(port, "/healthz") == 200
    t0 = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(35) == 0
    assert time.monotonic() - t0 < 30  # well within the 30 s grace
    assert s.store.lease_holders(LONG_AGO) == []
    assert not cycle_runs(s.store, "running")


@SIGNALS
def test_sigterm_mid_cycle_abandons_in_flight_work_within_the_grace(
    tmp_path: Path, feed_server: FeedServer, procs: list[Proc]
) -> None:
    s = _setup(
        tmp_path, feed_server, hang=True, settings={"fetch": {"deadline": 60, "read_timeout": 60}}
    )
    daemon = s.start(procs, "--interval", "5", "--grace", "1")
    assert wait_for(lambda: feed_server.hits["/hang.xml"] >= 1, 30), daemon.log()[-3000:]
    t0 = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(15) == 0
    assert time.monotonic() - t0 < 5  # 1 s grace, then the cycle is killed
    assert "abandoning in-flight work" in daemon.log()
    (run,) = cycle_runs(s.store)
    assert run["status"] == "abandoned"  # the killed cycle's run is closed, not "running"
    assert s.store.lease_holders(LONG_AGO) == []  # its leases released


@SIGNALS
def test_a_second_signal_exits_at_once(
    tmp_path: Path, feed_server: FeedServer, procs: list[Proc]
) -> None:
    s = _setup(
        tmp_path, feed_server, hang=True, settings={"fetch": {"deadline": 60, "read_timeout": 60}}
    )
    daemon = s.start(procs, "--interval", "5", "--grace", "30")
    assert wait_for(lambda: feed_server.hits["/hang.xml"] >= 1, 30), daemon.log()[-3000:]
    daemon.signal(signal.SIGTERM)
    assert wait_for(lambda: "stopping: no new work" in daemon.log(), 15), daemon.log()[-3000:]
    t0 = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(10) == 128 + signal.SIGTERM
    assert time.monotonic() - t0 < 3


@LOCKS
def test_a_second_daemon_is_refused_with_the_holders_identity(
    tmp_path: Path, feed_server: FeedServer, procs: list[Proc]
) -> None:
    s = _setup(tmp_path, feed_server)
    first = s.start(procs, "--interval", "60")
    assert wait_for(lambda: _lock_taken(first), 20), first.log()
    t0 = time.monotonic()
    second = s.start(procs, "--interval", "60", log="second.log")
    assert second.wait(15) == 4
    assert time.monotonic() - t0 < 5
    message = second.log()
    assert f"pid {first.pid}" in message and socket.gethostname() in message
    assert "since 20" in message and "Traceback" not in message


def _descendants(pid: int) -> list[int]:
    return [p.pid for p in psutil.Process(pid).children(recursive=True)]


def _alive(pid: int) -> str | None:
    """The command line of a live (non-zombie) process, else None."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return " ".join(proc.cmdline())[:200] or "?"
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None


def _survivors(pids: list[int]) -> list[str]:
    return [f"{p}: {cmd}" for p in pids if (cmd := _alive(p)) is not None]


@LOCKS
def test_a_standby_daemon_takes_over_at_once_after_kill_9(
    tmp_path: Path, make_server: Any, procs: list[Proc]
) -> None:
    server = make_server(feeds=3, items=2, latency=0.3)
    s = _setup(tmp_path, server)
    first = s.start(procs, "--interval", "60")
    assert wait_for(lambda: _lock_taken(first), 20), first.log()
    standby = s.start(procs, "--interval", "60", "--wait-for-lock", log="standby.log")
    assert wait_for(lambda: "standing by" in standby.log(), 20), standby.log()
    assert wait_for(lambda: server.hits["/feed/0.xml"] >= 1, 20)  # first is mid-cycle
    family = _descendants(first.pid)
    t0 = time.monotonic()
    first.signal(signal.SIGKILL)
    assert wait_for(lambda: _lock_taken(standby), 10), standby.log()
    takeover = time.monotonic() - t0
    assert takeover < 5
    # The killed daemon's cycle process did not outlive it.
    assert wait_for(lambda: not _survivors(family), 5), _survivors(family)
    assert wait_for(lambda: s.stored() == len(server.article_paths()), 40), standby.log()[-3000:]
    standby.signal(signal.SIGTERM)
    assert standby.wait(35) == 0


@LOCKS
def test_kill_9_mid_cycle_and_restart_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, make_server: Any, procs: list[Proc]
) -> None:
    server = make_server(feeds=3, items=3, latency=0.3)
    s = _setup(tmp_path, server, settings={"fetch": {"per_host_concurrency": 1}})
    expected = len(server.article_paths())
    # Articles in batches of five, fetched one at a time: the second batch is
    # still on the wire (1.5 s) when the first one is stored.
    first = s.start(procs, "--interval", "2", "--batch", "1")
    assert wait_for(lambda: s.stored() >= 1, 40, step=0.05), first.log()[-3000:]
    assert s.stored() < expected  # killed mid-cycle
    first.kill_all()  # kill -9 the daemon (and its session); the cycle child follows
    before = s.stored()
    again = s.start(procs, "--interval", "2", log="again.log")
    mine = f":{again.pid}"
    assert wait_for(
        lambda: (
            any(r["worker"].endswith(mine) for r in cycle_runs(s.store, "ok"))
            and s.stored() == expected
            and s.store.queue_depth() == 0
        ),
        60,
    ), again.log()[-3000:]
    again.signal(signal.SIGTERM)
    assert again.wait(35) == 0
    assert s.store.integrity_ok()
    assert duplicates(s.store) == (0, 0)
    assert before >= 1 and s.stored() == expected
    assert all(server.hits[p] >= 1 for p in server.article_paths())


@SIGNALS
def test_the_watchdog_kills_a_hung_cycle_and_cycles_continue(
    tmp_path: Path, feed_server: FeedServer, procs: list[Proc]
) -> None:
    """#118: a cycle stuck past --cycle-timeout is killed; the job is not skipped forever."""
    s = _setup(
        tmp_path, feed_server, hang=True, settings={"fetch": {"deadline": 60, "read_timeout": 60}}
    )
    daemon = s.start(procs, "--interval", "1", "--cycle-timeout", "2")
    assert wait_for(lambda: len(cycle_runs(s.store, "timeout")) >= 2, 40), daemon.log()[-3000:]
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(35) == 0
    assert "cycle exceeded 2 s and was killed" in daemon.log()
