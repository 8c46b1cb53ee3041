"""Store and environment faults seen from a real cycle (RELIABILITY D67, D68,
H102, I106, K128, K131): a full disk, a read-only database, oversized fields
and keys on both backends, and the dependency import smoke test."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import event

from pipeline.cli import cli
from pipeline.config import DEFAULTS_DIR
from pipeline.errors import StoreError
from pipeline.store import Store
from tests.reliability.conftest import START, MakeHarness
from tests.reliability.docs import Item, page, rss
from tests.reliability.scriptserver import Reply, ScriptServer

HTML = "text/html; charset=utf-8"


def _items(n: int, summary: str = "Resumen.") -> list[Item]:
    return [
        Item(f"http://news.test/a/{i}", guid=f"g{i}", title=f"Noticia {i} de Rusia",
             published=START, description=summary)
        for i in range(n)
    ]  # fmt: skip


PageLimit = Callable[[int | None], None]


@pytest.fixture
def page_limit(sqlite_store: Store) -> Iterator[PageLimit]:
    """``limit(n)`` caps the database at n pages (SQLITE_FULL past it, the error
    a full disk gives); ``limit(None)`` frees the space again."""
    engine = sqlite_store.engine
    state: dict[str, int | None] = {"pages": None}

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        if state["pages"] is not None:
            dbapi_conn.execute(f"PRAGMA max_page_count = {state['pages']}")

    event.listen(engine, "connect", on_connect)

    def limit(pages: int | None) -> None:
        state["pages"] = pages
        engine.dispose()  # new connections pick the limit up

    yield limit
    event.remove(engine, "connect", on_connect)


def test_k128_a_full_disk_stops_the_cycle_with_disk_full_and_keeps_what_was_committed(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store, page_limit: PageLimit
) -> None:
    server.serve("/f.xml", rss(_items(3)))
    for i in range(30):
        server.serve(f"/a/{i}", page(f"Noticia {i} de Rusia y México"), content_type=HTML)
    h = make_harness(sqlite_store, [{"id": "f", "url": "http://feed.test/f.xml"}])
    h.run()
    before = h.rows("SELECT id, url, state, article_id FROM entries ORDER BY id")
    validators = sqlite_store.feeds()[0].body_hash
    page_limit(h.scalar("PRAGMA page_count") + 1)
    server.serve("/f.xml", rss(_items(30, summary="x" * 20_000)))
    with pytest.raises(StoreError) as err:
        h.run_later(2)
    assert err.value.code == "disk_full"
    assert h.scalar("PRAGMA integrity_check") == "ok"
    assert h.rows("SELECT id, url, state, article_id FROM entries ORDER BY id") == before
    assert sqlite_store.feeds()[0].body_hash == validators  # the feed state did not advance
    assert h.rows("SELECT status FROM runs ORDER BY id") == [{"status": "ok"}, {"status": "failed"}]
    page_limit(None)  # space is back: the next cycle catches up, nothing twice
    report = h.run_later(2)
    assert report.entries_new == 27 and report.articles_new == 27
    assert (
        h.scalar("SELECT count(*) FROM entries") == h.scalar("SELECT count(*) FROM articles") == 30
    )


def test_k131_a_read_only_database_is_one_clear_line_and_exit_1(tmp_path: Path) -> None:
    db = tmp_path / "vric.db"
    Store(f"sqlite:///{db}").upgrade()
    config = tmp_path / "config"
    config.mkdir()
    for name in ("outlets.yaml", "rules.yaml"):
        (config / name).write_bytes((DEFAULTS_DIR / name).read_bytes())
    (config / "feeds.yaml").write_text("feeds: []\n", encoding="utf-8")
    env = {
        "VRIC_CONFIG_DIR": str(config),
        "VRIC_DATABASE_URL": f"sqlite:///file:{db}?mode=ro&uri=true",
    }
    result = CliRunner().invoke(cli, ["run", "--once"], env=env)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        "vric: store: OperationalError: attempt to write a readonly database [io_error]"
    ]
    assert "Traceback" not in result.output


def test_i106_sqlite_runs_wal_normal_sync_busy_timeout_and_foreign_keys(
    sqlite_store: Store,
) -> None:
    with sqlite_store.engine.connect() as conn:
        got = {
            p: conn.exec_driver_sql(f"PRAGMA {p}").scalar()
            for p in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        }
    assert got == {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 5000, "foreign_keys": 1}


def test_d68_huge_guids_titles_and_urls_are_keyed_by_hash_on_both_backends(
    make_harness: MakeHarness, server: ScriptServer, store: Store
) -> None:
    long_path = "/a/" + "x" * 3900
    items = [
        Item("http://news.test/a/1", guid="G" * 100_000, title="T" * 100_000, published=START),
        Item("http://news.test" + long_path, guid="short", published=START),
    ]
    server.serve("/f.xml", rss(items))
    server.script("/a/1", Reply(204, b"", HTML))  # no page: the article keeps the feed title
    server.serve(long_path, page("Irán y Venezuela"), content_type=HTML)
    h = make_harness(store, [{"id": "f", "url": "http://feed.test/f.xml"}])
    report = h.run()
    assert report.entries_new == 2 and report.articles_new == 2
    keys = h.rows("SELECT key, url_key FROM entries")
    assert all(len(r["key"]) == 64 and len(r["url_key"]) == 64 for r in keys)
    titles = h.rows("SELECT length(title) AS n, truncated FROM articles ORDER BY n DESC")
    assert titles[0]["n"] <= 1000 and bool(titles[0]["truncated"])
    h.run_later(2)  # the same huge GUID again: matched by its hash, no new row
    assert h.scalar("SELECT count(*) FROM entries") == 2


def test_h102_the_parsing_libraries_import_and_work_in_a_clean_interpreter(tmp_path: Path) -> None:
    """-I: no user site, no PYTHONPATH, no working directory on sys.path."""
    code = (
        "import feedparser, httpx, lxml_html_clean, trafilatura, sqlalchemy, apscheduler\n"
        "import pipeline.extract, pipeline.parse\n"
        "html = '<html><body><article><p>' + 'Texto de prueba. ' * 40\n"
        "html += '</p></article></body></html>'\n"
        "assert trafilatura.extract(html).startswith('Texto de prueba.')\n"
        "print(feedparser.__version__, httpx.__version__, trafilatura.__version__)\n"
    )
    done = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    check = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True,
                           text=True, timeout=120, check=False)  # fmt: skip
    assert check.returncode == 0, check.stdout


def test_d67_entry_fields_are_capped_when_stored(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    huge = Item("http://news.test/a/1", guid="g", title="Título " * 300_000,
                description="Resumen " * 1_000_000, published=START)  # fmt: skip
    server.serve("/f.xml", rss([huge]))
    server.script("/a/1", Reply(204, b"", HTML))
    h = make_harness(sqlite_store, [{"id": "f", "url": "http://feed.test/f.xml"}])
    h.run()
    (article,) = h.rows("SELECT length(title) AS t, length(summary) AS s, truncated FROM articles")
    assert article["t"] <= 1000 and article["s"] <= 65536 and article["truncated"]
    (entry,) = h.rows("SELECT length(title) AS t, length(summary) AS s FROM entries")
    assert entry["t"] <= 1000 and entry["s"] <= 65536
