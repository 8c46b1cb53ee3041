"""Hostile sitemaps end as error codes, never as a hang or a memory blow-up."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from pipeline.backfill.sources import OutletSources
from pipeline.config import Config
from tests.backfill.conftest import OUTLET, make_config
from tests.backfill.site import HOST, XML, gzip_bomb, sitemap_index, urlset
from tests.reliability.scriptserver import ScriptServer

BASE = f"http://{HOST}"


def _errors(report: Any) -> dict[str, int]:
    return report.as_dict()["outlets"][0]["errors"]


def test_a_sitemap_index_loop_is_an_error_code_and_each_sitemap_is_read_once(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    server.serve(f"{HOST}/a.xml", sitemap_index([(f"{BASE}/b.xml", None)]), content_type=XML)
    server.serve(
        f"{HOST}/b.xml",
        sitemap_index([(f"{BASE}/a.xml", None), (f"{BASE}/b.xml", None)]),
        content_type=XML,
    )
    runner = runner_for(make_config(base_config, [], port=server.port))

    report = runner.run(sources=[OutletSources(OUTLET, sitemaps=[f"{BASE}/a.xml"])])

    assert _errors(report) == {"sitemap_loop": 2}
    assert (server.hits[f"{HOST}/a.xml"], server.hits[f"{HOST}/b.xml"]) == (1, 1)


def test_an_endless_chain_of_indexes_stops_at_the_depth_cap(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    for n in range(1, 30):
        server.serve(
            f"{HOST}/idx/{n}.xml", sitemap_index([(f"{BASE}/idx/{n + 1}.xml", None)]),
            content_type=XML,
        )  # fmt: skip
    runner = runner_for(
        make_config(base_config, [], port=server.port, backfill={"max_index_depth": 4})
    )

    report = runner.run(sources=[OutletSources(OUTLET, sitemaps=[f"{BASE}/idx/1.xml"])])

    assert _errors(report) == {"sitemap_depth": 1}
    assert sum(n for k, n in server.hits.items() if "/idx/" in k) == 4


def test_a_gzip_sitemap_bomb_is_too_large_and_gives_nothing(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    bomb = gzip_bomb(40 * 2**20)
    assert len(bomb) < 200_000  # 40 MiB of XML in a small file
    server.serve(f"{HOST}/sitemap.xml.gz", bomb, content_type="application/x-gzip")
    runner = runner_for(
        make_config(base_config, [], port=server.port, backfill={"max_sitemap_bytes": 2**20})
    )

    report = runner.run(sources=[OutletSources(OUTLET, sitemaps=[f"{BASE}/sitemap.xml.gz"])])

    assert _errors(report) == {"too_large": 1}
    assert runner.scalar("SELECT count(*) FROM entries") == 0
    assert (
        runner.scalar("SELECT error_code FROM backfill_progress WHERE url LIKE '%sitemap.xml.gz'")
        == "too_large"
    )


def test_a_sixty_thousand_url_sitemap_is_read_in_a_dry_run(
    base_config: Config, server: ScriptServer, runner_for: Any
) -> None:
    rows = [(f"{BASE}/2021/{m:02d}/n-{i}.html", f"2021-{m:02d}-15") for i in range(15_000)
            for m in (7, 8, 9, 10)]  # fmt: skip
    server.serve(f"{HOST}/big.xml", urlset(rows), content_type=XML)
    runner = runner_for(make_config(base_config, [], port=server.port))

    report = runner.run(sources=[OutletSources(OUTLET, sitemaps=[f"{BASE}/big.xml"])], dry_run=True)

    outlet = report.as_dict()["outlets"][0]
    assert (outlet["urls_seen"], outlet["in_period"], outlet["errors"]) == (60_000, 30_000, {})
    assert runner.scalar("SELECT count(*) FROM entries") == 0  # a dry run stores nothing
    assert runner.scalar("SELECT count(*) FROM backfill_progress") == 0
    assert not any("/2021/" in k for k in server.hits)


_MEASURE = """
import gc, sys
import psutil
from lxml import etree
from tests.backfill.site import urlset
from datetime import UTC, datetime
from pipeline.parse.sitemaps import iter_sitemap
NOW = datetime(2026, 1, 1, tzinfo=UTC)
body = urlset([(f"http://d.test/2021/08/n-{i}.html", "2021-08-15") for i in range(60_000)])
gc.collect()
proc = psutil.Process()
before = proc.memory_info().rss
peak = before
n = 0
if sys.argv[1] == "stream":
    for _ in iter_sitemap(body, max_bytes=1 << 30, now=NOW):
        n += 1
        if n % 500 == 0:
            peak = max(peak, proc.memory_info().rss)
else:
    tree = etree.fromstring(body)
    n = len(tree)
    peak = proc.memory_info().rss
print(n, (peak - before) // 1024)
"""


def _peak_growth_kib(mode: str) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, mode], capture_output=True, text=True, check=True,
        timeout=120,
    ).stdout.split()  # fmt: skip
    return int(out[0]), int(out[1])


def test_a_sixty_thousand_url_sitemap_is_streamed_in_bounded_memory() -> None:
    streamed, stream_kib = _peak_growth_kib("stream")
    parsed, tree_kib = _peak_growth_kib("tree")
    assert streamed == parsed == 60_000
    # A tree of the whole document costs tens of MiB; streaming a few at most.
    assert tree_kib > 20_000
    assert stream_kib < tree_kib / 4, (stream_kib, tree_kib)
