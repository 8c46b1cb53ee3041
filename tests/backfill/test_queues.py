"""A backfill's queue belongs to the backfill of its period: the normal cycle
never fetches it (no period check there), a backfill or heal of another period
never takes it (it would skip those pages as out of *its* period), and
`vric feeds status` does not show the backfill's own feed rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from pipeline.backfill.jobs import plan_sources
from pipeline.cli import cli
from pipeline.config import Config
from pipeline.periods import parse_period
from tests.backfill.conftest import OUTLET, make_config
from tests.backfill.site import HOST, monthly_site
from tests.reliability.scriptserver import ScriptServer

FEED = {"url": f"http://{HOST}/feed.xml", "kind": "rss"}


def _page_hits(server: ScriptServer) -> int:
    return sum(n for k, n in server.hits.items() if k.startswith(f"{HOST}/2021/"))


def _entries(runner: Any, state: str) -> int:
    return int(
        runner.scalar(
            "SELECT count(*) FROM entries e JOIN feeds f ON f.id = e.feed_id "
            "WHERE f.kind = 'backfill' AND e.state = :state",
            state=state,
        )
    )


def test_a_backfills_queue_waits_for_its_own_period(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    monthly_site(server)
    runner = runner_for(make_config(base_config, [FEED], port=server.port))

    first = runner.run("2021-08", max_pages=5)
    assert first.max_pages_reached and first.outlets[0].stored == 5
    assert (_entries(runner, "queued"), _page_hits(server)) == (15, 5)

    # The normal cycle polls the outlet's feed but leaves the backfill's pages alone.
    cycle = runner.ingestor().run_once()
    assert _page_hits(server) == 5
    assert cycle.articles_new == 0
    assert _entries(runner, "queued") == 15

    # A backfill of October reads October only and skips none of August's queue.
    october = runner.run("2021-10")
    assert october.outlets[0].stored == 10
    assert dict(october.outlets[0].skipped) == {}
    assert _entries(runner, "queued") == 15
    assert _entries(runner, "skipped") == 0

    # Started again, the August backfill finishes its own queue.
    rest = runner.run("2021-08")
    assert rest.outlets[0].stored == 15
    assert runner.scalar("SELECT count(*) FROM articles WHERE period = '2021-08'") == 20
    assert runner.scalar("SELECT count(*) FROM articles WHERE period = '2021-10'") == 10
    assert _entries(runner, "queued") == 0

    # The bundle's coverage of August shows August's backfill row, not October's.
    feeds, _ = runner.store.coverage("2021-08")
    backfills = [f for f in feeds if f.key.startswith("backfill:")]
    assert [(f.key, f.articles) for f in backfills] == [(f"backfill:{OUTLET}:2021-08", 20)]


def test_feeds_status_does_not_list_the_backfills_feed_rows(
    db_url: str, server: ScriptServer, tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    monthly_site(server, base=base, host="")
    (tmp_path / "settings.yaml").write_text(
        "fetch:\n  min_host_interval: 0\ningest:\n  extract_processes: 1\n", encoding="utf-8"
    )
    (tmp_path / "feeds.yaml").write_text(
        f"feeds:\n  - {{id: diario, url: '{base}/feed.xml', outlet: {OUTLET}}}\n",
        encoding="utf-8",
    )
    env = {"VRIC_CONFIG_DIR": str(tmp_path), "VRIC_DATABASE_URL": db_url,
           "VRIC_ALLOW_HOSTS": f"127.0.0.1:{server.port}"}  # fmt: skip
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], env=env).exit_code == 0
    args = ["backfill", "--period", "2021-08", "--sitemap", f"{base}/sitemap_index.xml",
            "--outlet", OUTLET, "--max-pages", "2"]  # fmt: skip
    done = runner.invoke(cli, args, env=env)
    assert done.exit_code == 0, done.output

    result = runner.invoke(cli, ["feeds", "status", "--json"], env=env)

    assert result.exit_code == 0, result.output
    assert [(r["key"], r["state"]) for r in json.loads(result.stdout)] == [("diario", "new")]
    assert "backfill:" not in runner.invoke(cli, ["feeds", "status"], env=env).stdout


def test_an_outlet_with_registry_sitemaps_and_no_feed_is_backfilled_by_default(
    base_config: Config,
) -> None:
    sitemap = f"http://{HOST}/sitemap_index.xml"
    outlets = [
        o.model_copy(update={"sitemaps": [sitemap]}) if o.id == OUTLET else o
        for o in base_config.outlets.outlets
    ]
    bare = make_config(base_config, [])
    config = Config(
        settings=bare.settings,
        feeds=bare.feeds,
        outlets=base_config.outlets.model_copy(update={"outlets": outlets}),
        rules=bare.rules,
    )

    planned = plan_sources(config, [], [], search=False, period=parse_period("2021-08"))

    assert [(p.outlet, p.sitemaps) for p in planned] == [(OUTLET, [sitemap])]


def test_a_heal_fetches_its_gaps_pages_not_what_the_periods_backfill_left_queued(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    from pipeline.backfill.runner import Backfill
    from pipeline.backfill.sources import outlet_sources

    monthly_site(server)
    runner = runner_for(make_config(base_config, [FEED], port=server.port))
    assert runner.run("2021-08", max_pages=2).outlets[0].stored == 2
    assert _entries(runner, "queued") == 18

    gap = replace(parse_period("2021-08"), start=datetime(2021, 8, 9, tzinfo=UTC),
                  end=datetime(2021, 8, 11, tzinfo=UTC))  # fmt: skip
    heal = Backfill(runner.config, runner.store, runner.ingestor(), runner.parser, gap,
                    scope="gap:1")  # fmt: skip
    report = heal.run([outlet_sources(runner.config, OUTLET)])

    assert report.outlets[0].stored == 1  # the article of 10 August, nothing else
    assert server.hits[f"{HOST}/2021/08/10/nota-8-4.html"] == 1
    assert _page_hits(server) == 3
    assert _entries(runner, "queued") == 17  # the rest waits for the period's backfill
