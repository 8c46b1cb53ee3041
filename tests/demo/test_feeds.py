"""Feed rendering: every format parses, escapes text and lists the manifest's entries."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as safe_xml
import feedparser
import pytest

from pipeline.demo import CORPUS_DIR, Feed, Manifest, google_news_link, load_manifest, render_feed
from pipeline.demo.feeds import RENDERERS, FeedEntry

FEEDS = load_manifest().feeds
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def _sitemap_urls(body: bytes) -> list[Element]:
    root = safe_xml.fromstring(body)
    return list(root.iter(f"{SITEMAP}url"))


def _expected_links(feed: Feed, manifest: Manifest) -> set[str]:
    if feed.format == "google_news":
        return {google_news_link(a) for a in manifest.articles_in(feed.id)}
    return {a.url_in(feed.id) for a in manifest.articles_in(feed.id)}


@pytest.mark.parametrize("feed", FEEDS, ids=lambda f: f.id)
def test_feed_lists_exactly_its_articles(feed: Feed, manifest: Manifest) -> None:
    body = render_feed(feed, manifest)
    if feed.format == "news_sitemap":
        links = {u.findtext(f"{SITEMAP}loc") for u in _sitemap_urls(body)}
    else:
        parsed = feedparser.parse(io.BytesIO(body))
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert len(parsed.entries) == len(manifest.articles_in(feed.id))
        links = {e.link for e in parsed.entries}
    assert links == _expected_links(feed, manifest)
    assert all(link.startswith("http://") for link in links)


@pytest.mark.parametrize(
    "feed", [f for f in FEEDS if f.format != "news_sitemap"], ids=lambda f: f.id
)
def test_feed_dates_are_the_manifest_dates(feed: Feed, manifest: Manifest) -> None:
    parsed = feedparser.parse(io.BytesIO(render_feed(feed, manifest)))
    by_link = {e.link: e for e in parsed.entries}
    for article in manifest.articles_in(feed.id):
        link = (
            google_news_link(article) if feed.format == "google_news" else article.url_in(feed.id)
        )
        entry = by_link[link]
        when = article.published_at
        # feedparser reports RSS 1.0 dc:date as "updated", the other formats as "published".
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        if when is None:
            assert stamp is None
        else:
            assert stamp[:6] == when.astimezone(UTC).timetuple()[:6]


def test_google_news_items_name_the_publisher(manifest: Manifest) -> None:
    for feed in (f for f in manifest.feeds if f.format == "google_news"):
        parsed = feedparser.parse(io.BytesIO(render_feed(feed, manifest)))
        for entry in parsed.entries:
            assert entry.link.startswith("http://news.google.com/rss/articles/")
            assert entry.source.href.startswith("http://")
            assert entry.title.endswith(" - " + entry.source.title)


def test_news_sitemap_carries_names_languages_and_dates(manifest: Manifest) -> None:
    for feed in (f for f in manifest.feeds if f.format == "news_sitemap"):
        for url in _sitemap_urls(render_feed(feed, manifest)):
            assert url.findtext(f"{NEWS}news/{NEWS}publication/{NEWS}name") == feed.title
            assert url.findtext(f"{NEWS}news/{NEWS}publication/{NEWS}language") in {
                "es",
                "pt",
                "en",
            }
            datetime.fromisoformat(url.findtext(f"{NEWS}news/{NEWS}publication_date") or "")


TRICKY = FeedEntry(
    link="http://example.org/a?x=1&y=<2>",
    guid="http://example.org/a?x=1&y=<2>",
    title='Tom & Jerry <b>"quoted"</b> ]]> ñandú',
    summary="A < B & C > D",
    published=datetime(2021, 8, 2, 10, 0, tzinfo=UTC),
    author="Ana & Bo",
    language="es",
    source_name="Publisher & Co",
    source_url="http://example.org/",
)
DEMO_FEED = Feed("t", "rss2", "example.org", "/feed?a=1&b=2", "Feed & <Title>", "es", None)


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_special_characters_are_escaped(fmt: str) -> None:
    body = RENDERERS[fmt](DEMO_FEED, [TRICKY])
    root = safe_xml.fromstring(body)  # well-formed XML
    texts = " ".join(t for t in root.itertext())
    assert TRICKY.title in texts
    if fmt != "news_sitemap":
        parsed = feedparser.parse(io.BytesIO(body))
        assert not parsed.bozo
        assert parsed.entries[0].link == TRICKY.link
        assert "Tom & Jerry" in parsed.entries[0].title


def test_rendering_is_deterministic(manifest: Manifest, tmp_path: Path) -> None:
    """A fresh parse of the same corpus renders byte-identical feeds (stable ETags)."""
    shutil.copytree(CORPUS_DIR, tmp_path / "corpus")
    again = load_manifest(tmp_path / "corpus")
    assert again is not manifest
    for feed in manifest.feeds:
        assert render_feed(feed, manifest) == render_feed(feed, again)
