"""Nightly maintenance and the bundle job's choice of period."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.config.settings import Settings
from pipeline.daemon.jobs import bundle_closed_period, closed_period, run_maintenance
from pipeline.locks import job_lock
from pipeline.store import Store
from pipeline.types import ArticleRecord
from tests.daemon.harness import write_config

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _article(key: str, raw_expires: datetime | None) -> ArticleRecord:
    return ArticleRecord(
        url_key=(key * 64)[:64],
        canonical_url=f"http://x.example/{key}",
        original_url=f"http://x.example/{key}",
        title="t",
        published_at=NOW,
        date_source="feed",
        first_seen=NOW,
        period="2026-02",
        extraction_status="ok",
        raw_html=b"<html>" + b"x" * 5000 if raw_expires else None,
        raw_expires=raw_expires,
    )


def test_maintenance_drops_expired_raw_html_and_records_a_run(store: Store) -> None:
    store.save_article(_article("a", NOW - timedelta(days=1)), [], NOW)
    store.save_article(_article("b", NOW + timedelta(days=1)), [], NOW)
    counts = run_maintenance(store, "tester", lambda: NOW, vacuum=True)
    assert counts is not None and counts["raw_html_purged"] == 1
    assert counts["size_after"] and counts["size_after"] > 0
    assert store.purge_raw_html(NOW) == 0  # idempotent
    (run,) = [r for r in store.recent_runs() if r["kind"] == "maintenance"]
    assert run["status"] == "ok" and run["counts"]["raw_html_purged"] == 1
    assert store.integrity_ok()


def test_maintenance_skips_when_another_process_runs_it(store: Store) -> None:
    with job_lock(store, "maintenance"):
        other = Store(store.url)
        try:
            assert run_maintenance(other, "second", lambda: NOW) is None
        finally:
            other.close()
    assert [r for r in store.recent_runs() if r["kind"] == "maintenance"] == []


def test_the_sqlite_wal_is_truncated_by_maintenance(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'v.db'}")
    store.upgrade()
    for i in range(30):
        store.save_article(_article(f"{i:03d}", NOW), [], NOW)
    wal = tmp_path / "v.db-wal"
    assert wal.stat().st_size > 0
    store.optimize()
    assert wal.stat().st_size == 0


def test_the_bundle_job_targets_the_period_just_closed(tmp_path: Path) -> None:
    settings = Settings()
    assert closed_period(datetime(2026, 4, 1, 0, 5, tzinfo=UTC), settings).name == "2026-02"
    assert closed_period(datetime(2026, 2, 3, tzinfo=UTC), settings).name == "2025-12"


def test_the_bundle_job_writes_the_closed_period_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'vric.db'}"
    store = Store(url)
    store.upgrade()
    config = write_config(tmp_path / "config", ["http://127.0.0.1:9/feed.xml"])
    monkeypatch.setenv("VRIC_DATABASE_URL", url)  # the bundle command runs as a child
    monkeypatch.setenv("VRIC_CONFIG_DIR", str(config))
    out = tmp_path / "bundles"
    out.mkdir()
    when = datetime(2026, 4, 2, tzinfo=UTC)
    assert bundle_closed_period(store, Settings(), out, when) == "2026-02"
    manifest = json.loads((out / "2026-02" / "manifest.json").read_text())
    assert manifest["period"] == "2026-02"
    # Already written: nothing runs (not even the bundle command).
    assert bundle_closed_period(store, Settings(), out, when) is None
    # Another process holds the bundle job: skipped, not run twice.
    (out / "2026-02" / "manifest.json").unlink()
    with job_lock(store, "bundle"):
        assert bundle_closed_period(store, Settings(), out, when) is None
