"""Identity and duplicates through the real ingest path (RELIABILITY F86,
G88-G93): a scripted loopback server, ``Ingestor.run_once``, a real store.

DUP0 is checked on what a user would see: entry rows per feed, article rows,
and page fetches counted on the server.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from pipeline.store import Store
from tests.reliability.conftest import START, Harness, MakeHarness
from tests.reliability.docs import Item, page, rss
from tests.reliability.scriptserver import Reply, ScriptServer

HTML = "text/html; charset=utf-8"


def _feeds(*paths: str) -> list[dict[str, str]]:
    return [{"id": p.strip("/").replace(".xml", ""), "url": f"http://feed.test{p}"} for p in paths]


def test_f86_same_guid_with_a_new_date_every_fetch_stays_one_entry_and_one_article(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    server.serve("/a/1", page("Rusia y México firman un acuerdo"), content_type=HTML)
    dated = [
        Reply(
            body=rss(
                [Item("http://news.test/a/1", guid="g-1", published=START + timedelta(hours=i))]
            )
        )
        for i in range(3)
    ]
    server.script("/f.xml", *dated)
    h = make_harness(sqlite_store, _feeds("/f.xml"))
    h.run()
    first = h.rows("SELECT * FROM articles")
    h.run_later()
    h.run_later()
    assert server.hits["feed.test/f.xml"] == 3  # three different bodies, all parsed
    assert h.scalar("SELECT count(*) FROM entries") == 1
    assert h.rows("SELECT * FROM articles") == first  # not rewritten, not duplicated
    assert server.hits["news.test/a/1"] == 1


def test_g88_a_guid_repeated_in_one_document_is_rekeyed_or_dropped(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    items = [
        Item("http://news.test/a/1", guid="same", published=START),
        Item("http://news.test/a/2", guid="same", published=START),  # other URL: GUID|URL
        Item("http://news.test/a/1", guid="same", published=START),  # exact repeat: dropped
    ]
    server.serve("/f.xml", rss(items))
    server.serve("/a/1", page("Rusia y México"), content_type=HTML)
    server.serve("/a/2", page("Irán y Venezuela"), content_type=HTML)
    h = make_harness(sqlite_store, _feeds("/f.xml"))
    report = h.run()
    entries = h.rows("SELECT guid, url FROM entries ORDER BY id")
    assert entries == [
        {"guid": "same", "url": "http://news.test/a/1"},
        {"guid": "same|http://news.test/a/2", "url": "http://news.test/a/2"},
    ]
    assert report.skipped["duplicate"] == 1
    assert h.scalar("SELECT count(*) FROM articles") == 2
    h.run_later()  # the same document again: nothing new
    assert h.scalar("SELECT count(*) FROM entries") == 2


def test_g89_items_without_guid_are_keyed_by_their_canonical_link(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    server.script(
        "/f.xml",
        Reply(body=rss([Item("http://news.test/a/1", title="Primera versión", published=START)])),
        # The next fetch: a tracking parameter, a fragment and a retitled item.
        Reply(
            body=rss(
                [
                    Item(
                        "http://news.test/a/1?utm_source=rss#x",
                        title="Título corregido",
                        published=START,
                    )
                ]
            )
        ),
        Reply(body=rss([Item("", title="Sin enlace", published=START)])),
    )
    server.serve("/a/1", page("Rusia y México"), content_type=HTML)
    h = make_harness(sqlite_store, _feeds("/f.xml"))
    h.run()
    h.run_later()
    report = h.run_later()
    assert h.scalar("SELECT count(*) FROM entries") == 1
    assert h.scalar("SELECT count(*) FROM articles") == 1
    assert server.hits["news.test/a/1"] == 1
    # An item with neither GUID nor link cannot be fetched: skipped and counted.
    assert report.skipped["no_link"] == 1


def test_g90_a_guid_that_changes_every_fetch_adds_no_entry_for_a_known_link(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    volatile = [
        Reply(body=rss([Item("http://news.test/a/1", guid=f"session-{i}", published=START)]))
        for i in range(3)
    ]
    server.script("/f.xml", *volatile)
    server.serve("/a/1", page("Rusia y México"), content_type=HTML)
    h = make_harness(sqlite_store, _feeds("/f.xml"))
    h.run()
    h.run_later()
    h.run_later()
    # What already holds: one article and one page fetch.
    assert h.scalar("SELECT count(*) FROM articles") == 1
    assert server.hits["news.test/a/1"] == 1
    # What the catalog asks for too: one entry row for one item of one feed.
    assert h.scalar("SELECT count(*) FROM entries") == 1


def test_g91_tracking_parameters_fragments_and_www_give_one_article_and_one_fetch(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    server.serve("/f1.xml", rss([Item("http://www.news.test/a/1?utm_source=tw&fbclid=9#top",
                                      guid="x", published=START)]))  # fmt: skip
    server.serve("/f2.xml", rss([Item("http://news.test/a/1?gclid=3", guid="y", published=START)]))
    server.serve("/a/1", page("Rusia y México"), content_type=HTML)
    h = make_harness(sqlite_store, _feeds("/f1.xml", "/f2.xml"))
    h.run()
    assert h.rows("SELECT canonical_url FROM articles") == [
        {"canonical_url": "http://news.test/a/1"}
    ]
    page_hits = sum(n for k, n in server.hits.items() if "/a/1" in k)
    assert page_hits == 1
    assert h.scalar("SELECT count(DISTINCT article_id) FROM entries") == 1


def test_g91_variants_joined_only_by_the_alias_key_are_one_article(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    # Same story at /a/2 and /a/2/; the second rendering carries a timestamp,
    # so the content hash differs and only the alias key can tell.
    server.serve("/a/2", page("Irán y Venezuela amplían su cooperación"), content_type=HTML)
    server.serve(
        "/a/2/",
        page("Irán y Venezuela amplían su cooperación").replace(
            b"</article>", b"<p>Actualizado a las 10:42 con nuevas declaraciones.</p></article>"
        ),
        content_type=HTML,
    )
    server.serve("/f1.xml", rss([Item("http://news.test/a/2", guid="a", published=START)]))
    server.script(
        "/f2.xml",  # picks the story up one cycle later, with a trailing slash
        Reply(body=rss([])),
        Reply(body=rss([Item("http://news.test/a/2/", guid="b", published=START)])),
    )
    h = make_harness(sqlite_store, _feeds("/f1.xml", "/f2.xml"))
    h.run()
    h.run_later()
    assert server.hits["news.test/a/2/"] == 1  # the variant was fetched and read
    assert h.scalar("SELECT count(DISTINCT alias_key) FROM articles") == 1
    assert h.scalar("SELECT count(*) FROM articles") == 1


def test_g92_one_url_in_two_feeds_is_fetched_once_and_stored_once(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    shared = "http://news.test/a/shared"
    server.serve("/a/shared", page("Rusia y México"), content_type=HTML)
    server.serve("/f1.xml", rss([Item(shared, guid="one", published=START)]))
    server.serve("/f2.xml", rss([Item(shared, guid="two", published=START)]))
    server.script(
        "/f3.xml",  # a third feed that picks the story up a cycle later
        Reply(body=rss([])),
        Reply(body=rss([Item(shared + "?utm_medium=social", guid="three", published=START)])),
    )
    h = make_harness(sqlite_store, _feeds("/f1.xml", "/f2.xml", "/f3.xml"))
    h.run()
    report = h.run_later()
    assert server.hits["news.test/a/shared"] == 1
    assert h.scalar("SELECT count(*) FROM articles") == 1
    # One entry per feed (provenance), all pointing at the one article.
    links = h.rows("SELECT feed_id, article_id, state FROM entries ORDER BY feed_id")
    assert [r["feed_id"] for r in links] == [1, 2, 3]
    assert {r["article_id"] for r in links} == {1} and {r["state"] for r in links} == {"done"}
    assert report.articles_linked == 1 and report.articles_new == 0
    view = next(iter(sqlite_store.iter_period("2021-08", relevant_only=False)))
    assert sorted(view.feeds) == ["f1", "f2", "f3"]


def test_g93_two_ingestors_on_the_same_feed_at_once_store_one_row(
    make_harness: MakeHarness, server: ScriptServer, store: Store, tmp_path: Path
) -> None:
    items = [Item(f"http://news.test/a/{i}", guid=f"g{i}", published=START) for i in range(5)]
    server.script("/f.xml", Reply(body=rss(items), delay=0.5))
    for i in range(5):
        server.script(f"/a/{i}", Reply(body=page(f"Noticia {i} de Rusia y México"),
                                       content_type=HTML, delay=0.1))  # fmt: skip
    second_store = Store(store.url)
    a = make_harness(store, _feeds("/f.xml"))
    b = make_harness(second_store, _feeds("/f.xml"))
    a.ingestor().sync_feeds()  # both see the feed configured before they start
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(h: Harness) -> None:
        try:
            barrier.wait(5)
            h.run()
        except BaseException as exc:  # an IntegrityError escaping is the failure
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(h,)) for h in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    second_store.close()
    assert errors == []
    assert server.hits["feed.test/f.xml"] == 2  # both really polled it at once
    assert a.scalar("SELECT count(*) FROM entries") == 5
    assert a.scalar("SELECT count(*) FROM articles") == 5
    assert a.scalar("SELECT count(*) FROM entries WHERE article_id IS NULL") == 0
