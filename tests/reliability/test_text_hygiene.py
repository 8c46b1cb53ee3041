"""Hostile characters through the whole path into both databases (RELIABILITY
D57, D59, E75, E77, I116): a feed and a page full of NUL, C0 controls, lone
surrogates and noncharacters; a stray invalid byte; one bad JSON Feed item
among good ones."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from pipeline.store import Store
from tests.reliability.conftest import REPO, START, Harness, MakeHarness
from tests.reliability.docs import PARAGRAPH, Item, json_feed, rss
from tests.reliability.scriptserver import ScriptServer

HTML = "text/html; charset=utf-8"
# What no stored text may hold: C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

ENTRY_TEXT = ("guid", "url", "title", "summary", "author")
ARTICLE_TEXT = ("canonical_url", "original_url", "title", "author", "summary", "text", "period")


def _xml_feed() -> bytes:
    """RSS with character references XML forbids and raw control bytes."""
    return (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>Rusia&#0; y M\x0bxico &#xFFFF;acuerdan&#xFFFE;</title>"
        b"<link>http://news.test/a/xml</link><guid>xml-&#0;1</guid>"
        b"<author>ana@x.test (Ana&#1;)</author>"
        b"<description>Resumen&#0; con\x01 controles\x1f y &#x7;campana.</description>"
        b"<pubDate>Mon, 16 Aug 2021 08:00:00 GMT</pubDate></item></channel></rss>"
    )


def _json_feed() -> bytes:
    return json_feed(
        [
            {
                "id": "json-\u0000-\ud800",
                "url": "http://news.test/a/json",
                "title": "Irán\u0000 y Venezuela \ud800firman\udfff un \uffffacuerdo\u000b",
                "summary": "Texto\u0001 con \ud83c suelto.",
                "authors": [{"name": "Pedro\u0000 \udc00Gómez"}],
                "date_published": "2021-08-16T08:00:00Z",
            }
        ]
    )


def _dirty_page(nul: str = "&#0;", ref: str = "&#xD800;", title: str = "Rusia") -> bytes:
    body = PARAGRAPH.replace("Moscú", f"Mos{nul}cú\x0b").replace("México", f"M\x01éxico{ref}")
    return (
        '<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">'
        f"<title>{title}{nul} y\x01 México&#0;</title></head><body><article>"
        + f"<p>{title}: {body}</p>" * 4
        + "</article></body></html>"
    ).encode()


def _serve(server: ScriptServer) -> None:
    server.serve("/xml.xml", _xml_feed())
    server.serve("/json.json", _json_feed(), content_type="application/feed+json")
    server.serve("/a/xml", _dirty_page(), content_type=HTML)
    server.serve("/a/json", _dirty_page(title="Irán", ref="&#0;"), content_type=HTML)


FEEDS = [
    {"id": "xml", "url": "http://feed.test/xml.xml"},
    {"id": "json", "url": "http://feed.test/json.json"},
]


def _stored(h: Harness, table: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    order = "guid" if table == "entries" else "canonical_url"
    return h.rows(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")


def _assert_clean(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        for name, value in row.items():
            if isinstance(value, str):
                assert not FORBIDDEN.search(value), (name, value)


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    s = Store(pg_url)
    with s.engine.begin() as conn:
        conn.execute(text("TRUNCATE tags, decisions, entries, articles, feeds, runs CASCADE"))
    yield s
    s.close()


def test_d57_hostile_characters_never_reach_sqlite(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    _serve(server)
    h = make_harness(sqlite_store, FEEDS)
    report = h.run()
    assert report.feeds_ok == 2 and report.articles_new == 2 and not report.errors
    entries, articles = _stored(h, "entries", ENTRY_TEXT), _stored(h, "articles", ARTICLE_TEXT)
    _assert_clean(entries)
    _assert_clean(articles)
    titles = {e["url"]: e["title"] for e in entries}
    # Cleaning removes the bad characters only: the words around them stay.
    assert titles["http://news.test/a/json"] == "Irán y Venezuela firman un acuerdo"
    assert "acuerdan" in titles["http://news.test/a/xml"]
    # No mojibake either: the accented words around the bad characters survive.
    assert all("delegación de México" in a["text"] for a in articles)


@pytest.mark.postgres
def test_i116_the_same_hostile_input_gives_the_same_rows_on_sqlite_and_postgres(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store, pg_store: Store
) -> None:
    _serve(server)
    on_sqlite = make_harness(sqlite_store, FEEDS)
    on_pg = make_harness(pg_store, FEEDS)
    for h in (on_sqlite, on_pg):
        report = h.run()
        assert report.feeds_ok == 2 and report.articles_new == 2 and not report.errors
    for table, columns in (("entries", ENTRY_TEXT), ("articles", ARTICLE_TEXT)):
        lite, pg = _stored(on_sqlite, table, columns), _stored(on_pg, table, columns)
        _assert_clean(pg)
        assert lite == pg
    tags = "SELECT kind, name FROM tags ORDER BY kind, name"
    assert on_sqlite.rows(tags) == on_pg.rows(tags)


def test_d57_a_stray_nul_byte_is_cleaned_not_a_reason_to_refuse_the_document(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    # The parse fixture for D57 (accepted by parse_feed), now served over HTTP.
    fixture = (REPO / "tests" / "parse" / "feeds" / "nul_controls.xml").read_bytes()
    feed = rss([Item("http://news.test/a/nul", guid="n", title="Rusia\x00 y México",
                     published=START)])  # fmt: skip
    server.serve("/fixture.xml", fixture)
    server.serve("/nul.xml", feed)
    server.serve("/a/nul", _dirty_page(nul="\x00"), content_type=HTML)
    h = make_harness(sqlite_store, [
        {"id": "fixture", "url": "http://feed.test/fixture.xml"},
        {"id": "nul", "url": "http://feed.test/nul.xml"},
    ])  # fmt: skip
    report = h.run()
    assert report.feeds_ok == 2 and "not_a_feed" not in report.errors
    assert {r["title"] for r in h.rows("SELECT title FROM entries")} == {
        "Rusia y México",
        "Rusia y Cuba firman convenio de salud",
    }
    assert (
        h.scalar("SELECT extraction_status FROM articles WHERE original_url LIKE '%/a/nul'") == "ok"
    )


@pytest.mark.parametrize("ref", ["&#1;", "&#xFFFF;"])
def test_e77_a_reference_to_a_forbidden_character_does_not_cost_the_page_its_text(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store, ref: str
) -> None:
    server.serve("/f.xml", rss([Item("http://news.test/a/ref", guid="r", published=START)]))
    server.serve("/a/ref", _dirty_page(ref=ref), content_type=HTML)
    h = make_harness(sqlite_store, [{"id": "f", "url": "http://feed.test/f.xml"}])
    h.run()
    assert h.scalar("SELECT extraction_status FROM articles") == "ok"


def test_e75_one_stray_byte_in_a_utf8_page_does_not_turn_it_into_mojibake(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    stray = _dirty_page(title="México").replace(b"</article>", b"<p>Fin \xff.</p></article>")
    server.serve("/f.xml", rss([Item("http://news.test/a/b", guid="b", published=START)]))
    server.serve("/a/b", stray, content_type=HTML)
    h = make_harness(sqlite_store, [{"id": "f", "url": "http://feed.test/f.xml"}])
    h.run()
    stored = h.scalar("SELECT text FROM articles")
    assert "delegación de México" in stored and "Ã" not in stored


# ------------------------------------------------------------------ D59


def test_d59_one_bad_json_feed_item_never_aborts_the_batch(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    good = [
        {"id": f"ok-{i}", "url": f"http://news.test/a/{i}", "title": f"Noticia {i}",
         "date_published": "2021-08-16T08:00:00Z"}
        for i in range(3)
    ]  # fmt: skip
    bad: list[Any] = [
        "not an object",
        42,
        None,
        {"id": {"nested": True}, "url": ["http://news.test/a/list"], "title": {"x": 1}},
        {"id": "surrogate", "url": "http://news.test/a/s\ud800", "title": "\ud800"},
        {"id": "no-url", "title": "sin enlace"},
        {"id": "bad-date", "url": "http://news.test/a/d", "date_published": "31/02/2021 25:61"},
    ]
    items = [good[0], *bad[:3], good[1], *bad[3:], good[2]]
    server.serve("/f.json", json_feed(items), content_type="application/feed+json")
    server.serve("/broken.json", b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
                 content_type="application/feed+json")  # fmt: skip
    server.serve("/rss.xml", rss([Item("http://news.test/a/9", guid="r", published=START)]))
    h = make_harness(sqlite_store, [
        {"id": "json", "url": "http://feed.test/f.json"},
        {"id": "broken", "url": "http://feed.test/broken.json"},
        {"id": "rss", "url": "http://feed.test/rss.xml"},
    ])  # fmt: skip
    report = h.run()
    urls = {r["url"] for r in h.rows("SELECT url FROM entries WHERE feed_id = 1")}
    assert {f"http://news.test/a/{i}" for i in range(3)} <= urls
    assert "http://news.test/a/d" in urls  # an unreadable date is not a reason to drop it
    _assert_clean(_stored(h, "entries", ENTRY_TEXT))
    assert report.skipped["bad_item"] == 3  # counted, not silently lost
    assert report.skipped["no_link"] >= 2  # no URL, or a URL that is not a string
    # A malformed JSON document fails alone; the feeds around it are stored.
    states = {f.key: (f.state, f.last_error_code) for f in sqlite_store.feeds()}
    assert states["broken"][1] == "parse_failed"
    assert states["json"] == states["rss"] == ("ok", None)
    assert report.feeds_ok == 2
