"""Issue 19: the daemon heals a coverage gap by itself (`backfill.auto: true`).

A real `vric daemon` process, a local site with a feed, robots.txt and a
sitemap, on SQLite and Postgres. The feed was read, then failed for 30 hours
(the outage is written into the feed's row: the hours cannot pass in a
test); when the daemon reads it again, the gap is recorded and the outlet is
backfilled for those hours only: the two articles published during the
outage, which the feed no longer lists, are stored; the older one is not
fetched; and the gap is healed once.
"""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text

from pipeline.store import Store
from tests.backfill.site import HTML, XML, article_html, urlset
from tests.daemon.harness import Proc, start_vric, vric_env, wait_for, write_config
from tests.reliability.scriptserver import ScriptServer

RSS = "application/rss+xml; charset=utf-8"


def _rss(items: list[tuple[str, datetime]]) -> bytes:
    rows = "".join(
        f"<item><title>Nota {Path(url).stem}</title><link>{url}</link><guid>{url}</guid>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for url, when in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Diario</title>'
        f"<link>http://diario.test/</link>{rows}</channel></rss>"
    ).encode()


def _site(server: ScriptServer, now: datetime) -> dict[str, datetime]:
    """The feed lists today's article; the sitemap also lists two of the outage
    and one from before it."""
    base = f"http://127.0.0.1:{server.port}"
    pages = {
        "/notas/hoy.html": now - timedelta(hours=1),
        "/notas/apagon-1.html": now - timedelta(hours=10),
        "/notas/apagon-2.html": now - timedelta(hours=20),
        "/notas/antes.html": now - timedelta(hours=60),
    }
    for n, (path, when) in enumerate(pages.items()):
        server.serve(path, article_html(Path(path).stem, when, n + 1), content_type=HTML)
    server.serve("/feed.xml", _rss([(base + "/notas/hoy.html", pages["/notas/hoy.html"])]),
                 content_type=RSS)  # fmt: skip
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    server.serve("/sitemap.xml", urlset([(base + p, w.strftime(stamp)) for p, w in pages.items()]),
                 content_type=XML)  # fmt: skip
    server.serve("/robots.txt", f"User-agent: *\nSitemap: {base}/sitemap.xml\n".encode(),
                 content_type="text/plain")  # fmt: skip
    return pages


def _scalar(store: Store, sql: str) -> Any:
    with store.engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_the_daemon_backfills_a_thirty_hour_outage_after_the_feed_recovers(
    db_url: str, server: ScriptServer, tmp_path: Path, procs: list[Proc]
) -> None:
    now = datetime.now(UTC)
    _site(server, now)
    address = f"127.0.0.1:{server.port}"
    config = write_config(
        tmp_path / "conf", [f"http://{address}/feed.xml"],
        # resolve_all_to: the registry's own domains of the outlet (robots.txt
        # of its real site) reach this server too, never the network.
        {"backfill": {"auto": True, "gap_hours": 24}, "fetch": {"resolve_all_to": address}},
    )  # fmt: skip
    env = vric_env(config, db_url, address)
    store = Store(db_url)
    store.upgrade()

    first = start_vric(["run", "--once"], env, tmp_path / "first.log")
    procs.append(first)
    assert first.wait(120) == 0, first.log()
    assert server.path_hits["/notas/hoy.html"] == 1
    # The outage: the last good read was 30 hours ago and three reads failed since.
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE feeds SET last_success = :since, consecutive_failures = 3, "
                "failures = 3, next_due = NULL WHERE kind != 'backfill'"
            ),
            {"since": now - timedelta(hours=30)},
        )

    daemon = start_vric(["daemon", "--interval", "1", "--maintenance-at", "off",
                         "--id", "healer"], env, tmp_path / "daemon.log")  # fmt: skip
    procs.append(daemon)

    def healed() -> bool:
        return bool(_scalar(store, "SELECT count(*) FROM feed_gaps WHERE healed_at IS NOT NULL"))

    wait_for(lambda: healed() or daemon.popen.poll() is not None, timeout=120, step=0.5)
    assert healed(), daemon.log()

    assert _scalar(store, "SELECT count(*) FROM feed_gaps") == 1
    assert _scalar(store, "SELECT reason FROM feed_gaps") == "failing"
    only_backfill = _scalar(
        store,
        "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM entries e "
        "WHERE e.article_id = a.id AND e.discovered_via IS NULL)",
    )
    assert only_backfill == 2  # the two articles of the outage, which the feed lost
    assert server.path_hits["/notas/apagon-1.html"] == 1
    assert server.path_hits["/notas/apagon-2.html"] == 1
    assert server.path_hits["/notas/antes.html"] == 0  # before the gap: never fetched
    assert _scalar(store, "SELECT count(*) FROM articles") == 3

    # Once per gap: later cycles of the daemon read the sitemap no more.
    sitemap_reads = server.path_hits["/sitemap.xml"]
    runs = _scalar(store, "SELECT count(*) FROM runs WHERE kind = 'cycle'")
    wait_for(lambda: _scalar(store, "SELECT count(*) FROM runs WHERE kind = 'cycle' AND "
                                    "status = 'ok'") >= runs + 2, timeout=60, step=0.5)  # fmt: skip
    assert server.path_hits["/sitemap.xml"] == sitemap_reads

    daemon.signal(signal.SIGTERM)
    assert daemon.wait(60) == 0, daemon.log()
    store.close()


def test_settings_example_in_the_backfill_doc_turns_healing_on() -> None:
    """docs/backfill.md's settings.yaml block is what this test runs with."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "backfill.md").read_text("utf-8")
    blocks = [b.split("```", 1)[0] for b in doc.split("```yaml\n")[1:]]
    settings = [yaml.safe_load(b) for b in blocks if "auto:" in b]
    assert settings and settings[0]["backfill"]["auto"] is True
