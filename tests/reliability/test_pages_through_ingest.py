"""Article pages that lie, through the whole cycle (RELIABILITY H95-H97,
H101): what is stored, and how often the server is asked again; and the
extraction soak (H100, slow)."""

from __future__ import annotations

import contextlib
from collections import Counter

import psutil
import pytest

from pipeline.extract import ExtractorPool
from pipeline.store import Store
from tests.reliability.conftest import START, MakeHarness
from tests.reliability.docs import Item, page, rss
from tests.reliability.scriptserver import Reply, ScriptServer

HTML = "text/html; charset=utf-8"
SUMMARY = "Rusia y México firmaron un acuerdo de cooperación energética, informó la cancillería."
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 8


def _one_item_feed(server: ScriptServer, path: str) -> None:
    server.serve("/f.xml", rss([Item(f"http://news.test{path}", guid="1", published=START,
                                     description=SUMMARY)]))  # fmt: skip


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        (Reply(body=PNG, content_type=HTML), "summary:not_html"),  # H95
        (Reply(body=PDF, content_type=HTML), "summary:not_html"),
        (Reply(204, b"", HTML), "summary:empty_body"),  # H96
        (Reply(body=b" \n\t ", content_type=HTML), "summary:empty_body"),
        (Reply(body=b"just one line of plain text", content_type="text/plain"),
         "summary:extract_failed"),  # H97
        (Reply(body=b"<html><body><div id=app></div><script>boot()</script></body></html>",
               content_type=HTML), "summary:extract_failed"),
    ],
    ids=["png", "pdf", "204", "blank", "plain-text", "js-app"],
)  # fmt: skip
def test_h95_h97_a_page_with_no_article_keeps_the_feed_summary_and_is_not_retried(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store, reply: Reply, status: str
) -> None:
    _one_item_feed(server, "/a/1")
    server.script("/a/1", reply)
    h = make_harness(sqlite_store, [{"id": "f", "url": "http://feed.test/f.xml"}])
    h.run()
    for _ in range(3):
        h.run_later(6)
    (row,) = h.rows("SELECT extraction_status, text, summary FROM articles")
    assert row["extraction_status"] == status
    assert row["text"] == SUMMARY and row["summary"] == SUMMARY
    assert server.hits["news.test/a/1"] == 1  # a lying page is not a retry storm
    assert h.scalar("SELECT state FROM entries") == "done"


def test_h101_meta_refresh_and_script_redirects_are_not_followed(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    _one_item_feed(server, "/a/r")
    trap = f"http://127.0.0.1:{server.port}/trap"
    body = page("Rusia y México firman un acuerdo").replace(
        b"<head>",
        f'<head><meta http-equiv="refresh" content="0; url={trap}">'
        f"<script>window.location.href='http://trap.test/trap2'</script>".encode(),
    )
    server.serve("/a/r", body, content_type=HTML)
    h = make_harness(sqlite_store, [{"id": "f", "url": "http://feed.test/f.xml"}])
    h.run()
    assert not any("trap" in k for k in server.hits), server.hits
    assert h.resolver.calls["trap.test"] == 0
    (row,) = h.rows("SELECT extraction_status, canonical_url FROM articles")
    assert row == {"extraction_status": "ok", "canonical_url": "http://news.test/a/r"}


def _worker_rss(me: psutil.Process) -> int:
    """The largest resident size among the extraction workers (the fork server's
    children, i.e. this process's grandchildren)."""
    sizes = []
    for child in me.children():
        for worker in child.children():
            with contextlib.suppress(psutil.Error):
                sizes.append(worker.memory_info().rss)
    return max(sizes, default=0)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_h100_two_thousand_varied_pages_in_one_worker_keep_its_memory_flat() -> None:
    """Extraction soak: 2,000 pages through one worker (recycled every 200 pages);
    the worker's peak RSS in the second thousand is within 50 MB of the first's."""
    me = psutil.Process()
    kinds = [
        lambda i: page(f"Noticia {i} de Rusia y México", paragraphs=3 + i % 7),
        lambda i: (
            b"<html><body>" + b"<div>" * (i % 500) + b"x" + b"</div>" * (i % 500) + b"</body>"
        ),
        lambda i: b"<table>" + b"<tr><td colspan=1000>c</td></tr>" * (i % 50) + b"</table>",
        lambda i: PNG,
        lambda i: (
            "<html><body>" + "<img src='http://t.test/p.gif'>" * (i % 300) + "</body>"
        ).encode(),
    ]
    statuses: Counter[str] = Counter()
    peaks = [0, 0]  # first and second thousand
    with ExtractorPool(1, deadline_s=10.0, max_tasks_per_child=200) as pool:
        pages = ((kinds[i % len(kinds)](i), f"http://news.test/a/{i}") for i in range(2000))
        for i, extracted in enumerate(pool.map(pages)):
            statuses[extracted.status] += 1
            if i % 25 == 0:
                peaks[i // 1000] = max(peaks[i // 1000], _worker_rss(me))
    assert statuses.total() == 2000 and statuses["ok"] >= 300
    assert "extract_timeout" not in statuses
    assert peaks[0] > 0 and peaks[1] - peaks[0] < 50 * 2**20, peaks
