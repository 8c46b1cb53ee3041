"""Coverage gaps: a 30-hour outage is shown in status and coverage.csv, and
healed by the daemon's backfill when ``backfill.auto`` is on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.backfill.heal import gap_windows, heal_gaps
from pipeline.cli.ops_cmd import collect_status
from pipeline.config import Config
from pipeline.periods import parse_period
from pipeline.sources.gaps import Gap, closed_gap, hours_within
from tests.backfill.conftest import make_config
from tests.backfill.site import HOST, article_pages, monthly_site, rss
from tests.reliability.scriptserver import Reply, ScriptServer

T0 = datetime(2021, 8, 10, 0, 0, tzinfo=UTC)
RSS = "application/rss+xml; charset=utf-8"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_gaps_are_reads_too_far_apart() -> None:
    hour = timedelta(hours=1)
    assert closed_gap(T0, 0, T0 + 2 * hour, 3600) is None  # one late poll is no gap
    assert closed_gap(T0, 3, T0 + 30 * hour, 3600) == Gap(T0, T0 + 30 * hour, "failing")
    assert closed_gap(T0, 0, T0 + 30 * hour, 3600).reason == "not_polled"  # type: ignore[union-attr]
    gaps = [Gap(T0, T0 + 10 * hour, "failing"), Gap(T0 + 5 * hour, T0 + 12 * hour, "open")]
    assert hours_within(gaps, T0 + 2 * hour, T0 + 100 * hour) == 10.0


def test_a_gap_across_two_periods_is_healed_in_each() -> None:
    start, end = datetime(2021, 9, 30, 12, tzinfo=UTC), datetime(2021, 10, 1, 6, tzinfo=UTC)
    windows = gap_windows(start, end, period_start="even", tz="UTC")
    assert [(w.name, w.start.day, w.end.day) for w in windows] == [
        ("2021-08", 30, 1),
        ("2021-10", 1, 1),
    ]


def test_a_thirty_hour_outage_shows_as_a_gap_and_is_healed_after_the_feed_recovers(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    monthly_site(server)
    feed_items = article_pages(server, 8, 1, tag="feed")
    server.script(
        f"{HOST}/feed.xml",
        Reply(body=rss(feed_items), content_type=RSS),  # T0: read
        Reply(status=503, body=b"down", content_type="text/plain"),  # the outage
        Reply(body=rss(feed_items), content_type=RSS),  # T0 + 30 h: back
    )
    config = make_config(base_config, [{"url": f"http://{HOST}/feed.xml", "interval": 60}],
                         port=server.port, backfill={"auto": True})  # fmt: skip
    runner = runner_for(config)
    clock = Clock()
    runner.clock = clock
    ing = runner.ingestor()

    ing.run_once()
    clock.now = T0 + timedelta(hours=3)
    ing.run_once()
    assert (
        runner.scalar("SELECT consecutive_failures FROM feeds WHERE key NOT LIKE 'backfill:%'") == 1
    )
    clock.now = T0 + timedelta(hours=20)
    status = collect_status(runner.store, config.settings, clock.now, 5)
    assert [g["gap_hours"] for g in status["coverage_gaps"]] == [20.0]  # open, still failing

    clock.now = T0 + timedelta(hours=30)
    ing.run_once()
    period = parse_period("2021-08")
    [(key, hours)] = runner.store.gap_hours(period.start, period.end).items()
    assert hours == 30.0
    assert runner.scalar("SELECT reason FROM feed_gaps") == "failing"

    healed = heal_gaps(config, runner.store, ing)

    assert [(h["feed"], h["stored"]) for h in healed] == [(key, 1)]
    # Only August's child was read, and only the article of the gap's hours stored.
    assert server.hits[f"{HOST}/sitemaps/sitemap-2021-08.xml"] == 1
    assert server.hits[f"{HOST}/sitemaps/sitemap-2021-07.xml"] == 0
    assert server.hits[f"{HOST}/sitemaps/sitemap-2021-09.xml"] == 0
    assert (
        runner.scalar(
            "SELECT a.original_url FROM articles a JOIN entries e ON e.article_id = a.id "
            "WHERE e.discovered_via = 'backfill:sitemap'"
        )
        == f"http://{HOST}/2021/08/10/nota-8-4.html"
    )
    assert heal_gaps(config, runner.store, ing) == []  # once per gap


def test_without_auto_nothing_is_healed(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    config = make_config(base_config, [], port=server.port)
    runner = runner_for(config)
    assert heal_gaps(config, runner.store, runner.ingestor()) == []
