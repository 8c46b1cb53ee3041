"""The main path: robots.txt → sitemap index → only the children of the period."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pipeline.backfill.sources import OutletSources
from pipeline.config import Config
from tests.backfill.conftest import OUTLET, make_config
from tests.backfill.site import HOST, HTML, XML, article_html, monthly_site, urlset
from tests.reliability.scriptserver import ScriptServer

FEED = {"url": f"http://{HOST}/feed.xml", "kind": "rss"}


def _page_hits(server: ScriptServer, month: int) -> int:
    return sum(n for k, n in server.hits.items() if k.startswith(f"{HOST}/2021/{month:02d}/"))


def test_sitemap_index_backfill_reads_only_the_months_of_the_period(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    monthly_site(server)
    runner = runner_for(make_config(base_config, [FEED], port=server.port))

    report = runner.run("2021-08")

    assert server.hits[f"{HOST}/sitemap_index.xml"] == 1
    assert server.hits[f"{HOST}/sitemaps/sitemap-2021-08.xml"] == 1
    assert server.hits[f"{HOST}/sitemaps/sitemap-2021-09.xml"] == 1
    assert server.hits[f"{HOST}/sitemaps/sitemap-2021-07.xml"] == 0
    assert server.hits[f"{HOST}/sitemaps/sitemap-2021-10.xml"] == 0
    assert (_page_hits(server, 7), _page_hits(server, 8)) == (0, 10)
    assert (_page_hits(server, 9), _page_hits(server, 10)) == (10, 0)
    assert runner.scalar("SELECT count(*) FROM articles WHERE period = '2021-08'") == 20
    assert runner.scalar("SELECT count(*) FROM articles") == 20
    assert (
        runner.scalar("SELECT count(*) FROM entries WHERE discovered_via = 'backfill:sitemap'")
        == 20
    )
    outlet = report.outlets[0]
    assert (outlet.urls_seen, outlet.in_period, outlet.stored) == (20, 20, 20)

    # A second run adds nothing and fetches no page again.
    before = dict(server.hits)
    again = runner.run("2021-08")
    assert runner.scalar("SELECT count(*) FROM articles") == 20
    assert again.outlets[0].stored == 0
    assert _page_hits(server, 8) + _page_hits(server, 9) == 20
    assert (
        server.hits[f"{HOST}/sitemaps/sitemap-2021-08.xml"]
        == before[f"{HOST}/sitemaps/sitemap-2021-08.xml"]
    )


def test_an_implausible_sitemap_date_leaves_the_page_to_decide_and_is_flagged(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    """issue 18: a lastmod of 1970 (a CMS's zero date) is not read as the article's
    date, so the August page is still stored; the entry keeps the raw text."""
    path = "/2021/08/20/nota-cero.html"
    published = datetime(2021, 8, 20, 9, tzinfo=UTC)
    server.serve(f"{HOST}{path}", article_html("nota-cero", published, 3), content_type=HTML)
    server.serve(
        f"{HOST}/sitemap.xml", urlset([(f"http://{HOST}{path}", "1970-01-01")]), content_type=XML
    )
    runner = runner_for(make_config(base_config, [], port=server.port))

    report = runner.run(sources=[OutletSources(OUTLET, sitemaps=[f"http://{HOST}/sitemap.xml"])])

    assert report.outlets[0].stored == 1
    assert runner.scalar("SELECT period FROM articles") == "2021-08"
    assert runner.scalar("SELECT date_flags || ' ' || published_raw FROM entries") == (
        "date_implausible 1970-01-01"
    )


def test_the_progress_bar_counts_what_was_read_then_the_pages_of_its_plan(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    from pipeline.backfill.runner import Backfill
    from pipeline.periods import parse_period

    monthly_site(server)
    runner = runner_for(make_config(base_config, [], port=server.port))
    events: list[tuple[str, int]] = []
    job = Backfill(
        runner.config, runner.store, runner.ingestor(), runner.parser, parse_period("2021-08"),
        max_pages=15, progress=lambda what, n: events.append((what, n)),
    )  # fmt: skip

    job.run([OutletSources(OUTLET, sitemaps=[f"http://{HOST}/sitemap_index.xml"])])

    plan = events.index(("plan", 15))  # 20 queued, capped by --max-pages
    assert events[:plan] == [("read", 1)] * 3  # the index, August and September
    assert {what for what, _ in events[plan + 1 :]} == {"pages"}
    assert sum(n for _, n in events[plan + 1 :]) == 15
