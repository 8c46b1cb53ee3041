"""Which sitemaps and URLs can belong to a period (pure)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from pipeline.backfill.plan import child_may_overlap, url_span, url_verdict
from pipeline.parse.archives import paged_url, prev_archive
from pipeline.parse.sitemaps import BadSitemap, SitemapTooLarge, iter_sitemap
from pipeline.periods import parse_period

NOW = datetime(2021, 12, 1, tzinfo=UTC)

AUG_SEP = parse_period("2021-08")


@pytest.mark.parametrize(
    ("url", "first", "last_day"),
    [
        ("https://d.example/sitemap-2021-08.xml", "2021-08-01", 31),
        ("https://d.example/sitemaps/2021/08/", "2021-08-01", 31),
        ("https://d.example/2021/08/14/una-nota", "2021-08-14", 1),
        ("https://d.example/sitemap.xml?yyyy=2021&mm=08", "2021-08-01", 31),
        ("https://d.example/sitemap.xml?yyyy=2021&mm=08&dd=03", "2021-08-03", 1),
        ("https://d.example/archivo/2019/sitemap_202108.xml", "2021-08-01", 31),
    ],
)
def test_dates_in_urls_name_a_month_or_a_day(url: str, first: str, last_day: int) -> None:
    span = url_span(url)
    assert span is not None
    assert span.start.date().isoformat() == first
    assert (span.end - span.start).days == last_day


@pytest.mark.parametrize(
    "url", ["https://d.example/sitemap.xml", "https://d.example/nota-1234567", "https://d/2021/13/"]
)
def test_urls_without_a_date_name_none(url: str) -> None:
    assert url_span(url) is None


def test_index_children_outside_the_period_are_ruled_out() -> None:
    assert not child_may_overlap("https://d.example/sitemap-2021-07.xml", None, AUG_SEP)
    assert child_may_overlap("https://d.example/sitemap-2021-09.xml", None, AUG_SEP)
    assert not child_may_overlap("https://d.example/sitemap-2021-10.xml", None, AUG_SEP)
    old = datetime(2021, 7, 20, tzinfo=UTC)
    assert not child_may_overlap("https://d.example/posts-3.xml", old, AUG_SEP)
    assert child_may_overlap("https://d.example/posts-4.xml", datetime(2022, 1, 1, tzinfo=UTC),
                             AUG_SEP)  # fmt: skip
    assert child_may_overlap("https://d.example/posts-5.xml", None, AUG_SEP)


def test_local_period_days_decide_for_url_dates() -> None:
    caracas = parse_period("2021-08", tz="America/Caracas")
    # The period starts 2021-08-01 04:00 UTC there; a July sitemap is still July.
    assert not child_may_overlap(
        "https://d.example/sitemap-2021-07.xml", None, caracas, "America/Caracas"
    )
    assert child_may_overlap(
        "https://d.example/sitemap-2021-08.xml", None, caracas, "America/Caracas"
    )


def test_urls_are_kept_by_date_and_undated_urls_are_left_to_the_page() -> None:
    aug = datetime(2021, 8, 9, 10, tzinfo=UTC)
    oct_ = datetime(2021, 10, 1, tzinfo=UTC)
    assert url_verdict("https://d.example/a", aug, AUG_SEP) is None
    assert url_verdict("https://d.example/a", oct_, AUG_SEP) == "out_of_period"
    assert url_verdict("https://d.example/2021/07/02/a", None, AUG_SEP) == "out_of_period"
    assert url_verdict("https://d.example/a-nota", None, AUG_SEP) is None


def test_the_stream_reader_reads_news_sitemaps_and_indexes() -> None:
    body = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://d/1</loc>'
        b"<lastmod>2021-10-01</lastmod><news:news><news:publication><news:name>Diario</news:name>"
        b"<news:language>es</news:language></news:publication>"
        b"<news:publication_date>2021-08-03T10:00:00Z</news:publication_date>"
        b"<news:title>Una nota</news:title></news:news></url></urlset>"
    )
    [(kind, link)] = list(iter_sitemap(body, max_bytes=10**6, now=NOW))
    assert kind == "url"
    assert (link.loc, link.title, link.source_name, link.language) == (
        "https://d/1", "Una nota", "Diario", "es",
    )  # fmt: skip
    assert link.date == datetime(2021, 8, 3, 10, tzinfo=UTC)  # publication date beats lastmod
    index = b"<sitemapindex><sitemap><loc>https://d/s1.xml</loc></sitemap></sitemapindex>"
    assert [k for k, _ in iter_sitemap(gzip.compress(index), max_bytes=10**6, now=NOW)] == [
        "sitemap"
    ]


def test_the_stream_reader_refuses_dtds_bombs_and_broken_xml() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><urlset><url><loc>&b;</loc></url></urlset>'
    )
    with pytest.raises(BadSitemap, match="DTD"):
        list(iter_sitemap(laughs, max_bytes=10**6, now=NOW))
    with pytest.raises(SitemapTooLarge):
        list(iter_sitemap(gzip.compress(b"<urlset>" + b" " * 3_000_000), max_bytes=10**6, now=NOW))
    with pytest.raises(SitemapTooLarge):
        list(iter_sitemap(b"<urlset>" + b" " * 2000, max_bytes=1000, now=NOW))
    with pytest.raises(BadSitemap):
        list(iter_sitemap(b"<urlset><url><loc>x</loc></urlset>", max_bytes=10**6, now=NOW))
    with pytest.raises(BadSitemap, match="gzip"):
        list(iter_sitemap(b"\x1f\x8b\x08\x00garbage", max_bytes=10**6, now=NOW))


def test_archive_links() -> None:
    feed = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><link rel="self" href="/atom"/>'
        b'<link rel="prev-archive" href="/archive/2021-09"/><entry><id>1</id></entry></feed>'
    )
    assert prev_archive(feed, "https://d.example/atom") == "https://d.example/archive/2021-09"
    assert prev_archive(b"<rss><channel><item/></channel></rss>", "https://d/") is None
    assert paged_url("https://d.example/feed/?lang=es&paged=2", 3) == (
        "https://d.example/feed/?lang=es&paged=3"
    )


def test_the_stream_reader_gates_sitemap_dates_like_every_other_source() -> None:
    """issue 18: lastmod and news:publication_date outside 1995..now+1 day are no
    date (the page decides) and flagged; Unix seconds are read when plausible."""
    body = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        b"<url><loc>http://d.test/a</loc><lastmod>1970-01-01</lastmod></url>"
        b"<url><loc>http://d.test/b</loc><news:news><news:publication_date>2031-08-10"
        b"</news:publication_date></news:news></url>"
        b"<url><loc>http://d.test/c</loc><lastmod>1629100800</lastmod></url>"
        b"<url><loc>http://d.test/d</loc><lastmod>2021-08-16</lastmod></url>"
        b"</urlset>"
    )
    links = [link for _, link in iter_sitemap(body, max_bytes=10**6, now=NOW)]
    assert [(x.loc[-1], x.date, x.date_raw, x.date_flag) for x in links] == [
        ("a", None, "1970-01-01", "date_implausible"),
        ("b", None, "2031-08-10", "date_implausible"),
        ("c", datetime(2021, 8, 16, 8, tzinfo=UTC), "1629100800", None),
        ("d", datetime(2021, 8, 16, tzinfo=UTC), "2021-08-16", None),
    ]
