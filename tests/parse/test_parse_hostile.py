"""Hostile and broken feed bodies (RELIABILITY D54-D70): bounded, never an exception."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline import isolation, parse

NOW = datetime(2021, 8, 16, tzinfo=UTC)
BASE = "https://feeds.example/rss"


def _rss(items: str, prolog: str = "") -> bytes:
    head = '<?xml version="1.0" encoding="utf-8"?>' + prolog
    return f'{head}<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def _item(n: int, extra: str = "", date: str = "") -> str:
    pub = f"<pubDate>{date}</pubDate>" if date else ""
    return f"<item><title>n{n}</title><link>https://a.example/{n}</link>{pub}{extra}</item>"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "empty_body"),
        (b"  \r\n\t ", "empty_body"),
        (b"\xef\xbb\xbf", "not_a_feed"),
        (b'<?xml version="1.0" encoding="utf-8"?>\n', "not_a_feed"),
        (b"<!DOCTYPE html><html><head><title>Inicio</title></head></html>", "not_a_feed"),
        (b"<html lang='es'><body><p>Portada del diario</p></body></html>", "not_a_feed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_a_feed"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "not_a_feed"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "not_a_feed"),
        (b'{"status": "ok", "data": []}', "not_a_feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "parse_failed"),
        (b"plain text, not a feed at all", "not_a_feed"),
    ],
    ids=[
        "empty", "whitespace", "bom-only", "prolog-only", "html-doctype", "html-no-doctype",
        "png", "pdf", "gzip", "json-not-feed", "json-truncated", "plain-text",
    ],
)  # fmt: skip
def test_unusable_bodies_get_a_clear_error_code(body: bytes, code: str) -> None:
    parsed = parse.parse_feed(body, {}, BASE, now=NOW)
    assert parsed.error_code == code
    assert parsed.error_message and parsed.error_message.startswith("parse: ")
    assert parsed.items == ()


def test_billion_laughs_is_not_expanded() -> None:
    levels = "".join(
        f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10)
    )
    body = _rss(
        _item(1, "<description>&lol9;</description>"),
        f'<!DOCTYPE rss [<!ENTITY lol "lol">{levels}]>',
    )
    started = time.monotonic()
    parsed = parse.parse_feed(body, {}, BASE, now=NOW)
    assert time.monotonic() - started < 5
    assert all(len(i.summary) < 1000 and "lollol" not in i.summary for i in parsed.items)


def test_billion_laughs_utf16_with_bom() -> None:
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 9))
    text = (
        '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE rss [<!ENTITY l0 "lol">'
        + levels
        + ']><rss version="2.0"><channel><title>&l8;</title>'
        + _item(1)
        + "</channel></rss>"
    )
    parsed = parse.parse_feed(text.encode("utf-16"), {}, BASE, now=NOW)
    assert len(parsed.title or "") < 1000


def test_quadratic_blowup_is_not_expanded() -> None:
    entity = "A" * 100_000
    body = _rss(_item(1, "<description>" + "&a;" * 20_000 + "</description>"),
                f'<!DOCTYPE rss [<!ENTITY a "{entity}">]>')  # fmt: skip
    started = time.monotonic()
    parsed = parse.parse_feed(body, {}, BASE, now=NOW)
    assert time.monotonic() - started < 5
    assert all("AAAA" not in i.summary for i in parsed.items)


def test_xxe_file_entity_is_dropped(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-SENTINEL", encoding="utf-8")
    body = _rss(_item(1, "<description>a&xxe;b</description>"),
                f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>')  # fmt: skip
    parsed = parse.parse_feed(body, {}, BASE, now=NOW)
    assert "SENTINEL" not in repr(parsed)


@pytest.fixture
def trap_port() -> Iterator[tuple[int, list[str]]]:
    """A loopback TCP listener that records every connection attempt."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    hits: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            hits.append("connect")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join(2)
    server.close()


def test_external_dtd_and_entities_never_fetched(trap_port: tuple[int, list[str]]) -> None:
    port, hits = trap_port
    trap = f"http://127.0.0.1:{port}"
    prolog = (
        f'<?xml-stylesheet type="text/xsl" href="{trap}/style.xsl"?>'
        f'<!DOCTYPE rss SYSTEM "{trap}/rss.dtd" [<!ENTITY % p SYSTEM "{trap}/p.ent"> %p;'
        f'<!ENTITY ext SYSTEM "{trap}/ext.txt">]>'
    )
    body = _rss(_item(1, "<description>x&ext;y</description>"), prolog)
    parse.parse_feed(body, {}, BASE, now=NOW)
    sitemap = (
        f'<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "{trap}/s.dtd">'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>https://a.example/1</loc></url></urlset>"
    ).encode()
    refused = parse.parse_feed(sitemap, {}, BASE, now=NOW)
    time.sleep(0.3)
    assert hits == []
    assert refused.error_code == "parse_failed"  # a DTD in a sitemap is refused outright


def test_sitemap_bomb_is_refused() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/&b;</loc></url></urlset>'
    )
    parsed = parse.parse_feed(body, {}, BASE, now=NOW)
    assert parsed.error_code == "parse_failed"
    assert "refused" in (parsed.error_message or "")


def test_redos_author_hits_the_deadline_and_the_pool_recovers() -> None:
    """RELIABILITY D64 / S2: feedparser's author regex is quadratic; only the deadline bounds it."""
    slow_author = "<author>a@" + "a." * 16_000 + "!</author>"
    body = _rss("".join(_item(n, slow_author) for n in range(50)))
    fine = _rss(_item(1))
    with parse.ParserPool(1, deadline_s=1.0) as pool:
        started = time.monotonic()
        result = pool.parse(body, {}, BASE, now=NOW)
        assert time.monotonic() - started < 5
        assert result.error_code == "parse_timeout"
        after = pool.parse(fine, {}, BASE, now=NOW)
    assert after.error_code is None
    assert [i.url for i in after.items] == ["https://a.example/1"]


def test_a_submitted_feed_calls_back_once_parsed(parser: parse.ParserPool) -> None:
    done = threading.Event()
    pending = parser.submit(_rss(_item(7)), {"Content-Type": "application/rss+xml"}, BASE, now=NOW)
    pending.add_done_callback(lambda _: done.set())
    assert done.wait(20)
    assert [i.url for i in pending.result().items] == ["https://a.example/7"]


def test_a_keyed_parse_gives_the_identities_main_would_give(parser: parse.ParserPool) -> None:
    # No GUIDs, and two links with one canonical URL: the second is an in-feed repeat.
    repeat = "<item><title>again</title><link>https://www.a.example/2?utm_source=x</link></item>"
    body = _rss(_item(1) + _item(2) + repeat)
    here = parse.KeyedFeed.of(parse.parse_feed(body, {}, BASE, now=NOW))
    assert [e.url for e in here.new] == ["https://a.example/1", "https://a.example/2"]
    assert [d.reason for d in here.duplicates] == ["duplicate_in_feed"]
    pending = parser.submit(body, {}, BASE, now=NOW, keyed=True)
    assert pending.keyed() == here
    assert pending.result() == here.parsed
    # A pool that gives no keys (any task) is keyed in the caller, the same way.
    assert parser.submit(body, {}, BASE, now=NOW).keyed() == here


def test_a_keyed_parse_that_fails_has_no_entries() -> None:
    with parse.ParserPool(1, deadline_s=5.0, task=isolation.exit_abruptly) as pool:
        keyed = pool.submit(_rss(_item(1)), {}, BASE, now=NOW, keyed=True).keyed()
    assert keyed.parsed.error_code == "parse_failed"
    assert (keyed.new, keyed.duplicates) == ((), ())


def test_a_crashed_parser_worker_gives_parse_failed() -> None:
    with parse.ParserPool(1, deadline_s=5.0, task=isolation.exit_abruptly) as pool:
        parsed = pool.parse(_rss(_item(1)), {}, BASE, now=NOW)
    assert parsed.error_code == "parse_failed"
    assert "crashed" in (parsed.error_message or "")


def test_guarded_parse_turns_a_dead_worker_into_parse_failed() -> None:
    with isolation.DeadlinePool(1, deadline_s=5.0) as pool:
        outcome = pool.run(isolation.sleep_then_call, 0.0, _exit_now)
        assert outcome.failure == "crashed"
        assert pool.run(len, b"abc").value == 3


def _exit_now() -> None:
    import os

    os._exit(3)


def test_newest_items_win_and_far_future_dates_do_not_pin() -> None:
    base_date = datetime(2021, 8, 1, tzinfo=UTC)
    items = [
        _item(n, date=(base_date + timedelta(hours=n)).strftime("%a, %d %b %Y %H:%M:%S GMT"))
        for n in range(10)
    ]
    items.insert(0, _item(99, date="Fri, 01 Jan 9999 00:00:00 GMT"))
    parsed = parse.parse_feed(_rss("".join(items)), {}, BASE, max_items=3, now=NOW)
    urls = [i.url for i in parsed.items]
    assert urls == ["https://a.example/99", "https://a.example/8", "https://a.example/9"]
    assert parsed.skipped[-1].reason == "over_max_items"
    assert "8 older items" in parsed.skipped[-1].detail


def test_item_without_guid_link_title_or_content_is_counted() -> None:
    body = _rss("<item></item>" + _item(1))
    parsed = parse.parse_feed(body, {}, BASE, now=NOW)
    assert [s.reason for s in parsed.skipped] == ["no_link"]
    assert len(parsed.items) == 1


def test_link_schemes_other_than_http_are_kept_out() -> None:
    links = ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "ftp://a.example/x",
             "mailto:a@a.example", "https://ok.example/1"]  # fmt: skip
    items = "".join(
        f"<item><title>{i}</title><link>{link}</link></item>" for i, link in enumerate(links)
    )
    parsed = parse.parse_feed(_rss(items), {}, BASE, now=NOW)
    assert [i.url for i in parsed.items] == ["https://ok.example/1"]
    assert [s.reason for s in parsed.skipped] == ["bad_scheme"] * 5


def test_relative_links_resolve_against_content_location() -> None:
    body = _rss("<item><title>x</title><link>nota/1</link></item>")
    headers = {"Content-Location": "/noticias/rss/"}
    parsed = parse.parse_feed(body, headers, "https://diario.example/feed", now=NOW)
    assert [i.url for i in parsed.items] == ["https://diario.example/noticias/rss/nota/1"]


def test_gzip_content_encoding_header_is_not_reapplied() -> None:
    """The fetcher has decoded the body already; a stale Content-Encoding must not break parsing."""
    headers = {"content-type": "application/rss+xml", "content-encoding": "gzip"}
    parsed = parse.parse_feed(_rss(_item(3)), headers, BASE, now=NOW)
    assert [i.url for i in parsed.items] == ["https://a.example/3"]


def test_charset_conflict_is_a_warning_not_an_error() -> None:
    """RELIABILITY E71: text/xml without charset plus an ISO-8859-1 prolog."""
    body = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Canción de Perú</title><link>https://a.example/1</link></item>"
        "</channel></rss>"
    ).encode("latin-1")
    parsed = parse.parse_feed(body, {"content-type": "text/xml"}, BASE, now=NOW)
    assert parsed.error_code is None
    assert parsed.items[0].title == "Canción de Perú"


def test_huge_fields_do_not_break_parsing() -> None:
    """RELIABILITY D67: a 10 MB title and 30,000 categories; caps are applied at storage."""
    title = "T" * 10_000_000
    cats = "<category>c</category>" * 30_000
    parsed = parse.parse_feed(_rss(f"<item><title>{title}</title><link>https://a.example/1</link>{cats}</item>"),
                              {}, BASE, now=NOW)  # fmt: skip
    assert len(parsed.items) == 1
    assert len(parsed.items[0].categories) <= 50


def test_thousands_of_items_only_newest_kept() -> None:
    base_date = datetime(2021, 1, 1, tzinfo=UTC)
    items = [
        _item(n, date=(base_date + timedelta(minutes=n)).strftime("%a, %d %b %Y %H:%M:%S GMT"))
        for n in range(3000)
    ]
    items.reverse()  # newest first, as most feeds are
    parsed = parse.parse_feed(_rss("".join(items)), {}, BASE, max_items=500, now=NOW)
    assert len(parsed.items) == 500
    assert parsed.items[0].url == "https://a.example/2999"
    assert parsed.items[-1].url == "https://a.example/2500"


@pytest.mark.slow
def test_two_hundred_thousand_items_bounded_by_the_deadline() -> None:
    """RELIABILITY D66: ~10 MB, 200,000 items: either only the newest 500 within the
    deadline, or parse_timeout (feedparser needs ~0.3 ms per entry on our machines)."""
    base_date = datetime(2020, 1, 1, tzinfo=UTC)
    items = "".join(
        _item(n, date=(base_date + timedelta(minutes=n)).strftime("%a, %d %b %Y %H:%M:%S GMT"))
        for n in range(200_000)
    )
    started = time.monotonic()
    with parse.ParserPool(1, deadline_s=20) as pool:
        parsed = pool.parse(_rss(items), {}, BASE, max_items=500, now=NOW)
    assert time.monotonic() - started < 30
    if parsed.error_code is None:
        assert len(parsed.items) == 500
        assert parsed.items[0].url == "https://a.example/199500"
        assert parsed.items[-1].url == "https://a.example/199999"
    else:
        assert parsed.error_code == "parse_timeout"
