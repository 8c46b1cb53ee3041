"""``vric status [--json]``: runs, queue, failing feeds, size, current period."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from pipeline.article.identity import entry_keys
from pipeline.cli import cli
from pipeline.periods import period_for
from pipeline.store import Store
from pipeline.types import ArticleRecord, ConfiguredFeed, FeedItem, FeedUpdate


def _seed(store: Store, now: datetime) -> str:
    store.sync_feeds(
        [
            ConfiguredFeed(
                key=k,
                url=f"http://{k}.example/rss?token=s3cret",
                outlet="ru_rt_es",
                kind="rss",
                language="es",
                allow_private=False,
            )
            for k in ("good", "bad")
        ],
        now,
    )
    ids = {f.key: f.id for f in store.feeds()}
    new, _ = entry_keys([FeedItem(url="http://good.example/a/1", guid="1", title="t")])
    store.record_feed_fetch(
        ids["good"],
        FeedUpdate(
            attempt_at=now,
            success_at=now,
            next_due=now + timedelta(hours=1),
            state="ok",
            failures=0.0,
            consecutive_failures=0,
        ),
        new,
    )
    store.record_feed_fetch(
        ids["bad"],
        FeedUpdate(
            attempt_at=now,
            next_due=now + timedelta(hours=1),
            state="failing",
            failures=2.0,
            consecutive_failures=2,
            error_code="timeout",
            error="timed out",
        ),
        [],
    )
    period = period_for(now).name
    store.save_article(
        ArticleRecord(
            url_key="k" * 64,
            canonical_url="http://good.example/a/0",
            original_url="http://good.example/a/0",
            title="Rusia",
            published_at=now,
            date_source="feed",
            first_seen=now,
            period=period,
            extraction_status="ok",
            relevant=True,
        ),
        [],
        now,
    )
    run = store.start_run("cycle", "w1", now - timedelta(seconds=30))
    store.finish_run(run, now, "ok", {"feeds_polled": 2, "articles_new": 1}, {"timeout": 1})
    return period


def test_status_json_has_what_an_operator_needs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vric.db'}"
    store = Store(url)
    store.upgrade()
    period = _seed(store, datetime.now(UTC))
    result = CliRunner().invoke(
        cli, ["status", "--json"], env={"VRIC_DATABASE_URL": url, "VRIC_CONFIG_DIR": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["database"]["backend"] == "sqlite" and doc["database"]["size_bytes"] > 0
    (run,) = doc["runs"]
    assert (run["status"], run["worker"], run["seconds"]) == ("ok", "w1", 30.0)
    assert run["counts"]["articles_new"] == 1 and run["errors"] == {"timeout": 1}
    assert doc["queue_depth"] == 1
    (failing,) = doc["failing_feeds"]
    assert failing["key"] == "bad" and failing["error_code"] == "timeout"
    assert "s3cret" not in result.stdout  # secrets in URLs are redacted
    assert doc["period"]["name"] == period and doc["period"]["candidates"] == 1
    assert doc["daemon"] is None  # no daemon ever ran here
    assert doc["workers"] == []


def test_status_prints_a_readable_summary(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vric.db'}"
    store = Store(url)
    store.upgrade()
    _seed(store, datetime.now(UTC))
    result = CliRunner().invoke(cli, ["status"], env={"VRIC_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "queue depth: 1" in result.output
    assert "candidates" in result.output


def test_status_on_a_missing_schema_is_a_one_line_error(tmp_path: Path) -> None:
    import sqlite3

    sqlite3.connect(tmp_path / "empty.db").close()  # a database without our tables
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = CliRunner().invoke(cli, ["status"], env={"VRIC_DATABASE_URL": url})
    assert result.exit_code == 1
    assert "vric db upgrade" in result.output
