"""Dates at the edges and feeds in legacy encodings (RELIABILITY E73, E74,
F79-F82): what lands in the store on both backends, and what parse_feed makes
of encodings with and without a declaration."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipeline import parse
from pipeline.store import Store
from tests.reliability.conftest import START, MakeHarness
from tests.reliability.docs import Item, json_feed, page, rss
from tests.reliability.scriptserver import Reply, ScriptServer

HTML = "text/html; charset=utf-8"
NOW = datetime(2021, 8, 16, tzinfo=UTC)


def _no_pages(server: ScriptServer, n: int) -> None:
    for i in range(n):
        server.script(f"/a/{i}", Reply(204, b"", HTML))  # articles keep the feed's data


# ------------------------------------------------------------------ F79-F82

EDGE_DATES = [
    "Mon, 01 Jan 0001 00:00:00 GMT",  # F82 ancient
    "Thu, 01 Jan 1970 00:00:00 GMT",  # F82 before 1990
    "Fri, 31 Dec 9999 23:59:59 GMT",  # F81 far future
    "garbage",  # F80
    "Sun, 31 Feb 2021 10:00:00 GMT",  # F80 impossible day
    "",  # F79 missing
]


def test_f79_f82_implausible_dates_fall_back_to_first_seen_on_both_backends(
    make_harness: MakeHarness, server: ScriptServer, store: Store
) -> None:
    items = [
        Item(f"http://news.test/a/{i}", guid=f"d{i}", raw_date=raw or None)
        for i, raw in enumerate(EDGE_DATES)
    ]
    server.serve("/f.xml", rss(items))
    _no_pages(server, len(items))
    h = make_harness(store, [{"id": "f", "url": "http://feed.test/f.xml"}])
    report = h.run()
    assert report.articles_new == len(EDGE_DATES) and report.feeds_ok == 1
    rows = h.rows("SELECT original_url, date_source, date_raw, period FROM articles ORDER BY id")
    assert {r["period"] for r in rows} == {"2021-08"}  # all dated by first seen (START)
    assert all(r["date_source"] in ("first_seen", "feed") for r in rows)
    raws = {r["original_url"].rsplit("/", 1)[1]: r["date_raw"] for r in rows}
    assert raws["0"] == EDGE_DATES[0] and raws["3"] == "garbage"  # the raw value is kept
    assert all(v.published_at == START for v in store.iter_period("2021-08", relevant_only=False))
    # issue 18: the entry keeps the raw text and says why its date was not used
    entries = h.rows("SELECT guid, published, published_raw, date_flags FROM entries ORDER BY id")
    assert [(e["published"], e["date_flags"]) for e in entries] == [
        (None, "date_implausible"), (None, "date_implausible"), (None, "date_implausible"),
        (None, "date_unparseable"), (None, "date_unparseable"), (None, None),
    ]  # fmt: skip
    assert [e["published_raw"] for e in entries][:4] == EDGE_DATES[:4]


def test_an_implausible_feed_date_gives_way_to_the_pages_date(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    server.serve("/f.xml", rss([Item("http://news.test/a/0", guid="u", raw_date="1700000000")]))
    server.script("/a/0", Reply(200, page("Rusia y Venezuela", published="2021-08-14T10:00:00Z"),
                                HTML))  # fmt: skip
    h = make_harness(sqlite_store, [{"id": "f", "url": "http://feed.test/f.xml"}])
    h.run()
    (entry,) = h.rows("SELECT published, published_raw, date_flags FROM entries")
    assert entry == {"published": None, "published_raw": "1700000000",
                     "date_flags": "date_implausible"}  # fmt: skip
    (row,) = h.rows("SELECT date_source, date_raw, date_flags, period FROM articles")
    assert row == {"date_source": "page", "date_raw": "2021-08-14T10:00:00Z",
                   "date_flags": "date_implausible", "period": "2021-08"}  # fmt: skip


@pytest.mark.parametrize("kind", ["rss", "json"])
def test_f82_one_out_of_range_date_never_costs_the_other_items(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store, kind: str
) -> None:
    edge = "9999-12-31T23:59:59-12:00"
    if kind == "rss":
        body = rss(
            [
                Item(
                    "http://news.test/a/0", guid="edge", raw_date="Fri, 31 Dec 9999 23:00:00 -1200"
                ),
                Item("http://news.test/a/1", guid="fine", published=START),
            ]
        )
    else:
        body = json_feed(
            [
                {"id": "edge", "url": "http://news.test/a/0", "date_published": edge},
                {
                    "id": "fine",
                    "url": "http://news.test/a/1",
                    "date_published": "2021-08-16T08:00:00Z",
                },
            ]
        )
    server.serve("/f", body, content_type="application/rss+xml")
    _no_pages(server, 2)
    h = make_harness(sqlite_store, [{"id": "f", "url": "http://feed.test/f"}])
    report = h.run()
    assert report.feeds_ok == 1
    assert h.scalar("SELECT count(*) FROM entries") == 2


def test_f82_year_one_in_rfc822_form_is_not_read_as_2001(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    items = [{"id": "old", "url": "http://news.test/a/0",
              "date_published": "Mon, 01 Jan 0001 00:00:00 GMT"}]  # fmt: skip
    server.serve("/f.json", json_feed(items), content_type="application/feed+json")
    _no_pages(server, 1)
    h = make_harness(sqlite_store, [{"id": "f", "url": "http://feed.test/f.json"}])
    h.run()
    (row,) = h.rows("SELECT period, date_source, date_flags FROM articles")
    assert row == {
        "period": "2021-08",
        "date_source": "first_seen",
        "date_flags": "date_implausible",
    }


# ------------------------------------------------------------------ E73, E74

TEXTS = {
    "cp1252": "“Café” — Perú",
    "shift_jis": "ロシアとメキシコ",
    "gb2312": "俄罗斯与墨西哥",
    "koi8-r": "Россия и Мексика",
    "big5": "俄羅斯與墨西哥",
    "euc-kr": "러시아와 멕시코",
}


def _feed_in(encoding: str, title: str, declared: str | None) -> bytes:
    prolog = f'<?xml version="1.0" encoding="{declared}"?>' if declared else '<?xml version="1.0"?>'
    return (
        f'{prolog}<rss version="2.0"><channel><title>x</title><item><title>{title}</title>'
        "<link>http://news.test/a/1</link></item></channel></rss>"
    ).encode(encoding)


@pytest.mark.parametrize("encoding", list(TEXTS))
def test_e73_legacy_encodings_declared_in_the_prolog_decode_right(encoding: str) -> None:
    parsed = parse.parse_feed(
        _feed_in(encoding, TEXTS[encoding], encoding), {}, "http://f.test/", now=NOW
    )
    assert parsed.error_code is None
    assert parsed.items[0].title == TEXTS[encoding]


@pytest.mark.parametrize("encoding", list(TEXTS))
def test_e73_undeclared_legacy_encodings_decode_right_or_are_flagged(encoding: str) -> None:
    headers = {"content-type": "application/rss+xml"}
    parsed = parse.parse_feed(
        _feed_in(encoding, TEXTS[encoding], None), headers, "http://f.test/", now=NOW
    )
    assert parsed.error_code is None and len(parsed.items) == 1
    right = parsed.items[0].title == TEXTS[encoding]
    flagged = any("CharacterEncodingOverride" in w for w in parsed.warnings)
    assert right or flagged


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
@pytest.mark.parametrize("declared", ["utf-16", "utf-8", "x-bogus-charset", None])
def test_e74_unicode_encodings_with_or_without_bom_and_with_wrong_declarations(
    encoding: str, declared: str | None
) -> None:
    body = _feed_in(encoding, "Café Perú ロシア", declared)
    headers = (
        {"content-type": "text/xml; charset=nonsense"} if declared == "x-bogus-charset" else {}
    )
    parsed = parse.parse_feed(body, headers, "http://f.test/", now=NOW)
    assert parsed.error_code is None
    assert [i.title for i in parsed.items] == ["Café Perú ロシア"]


def test_e74_a_json_feed_in_utf16_is_read() -> None:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "t",
           "items": [{"id": "1", "url": "http://news.test/a/1", "title": "Perú"}]}  # fmt: skip
    for encoding in ("utf-16", "utf-16-le", "utf-32"):
        parsed = parse.parse_feed(json.dumps(doc, ensure_ascii=False).encode(encoding), {},
                                  "http://f.test/", now=NOW)  # fmt: skip
        assert [i.title for i in parsed.items] == ["Perú"], encoding
