"""Paged WordPress feeds, RFC 5005 archive chains and dated search feeds."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from pipeline.backfill.sources import OutletSources
from pipeline.config import Config
from tests.backfill.conftest import OUTLET, make_config
from tests.backfill.site import HOST, XML, article_pages, atom, rss
from tests.reliability.scriptserver import ScriptServer

RSS = "application/rss+xml; charset=utf-8"


def test_a_paged_feed_is_walked_back_to_the_period_and_no_further(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    pages = {n: article_pages(server, month, 3, tag="wp") for n, month in
             ((1, 11), (2, 10), (3, 9), (4, 8), (5, 7), (6, 6))}  # fmt: skip
    server.serve(f"{HOST}/feed/", rss(pages[1]), content_type=RSS)
    for n in range(2, 7):
        server.serve(f"{HOST}/feed/?paged={n}", rss(pages[n]), content_type=RSS)
    runner = runner_for(
        make_config(base_config, [{"url": f"http://{HOST}/feed/"}], port=server.port)
    )

    report = runner.run("2021-08", sources=[OutletSources(OUTLET, feeds=runner.config.feeds.feeds)])

    assert [server.hits[f"{HOST}/feed/?paged={n}"] for n in range(2, 7)] == [1, 1, 1, 1, 0]
    assert runner.scalar("SELECT count(*) FROM articles WHERE period = '2021-08'") == 6
    assert runner.scalar("SELECT count(*) FROM articles") == 6
    assert (
        runner.scalar("SELECT count(*) FROM entries WHERE discovered_via = 'backfill:archive'") == 6
    )
    assert sum(n for k, n in server.hits.items() if "/wp/2021/10/" in k or "/2021/07/" in k) == 0
    assert report.outlets[0].stored == 6


def test_an_rfc5005_archive_chain_is_followed_back_to_the_period(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    base = f"http://{HOST}"
    months = (10, 9, 8, 7, 6)
    server.serve(
        f"{HOST}/atom.xml",
        atom(article_pages(server, 11, 2, tag="at"), prev_archive=f"{base}/archive/2021-10.xml"),
        content_type=XML,
    )
    for month, older in zip(months, (*months[1:], None), strict=True):
        prev = f"{base}/archive/2021-{older:02d}.xml" if older else None
        items = article_pages(server, month, 2, tag="at")
        server.serve(f"{HOST}/archive/2021-{month:02d}.xml", atom(items, prev_archive=prev),
                     content_type=XML)  # fmt: skip
    runner = runner_for(make_config(base_config, [{"url": f"{base}/atom.xml"}], port=server.port))

    report = runner.run("2021-08", sources=[OutletSources(OUTLET, feeds=runner.config.feeds.feeds)])

    hits = [server.hits[f"{HOST}/archive/2021-{m:02d}.xml"] for m in months]
    assert hits == [1, 1, 1, 1, 0]  # July is older than the period: June is never asked for
    assert runner.scalar("SELECT count(*) FROM articles WHERE period = '2021-08'") == 4
    assert runner.scalar("SELECT count(*) FROM articles") == 4
    assert report.outlets[0].in_period == 4


def test_dated_search_feeds_store_the_period_with_their_publishers(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    from pipeline.backfill.jobs import plan_sources
    from pipeline.periods import parse_period

    inside = article_pages(server, 8, 2, tag="gn") + article_pages(server, 9, 1, tag="gn")
    outside = article_pages(server, 10, 1, tag="gn")
    body = rss(inside + outside, source=f"http://{HOST}")
    server.serve("news.test/rss/search", body, content_type=RSS)
    config = make_config(
        base_config, [],
        backfill={"search_url": "http://news.test/rss/search?q={query}&hl={lang}",
                  "search_window_days": 31},
        port=server.port,
    )  # fmt: skip
    config = Config(
        settings=config.settings, feeds=config.feeds, outlets=config.outlets,
        rules=config.rules.model_copy(update={"search": {"russia": ("Rusia Venezuela",)}}),
    )  # fmt: skip
    config.__dict__["registry"] = base_config.registry
    config.__dict__["compiled_rules"] = base_config.compiled_rules
    runner = runner_for(config)
    period = parse_period("2021-08")
    sources = plan_sources(config, [], [], search=True, period=period)

    report = runner.run("2021-08", sources=sources)

    asked = [unquote_plus(s.path) for s in server.seen if s.path.startswith("/rss/search")]
    assert asked == [
        "/rss/search?q=Rusia Venezuela after:2021-07-31 before:2021-09-01&hl=es",
        "/rss/search?q=Rusia Venezuela after:2021-08-31 before:2021-10-01&hl=es",
    ]
    assert runner.scalar("SELECT count(*) FROM articles WHERE period = '2021-08'") == 3
    assert runner.scalar("SELECT count(*) FROM articles") == 3
    assert (
        runner.scalar(
            "SELECT count(DISTINCT url) FROM entries WHERE discovered_via = 'backfill:search'"
            f" AND source_url = 'http://{HOST}'"
        )
        == 3
    )
    assert report.outlets[0].stored == 3
