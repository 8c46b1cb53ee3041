"""The demo server over real sockets on 127.0.0.1: routing by Host, validators,
redirects, encodings, counters and shutdown."""

from __future__ import annotations

import io
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote_plus

import feedparser
import pytest

from pipeline.demo import DemoServer, Manifest, google_news_link

from .helpers import fetch


def test_every_feed_is_served_with_validators(server: DemoServer, manifest: Manifest) -> None:
    for feed_id, url in server.feed_urls():
        reply = fetch(server.port, url)
        feed = manifest.feed(feed_id)
        assert reply.status == 200, url
        assert "xml" in reply.headers["content-type"]
        assert reply.headers["etag"].startswith('"')
        assert parsedate_to_datetime(reply.headers["last-modified"]).tzinfo is not None
        if feed.format != "news_sitemap":
            assert len(feedparser.parse(io.BytesIO(reply.body)).entries) == len(
                manifest.articles_in(feed_id)
            )


def test_a_matching_etag_gets_304_without_a_body(server: DemoServer) -> None:
    url = server.feed_urls()[0][1]
    first = fetch(server.port, url)
    again = fetch(server.port, url, {"If-None-Match": first.headers["etag"]})
    assert again.status == 304 and again.body == b""
    assert again.headers["etag"] == first.headers["etag"]
    stale = fetch(server.port, url, {"If-None-Match": '"something-else"'})
    assert stale.status == 200 and stale.body == first.body


def test_a_matching_last_modified_gets_304(server: DemoServer) -> None:
    url = server.feed_urls()[0][1]
    first = fetch(server.port, url)
    again = fetch(server.port, url, {"If-Modified-Since": first.headers["last-modified"]})
    assert again.status == 304


def test_articles_are_served_byte_for_byte(server: DemoServer, manifest: Manifest) -> None:
    for article in manifest.articles:
        reply = fetch(server.port, article.url)
        assert reply.status == 200, article.url
        assert reply.body == manifest.article_path(article).read_bytes()
    assert server.served_article_urls() >= {a.url for a in manifest.articles}


def test_the_latin1_page_has_no_charset_header(server: DemoServer, manifest: Manifest) -> None:
    for article in manifest.articles:
        reply = fetch(server.port, article.url, method="HEAD")
        want = "text/html" if article.encoding == "latin-1" else "text/html; charset=utf-8"
        assert reply.headers["content-type"] == want
        assert reply.body == b""


def test_google_news_links_redirect_to_the_publisher(
    server: DemoServer, manifest: Manifest
) -> None:
    aggregated = [
        a
        for a in manifest.articles
        if any(manifest.feed(f).format == "google_news" for f in a.feeds)
    ]
    assert aggregated
    for article in aggregated:
        reply = fetch(server.port, google_news_link(article))
        assert reply.status == 302
        assert reply.headers["location"] == article.url
    unknown = fetch(server.port, "http://news.google.com/rss/articles/CBMinope?oc=5")
    assert unknown.status == 404


def test_a_tracking_variant_serves_the_same_page(server: DemoServer, manifest: Manifest) -> None:
    (article,) = [a for a in manifest.articles if a.feed_url_variant]
    assert article.feed_url_variant is not None
    variant = fetch(server.port, article.feed_url_variant.url)
    assert variant.status == 200
    assert variant.body == fetch(server.port, article.url).body


def test_robots_allows_everything_on_every_host(server: DemoServer) -> None:
    for host in ("actualidad.rt.com", "news.google.com", "unknown.example"):
        reply = fetch(server.port, f"http://{host}/robots.txt")
        assert reply.status == 200
        assert b"User-agent: *" in reply.body and b"Disallow: /" not in reply.body


def test_unknown_paths_and_hosts_are_404(server: DemoServer, manifest: Manifest) -> None:
    article = manifest.articles[0]
    assert fetch(server.port, f"http://{article.host}/no/such/page").status == 404
    assert fetch(server.port, f"http://elsewhere.example{article.path}").status == 404


def test_the_other_www_spelling_redirects_to_the_canonical_host(
    server: DemoServer, manifest: Manifest
) -> None:
    article = next(a for a in manifest.articles if a.host.startswith("www."))
    bare = article.url.replace("://www.", "://", 1)
    reply = fetch(server.port, bare)
    assert reply.status == 301 and reply.headers["location"] == article.url


def test_host_header_with_port_is_routed(server: DemoServer) -> None:
    url = server.feed_urls()[0][1]
    host = url.split("/")[2]
    reply = fetch(server.port, url.replace(host, f"{host}:{server.port}", 1))
    assert reply.status == 200


def test_search_feeds_match_whatever_the_query_encoding(
    server: DemoServer, manifest: Manifest
) -> None:
    feed = next(f for f in manifest.feeds if f.format == "google_news")
    path, query = feed.path.split("?", 1)
    params = [p.split("=", 1) for p in query.split("&")]
    reordered = "&".join(f"{unquote_plus(k)}={quote(unquote_plus(v))}" for k, v in reversed(params))
    reply = fetch(server.port, f"http://{feed.host}{path}?{reordered}")
    assert reply.status == 200
    assert reply.body == fetch(server.port, feed.url).body
    assert fetch(server.port, f"http://{feed.host}{path}?q=other").status == 404


def test_request_counts_are_per_host_and_path() -> None:
    with DemoServer() as demo:
        feed_url = demo.feed_urls()[0][1]
        for _ in range(3):
            fetch(demo.port, feed_url)
        key = feed_url.removeprefix("http://")
        assert demo.request_counts[key] == 3
        assert demo.served_article_urls() == set()


def test_parallel_requests_are_all_answered(server: DemoServer, manifest: Manifest) -> None:
    urls = [a.url for a in manifest.articles] * 2
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda u: fetch(server.port, u).status, urls))
    assert statuses == [200] * len(urls)


def test_latency_delays_each_response() -> None:
    with DemoServer(latency=0.2) as slow:
        started = time.monotonic()
        fetch(slow.port, slow.feed_urls()[0][1])
        assert time.monotonic() - started >= 0.2


def test_resolve_points_every_host_at_the_server(server: DemoServer) -> None:
    assert server.resolve("actualidad.rt.com", 80) == [("127.0.0.1", server.port)]
    assert server.resolve("news.google.com", 443) == [("127.0.0.1", server.port)]


def test_stop_closes_the_port_and_idle_connections() -> None:
    demo = DemoServer().start()
    port = demo.port
    idle = socket.create_connection(("127.0.0.1", port), timeout=5)
    idle.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: a.example\r\n\r\n")
    assert idle.recv(100).startswith(b"HTTP/1.1 200")
    started = time.monotonic()
    demo.stop()
    assert time.monotonic() - started < 5
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    idle.settimeout(5)
    leftover = b""
    while chunk := idle.recv(4096):
        leftover += chunk
    idle.close()
