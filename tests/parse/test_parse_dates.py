"""The date gate where feed and sitemap dates enter (issue 18): one test per
source format. An implausible date (before 1995, more than a day after the
fetch) is not the item's date; its raw text stays and the item is flagged."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipeline import parse
from pipeline.types import FeedItem

NOW = datetime(2021, 8, 16, 12, tzinfo=UTC)
LATER = datetime(2024, 1, 1, tzinfo=UTC)
UNIX_2023 = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # 1700000000


def _items(body: bytes, content_type: str, now: datetime = NOW) -> list[FeedItem]:
    parsed = parse.parse_feed(body, {"content-type": content_type}, "https://news.test/", now=now)
    assert parsed.error_code is None, parsed.error_message
    return list(parsed.items)


def _rss(pub_date: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://news.test/'
        "</link><description>d</description><item><title>Rusia y Venezuela</title>"
        f"<link>https://news.test/a</link><pubDate>{pub_date}</pubDate></item></channel></rss>"
    ).encode()


def _atom(updated: str) -> bytes:
    return (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        "<id>urn:t</id><updated>2021-08-16T00:00:00Z</updated><entry><title>China y Cuba</title>"
        '<id>urn:a</id><link href="https://news.test/a"/>'
        f"<updated>{updated}</updated></entry></feed>"
    ).encode()


def _json(date: object) -> bytes:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "t",
        "items": [
            {"id": "a", "url": "https://news.test/a", "title": "Irán", "date_published": date}
        ],
    }
    return json.dumps(doc).encode()


def _sitemap(lastmod: str, news: bool = False) -> bytes:
    if news:
        inner = (
            "<news:news><news:publication><news:name>N</news:name><news:language>es"
            "</news:language></news:publication>"
            f"<news:publication_date>{lastmod}</news:publication_date>"
            "<news:title>Rusia</news:title></news:news>"
        )
    else:
        inner = f"<lastmod>{lastmod}</lastmod>"
    return (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>https://news.test/a</loc>{inner}</url></urlset>"
    ).encode()


def _only(items: list[FeedItem]) -> FeedItem:
    (item,) = items
    return item


def test_rss_pubdate_in_unix_seconds_is_that_moment_not_1699() -> None:
    item = _only(_items(_rss("1700000000"), "application/rss+xml", now=LATER))
    assert (item.published, item.published_raw, item.date_flags) == (UNIX_2023, "1700000000", None)


def test_rss_pubdate_in_unix_seconds_after_the_fetch_is_implausible() -> None:
    item = _only(_items(_rss("1700000000"), "application/rss+xml"))
    assert (item.published, item.published_raw, item.date_flags) == (
        None, "1700000000", "date_implausible",
    )  # fmt: skip


@pytest.mark.parametrize(
    "raw", ["Thu, 01 Jan 1970 00:00:00 GMT", "Sat, 31 Dec 1994 23:00:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT", "Wed, 18 Aug 2021 12:00:00 GMT"]
)  # fmt: skip
def test_rss_pubdate_outside_the_window_is_dropped_and_flagged(raw: str) -> None:
    item = _only(_items(_rss(raw), "application/rss+xml"))
    assert (item.published, item.published_raw, item.date_flags) == (None, raw, "date_implausible")


def test_rss_pubdate_inside_the_window_is_kept() -> None:
    item = _only(_items(_rss("Mon, 16 Aug 2021 09:00:00 GMT"), "application/rss+xml"))
    assert (item.published, item.date_flags) == (datetime(2021, 8, 16, 9, tzinfo=UTC), None)


def test_atom_updated_before_1995_is_dropped_and_flagged() -> None:
    item = _only(_items(_atom("1990-05-01T00:00:00Z"), "application/atom+xml"))
    assert (item.published, item.published_raw, item.date_flags) == (
        None, "1990-05-01T00:00:00Z", "date_implausible",
    )  # fmt: skip


def test_json_feed_date_in_milliseconds_is_read_when_plausible() -> None:
    item = _only(_items(_json(1629100800000), "application/feed+json"))
    assert (item.published, item.date_flags) == (datetime(2021, 8, 16, 8, tzinfo=UTC), None)


def test_json_feed_date_in_the_far_future_is_dropped_and_flagged() -> None:
    item = _only(_items(_json("2099-01-01T00:00:00Z"), "application/feed+json"))
    assert (item.published, item.date_flags) == (None, "date_implausible")


@pytest.mark.parametrize("news", [False, True], ids=["lastmod", "news_publication_date"])
def test_sitemap_dates_outside_the_window_are_dropped_and_flagged(news: bool) -> None:
    item = _only(_items(_sitemap("1970-01-01", news=news), "application/xml"))
    assert (item.published, item.published_raw, item.date_flags) == (
        None, "1970-01-01", "date_implausible",
    )  # fmt: skip


@pytest.mark.parametrize("news", [False, True], ids=["lastmod", "news_publication_date"])
def test_sitemap_dates_in_unix_seconds_are_read(news: bool) -> None:
    item = _only(_items(_sitemap("1629100800", news=news), "application/xml"))
    assert (item.published, item.date_flags) == (datetime(2021, 8, 16, 8, tzinfo=UTC), None)
