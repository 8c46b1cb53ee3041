"""SQLite under a concurrent writer and a full disk (RELIABILITY #103-#105, #129)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.article.identity import entry_keys
from pipeline.errors import StoreError
from pipeline.store import Store
from pipeline.store.engine import make_engine
from pipeline.store.schema import feeds
from pipeline.types import ConfiguredFeed, FeedItem, FeedUpdate

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SPEC = ConfiguredFeed(
    key="f1",
    url="http://news.example/rss",
    outlet="ru_rt_es",
    kind="rss",
    language="es",
    allow_private=False,
)


def _update() -> FeedUpdate:
    return FeedUpdate(
        attempt_at=NOW,
        success_at=NOW,
        next_due=NOW + timedelta(hours=1),
        state="ok",
        failures=0.0,
        consecutive_failures=0,
        last_status=200,
        etag='"v2"',
    )


def _entries(n: int, start: int = 0, size: int = 0) -> list:  # type: ignore[type-arg]
    items = [
        FeedItem(url=f"http://news.example/a/{i}", guid=f"g{i}", title=f"T{i}", summary="x" * size)
        for i in range(start, start + n)
    ]
    return entry_keys(items)[0]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "vric.db"
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    store.sync_feeds([SPEC], NOW)
    store.close()
    yield path


def _hold_write_lock(path: Path, seconds: float, ready: threading.Event) -> threading.Thread:
    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        ready.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    return thread


def test_a_write_waits_for_a_two_second_lock_and_succeeds(db: Path) -> None:
    """#103: busy_timeout 5 s covers another writer holding the lock for 2 s."""
    store = Store(f"sqlite:///{db}")
    ready = threading.Event()
    holder = _hold_write_lock(db, 2.0, ready)
    ready.wait(5)
    t0 = time.monotonic()
    added = store.record_feed_fetch(store.feeds()[0].id, _update(), _entries(3))
    waited = time.monotonic() - t0
    holder.join()
    assert added == 3
    assert waited > 1.0  # it really waited for the other writer


def test_a_lock_longer_than_the_busy_timeout_is_db_busy_and_advances_nothing(db: Path) -> None:
    """#104: ERR(db_busy); ETag and next_due not advanced, no lease left behind."""
    url = f"sqlite:///{db}"
    store = Store(url, engine=make_engine(url, busy_timeout_ms=300))
    feed_id = store.feeds()[0].id
    ready = threading.Event()
    holder = _hold_write_lock(db, 2.0, ready)
    ready.wait(5)
    with pytest.raises(StoreError) as err:
        store.record_feed_fetch(feed_id, _update(), _entries(3))
    assert err.value.code == "db_busy"
    with pytest.raises(StoreError) as claim_err:
        store.claim_feeds("w1", NOW, 60, 10)
    assert claim_err.value.code == "db_busy"
    holder.join()
    feed = store.feeds()[0]
    assert (feed.etag, feed.next_due, feed.last_success) == (None, None, None)
    assert store.queue_depth() == 0
    assert store.lease_holders(NOW) == []
    # Next cycle: the same feed is still due and the write goes through.
    assert [f.id for f in store.claim_feeds("w1", NOW, 60, 10)] == [feed_id]
    assert store.record_feed_fetch(feed_id, _update(), _entries(3)) == 3


def test_the_deferred_read_then_write_trap_exists_in_plain_sqlite(db: Path) -> None:
    """S4, reproduced: a deferred transaction that read first cannot wait."""
    a = sqlite3.connect(db, isolation_level=None, timeout=5)
    b = sqlite3.connect(db, isolation_level=None, timeout=5)
    a.execute("BEGIN")
    a.execute("SELECT count(*) FROM feeds").fetchone()
    b.execute("UPDATE feeds SET etag = 'b'")
    t0 = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        a.execute("UPDATE feeds SET etag = 'a'")
    assert time.monotonic() - t0 < 1  # failed at once, whatever the timeout
    a.execute("ROLLBACK")
    a.close()
    b.close()


def test_the_store_never_hits_the_deferred_trap(db: Path) -> None:
    """#105: every store write transaction is BEGIN IMMEDIATE, so the race waits."""
    url = f"sqlite:///{db}"
    one, two = Store(url), Store(url)
    errors: list[BaseException] = []

    def other_writer() -> None:
        try:
            two.record_feed_fetch(two.feeds()[0].id, _update(), _entries(2, start=100))
        except BaseException as exc:
            errors.append(exc)

    with one.write() as conn:
        conn.execute(select(feeds.c.id)).all()  # read first...
        thread = threading.Thread(target=other_writer)
        thread.start()
        time.sleep(0.3)  # ...while another connection wants to write...
        conn.execute(feeds.update().values(etag='"a"'))  # ...then write.
    thread.join(10)
    assert errors == []
    assert one.queue_depth() == 2


FSIZE_WRITER = """
import json, os, resource, signal, sys
from datetime import UTC, datetime, timedelta
from pipeline.errors import StoreError
from pipeline.store import Store
sys.path.insert(0, sys.argv[2])
from tests.daemon.test_sqlite_faults import _entries, _update
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
path = sys.argv[1]
store = Store(f"sqlite:///{path}")
feed_id = store.feeds()[0].id
used = sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
resource.setrlimit(resource.RLIMIT_FSIZE, (used + 256 * 1024, resource.RLIM_INFINITY))
committed = 0
try:
    for batch in range(1000):
        committed += store.record_feed_fetch(feed_id, _update(), _entries(20, batch * 20, 2000))
except StoreError as exc:
    print(json.dumps({"code": exc.code, "committed": committed}))
"""


def test_a_file_size_limit_fails_cleanly_and_keeps_committed_rows(db: Path) -> None:
    """#129: RLIMIT_FSIZE → io_error or disk_full; committed rows intact; integrity ok."""
    done = subprocess.run(
        [sys.executable, "-c", FSIZE_WRITER, str(db), str(REPO)],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] in ("io_error", "disk_full")
    assert result["committed"] > 0
    store = Store(f"sqlite:///{db}")
    assert store.integrity_ok()
    assert store.queue_depth() == result["committed"]
