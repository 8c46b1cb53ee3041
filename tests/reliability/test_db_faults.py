"""Database faults seen from the cycle and the CLI (RELIABILITY I107-I110,
I115, J126, J127): Postgres down at start, backends killed, a conflicting
lock, a long reader on SQLite, concurrent and interrupted migrations, and a
clock that jumps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import alembic.op
import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text

from pipeline import parse
from pipeline.cli import cli
from pipeline.config import DEFAULTS_DIR
from pipeline.errors import StoreError
from pipeline.store import Store, migrate
from tests.reliability.conftest import REPO, START, MakeHarness, closed_port
from tests.reliability.docs import Item, page, rss
from tests.reliability.scriptserver import ScriptServer

HTML = "text/html; charset=utf-8"
ADMIN = (
    os.environ.get("VRIC_TEST_PG_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _items(n: int) -> list[Item]:
    return [Item(f"http://news.test/a/{i}", guid=f"g{i}", published=START) for i in range(n)]


def _serve(server: ScriptServer, n: int) -> None:
    server.serve("/f.xml", rss(_items(n)))
    for i in range(n):
        server.serve(f"/a/{i}", page(f"Noticia {i} de Rusia y México"), content_type=HTML)


def _config_dir(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    config.mkdir()
    for name in ("outlets.yaml", "rules.yaml"):
        (config / name).write_bytes((DEFAULTS_DIR / name).read_bytes())
    (config / "feeds.yaml").write_text("feeds: []\n", encoding="utf-8")
    return config


# ------------------------------------------------------------------ I108


def test_i108_postgres_down_at_start_is_one_clear_line(tmp_path: Path) -> None:
    env = {
        "VRIC_CONFIG_DIR": str(_config_dir(tmp_path)),
        "VRIC_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/vric",
    }
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["run", "--once"], env=env)
    assert time.monotonic() - started < 15
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception  # handled, no traceback
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "db_unavailable" in lines[0]


def test_i108_the_daemon_waits_for_postgres_with_a_bounded_backoff(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VRIC_")}
    env |= {
        "VRIC_CONFIG_DIR": str(_config_dir(tmp_path)),
        "VRIC_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/vric",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "daemon.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "daemon", "--interval", "1"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True,
        )  # fmt: skip
    try:
        time.sleep(4)
        alive = proc.poll() is None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(35)
    output = log.read_text(errors="replace")
    assert alive, output[-2000:]  # still waiting for the database, not gone
    assert "Traceback" not in output
    assert len(output.splitlines()) <= 10  # a few retry lines, not a tight loop


# ------------------------------------------------------------------ I109, I110


def _terminate_backends(db_url: str) -> int:
    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(_plain(ADMIN), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    s = Store(pg_url)
    with s.engine.begin() as conn:
        conn.execute(text("TRUNCATE tags, decisions, entries, articles, feeds, runs CASCADE"))
    yield s
    s.close()


@pytest.mark.postgres
def test_i109_killed_backends_are_replaced_and_nothing_is_lost_or_doubled(
    make_harness: MakeHarness,
    server: ScriptServer,
    pg_store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _serve(server, 3)
    h = make_harness(pg_store, [{"id": "f", "url": "http://feed.test/f.xml"}])
    h.run()
    assert _terminate_backends(pg_store.url) >= 1  # between cycles: the pooled connections die
    real = parse.parse_feed_guarded
    killed: list[int] = []

    def kill_then_parse(
        *args: Any, **kw: Any
    ) -> Any:  # mid-cycle: after the fetch, before the write
        killed.append(_terminate_backends(pg_store.url))
        return real(*args, **kw)

    monkeypatch.setattr(parse, "parse_feed_guarded", kill_then_parse)
    server.serve("/f.xml", rss(_items(5)))
    for i in range(3, 5):
        server.serve(f"/a/{i}", page(f"Noticia {i} de Rusia y México"), content_type=HTML)
    report = h.run_later(2)
    assert killed and report.entries_new == 2 and report.articles_new == 2
    assert h.scalar("SELECT count(*) FROM entries") == 5
    assert h.scalar("SELECT count(*) FROM articles") == 5
    assert h.scalar("SELECT count(DISTINCT url_key) FROM articles") == 5


def _spec(url: str) -> dict[str, Any]:
    return {"key": "f", "url": url, "outlet": None, "kind": "auto", "language": None,
            "allow_private": False}  # fmt: skip


@pytest.mark.postgres
def test_i110_a_conflicting_lock_ends_in_db_busy_not_a_hang(pg_store: Store) -> None:
    pg_store.sync_feeds([_spec("http://feed.test/f.xml")], START)
    ready, release = threading.Event(), threading.Event()

    def hold() -> None:
        with psycopg.connect(_plain(pg_store.url)) as conn:
            conn.execute("LOCK TABLE feeds IN ACCESS EXCLUSIVE MODE")
            ready.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert ready.wait(10)
        started = time.monotonic()
        with pytest.raises(StoreError) as err:
            pg_store.sync_feeds([_spec("http://feed.test/g.xml")], START)
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join(10)
    assert err.value.code == "db_busy"
    assert 3.0 < waited < 15.0  # lock_timeout (5 s) fired; no endless wait
    assert [f.url for f in pg_store.feeds()] == ["http://feed.test/f.xml"]  # nothing half-done


# ------------------------------------------------------------------ I107


def test_i107_a_long_reader_never_blocks_the_writer_and_the_wal_shrinks_after(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    _serve(server, 5)
    h = make_harness(sqlite_store, [{"id": "f", "url": "http://feed.test/f.xml"}])
    reading, stop = threading.Event(), threading.Event()

    def long_export() -> None:  # an analyst export holding a read transaction open
        with sqlite_store.read() as conn:
            conn.execute(text("SELECT count(*) FROM articles")).scalar_one()
            reading.set()
            stop.wait(30)

    reader = threading.Thread(target=long_export)
    reader.start()
    try:
        assert reading.wait(10)
        started = time.monotonic()
        report = h.run()
        assert time.monotonic() - started < 15  # hang detection: the writer never waited
    finally:
        stop.set()
        reader.join(10)
    assert report.articles_new == 5
    wal = Path(sqlite_store.url.removeprefix("sqlite:///") + "-wal")
    assert wal.stat().st_size > 0
    sqlite_store.optimize()  # the periodic maintenance checkpoint
    assert wal.stat().st_size == 0


# ------------------------------------------------------------------ I115, J126


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database that has never been migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    request.getfixturevalue("pg_url")  # skips (or fails under CI) without a server
    name = f"vric_f_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_plain(ADMIN), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    yield ADMIN.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(_plain(ADMIN), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]


UPGRADE = "import sys\nfrom pipeline.store import Store\nStore(sys.argv[1]).upgrade()\n"


PAUSING_UPGRADE = """
import sys, time
from pathlib import Path
from alembic.runtime.migration import MigrationContext
from pipeline.store import Store

url, paused, resume = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
real, steps = MigrationContext.begin_transaction, []

def pausing(self, _per_migration=False):
    if _per_migration:
        steps.append(1)
        if len(steps) == 2:  # the first migration is committed, the next not begun
            paused.touch()
            deadline = time.monotonic() + 4
            while not resume.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
    return real(self, _per_migration)

MigrationContext.begin_transaction = pausing
Store(url).upgrade()
"""


def test_i115_an_upgrade_that_starts_between_two_migrations_of_another_waits_for_it(
    fresh_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    paused, resume = tmp_path / "paused", tmp_path / "resume"
    first = subprocess.Popen(
        [sys.executable, "-c", PAUSING_UPGRADE, fresh_url, str(paused), str(resume)], cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not paused.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert paused.exists(), first.communicate()[1][-2000:]
    # The first process has committed one migration and waits (at most 4 s) before
    # the next: a second upgrade starts now. Serialised, it waits for the first.
    second = subprocess.run(
        [sys.executable, "-c", UPGRADE, fresh_url], cwd=REPO, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    resume.touch()
    first_err = first.communicate(timeout=120)[1]
    codes = (first.returncode, second.returncode)
    assert codes == (0, 0), (first_err[-1500:], second.stderr[-1500:])
    store = Store(fresh_url)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    store.close()


def test_j126_ctrl_c_in_the_middle_of_a_migration_leaves_nothing_half_done(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = alembic.op.create_table
    created: list[str] = []

    def interrupted(name: str, *args: Any, **kw: Any) -> Any:
        if len(created) == 2:
            raise KeyboardInterrupt  # what Ctrl-C raises in the main thread
        created.append(name)
        return real(name, *args, **kw)

    monkeypatch.setattr(alembic.op, "create_table", interrupted)
    store = Store(fresh_url)
    with pytest.raises(KeyboardInterrupt):
        store.upgrade()
    assert len(created) == 2  # really stopped inside the migration
    store.close()
    monkeypatch.setattr(alembic.op, "create_table", real)
    store = Store(fresh_url)
    assert migrate.current_revision(store.engine) is None
    assert [t for t in inspect(store.engine).get_table_names() if t != "alembic_version"] == []
    store.upgrade()  # the rerun completes
    store.check_schema()
    store.close()


# ------------------------------------------------------------------ J127


def test_j127_clock_jumps_give_no_tight_loop_no_negative_backoff_and_no_duplicates(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    _serve(server, 3)
    h = make_harness(sqlite_store, [{"id": "f", "url": "http://feed.test/f.xml"}])
    h.run()
    h.clock.advance(hours=-1)  # NTP steps the clock back
    for _ in range(5):
        assert h.run().feeds_polled == 0  # nothing is due: no tight loop
    h.clock.advance(days=1)  # and then forward a day
    assert h.run().feeds_polled == 1
    assert h.run().feeds_polled == 0
    (feed,) = sqlite_store.feeds()
    assert feed.next_due is not None and feed.next_due > h.clock.now  # never in the past
    assert server.hits["feed.test/f.xml"] == 2
    assert (
        h.scalar("SELECT count(*) FROM entries") == h.scalar("SELECT count(*) FROM articles") == 3
    )
