"""A backfill killed with SIGKILL mid-run continues where it stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from pipeline.store import Store
from tests.backfill.site import HOST, monthly_site
from tests.reliability.scriptserver import ScriptServer

REPO = Path(__file__).resolve().parents[2]


def _run(db_url: str, port: int, crash_at: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VRIC_CRASH_AT"}
    if crash_at:
        env["VRIC_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "tests.backfill.child", db_url, str(port), "2021-08", "5"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _pages(server: ScriptServer) -> dict[str, int]:
    return {k: n for k, n in server.hits.items() if k.startswith(f"{HOST}/2021/")}


def test_a_run_killed_after_five_pages_fetches_only_the_rest(
    db_url: str, server: ScriptServer
) -> None:
    monthly_site(server)

    # Killed after the fifth commit: articles are stored in batches of the ones
    # ready together, so five commits hold five articles or more.
    killed = _run(db_url, server.port, "after_article_commit@5")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    store = Store(db_url)
    try:
        with store.engine.connect() as conn:
            urls = conn.execute(text("SELECT canonical_url FROM articles")).scalars().all()
        committed = {u.split("://", 1)[1] for u in urls}
        assert 5 <= len(committed) < 20
        first = _pages(server)
        assert set(first) >= committed
        sitemaps_before = server.hits[f"{HOST}/sitemaps/sitemap-2021-08.xml"]

        done = _run(db_url, server.port, None)
        assert done.returncode == 0, done.stderr[-2000:]
        report = json.loads(done.stdout)
        with store.engine.connect() as conn:
            stored = conn.execute(
                text("SELECT count(*) FROM articles WHERE period = '2021-08'")
            ).scalar_one()
        assert stored == 20
        assert report["outlets"][0]["stored"] == 20 - len(committed)
        after = _pages(server)
        assert len(after) == 20
        # What was committed is never fetched again; a page fetched but not yet
        # committed when the process died is fetched once more, never more.
        assert all(after[page] == 1 for page in committed)
        assert all(n <= 2 for n in after.values())
        assert server.hits[f"{HOST}/sitemaps/sitemap-2021-08.xml"] == sitemaps_before
    finally:
        store.close()
