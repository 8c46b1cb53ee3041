"""Render the demo feeds from the manifest: one pure function per format.

Every function takes a :class:`~pipeline.demo.manifest.Feed` and its entries
and returns the XML document as UTF-8 bytes. Text goes through
``xml.sax.saxutils`` escaping; links are absolute ``http://host/path`` URLs.
Nothing here reads a clock: feed-level dates come from the newest entry.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from pipeline.demo.manifest import Article, Feed, Manifest

GOOGLE_NEWS_HOST = "news.google.com"
GOOGLE_NEWS_PREFIX = "/rss/articles/"
# Used as the feed date when no entry has one, so output stays deterministic.
_EPOCH = datetime(2021, 1, 1, tzinfo=UTC)

CONTENT_TYPES = {
    "rss2": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "rdf": "application/rdf+xml; charset=utf-8",
    "news_sitemap": "application/xml; charset=utf-8",
    "google_news": "application/xml; charset=UTF-8",
}


@dataclass(frozen=True)
class FeedEntry:
    """One item as a feed shows it."""

    link: str
    guid: str
    title: str
    summary: str
    published: datetime | None
    author: str | None
    language: str
    source_name: str
    source_url: str


def google_news_id(article: Article) -> str:
    """An opaque, stable id for the article's Google News redirect URL."""
    digest = hashlib.sha256(f"{article.host}{article.path}".encode()).digest()
    return "CBMi" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def google_news_link(article: Article) -> str:
    return f"http://{GOOGLE_NEWS_HOST}{GOOGLE_NEWS_PREFIX}{google_news_id(article)}?oc=5"


def entries_for(feed: Feed, manifest: Manifest) -> tuple[FeedEntry, ...]:
    """The feed's entries, newest first (undated ones last, in manifest order)."""
    entries = [_entry(feed, a) for a in manifest.articles_in(feed.id)]
    dated = sorted((e for e in entries if e.published), key=_when, reverse=True)
    return tuple(dated + [e for e in entries if e.published is None])


def _entry(feed: Feed, article: Article) -> FeedEntry:
    is_aggregator = feed.format == "google_news"
    link = google_news_link(article) if is_aggregator else article.url_in(feed.id)
    return FeedEntry(
        link=link,
        guid=google_news_id(article) if is_aggregator else article.url,
        title=f"{article.title} - {article.publisher}" if is_aggregator else article.title,
        summary=article.summary,
        published=article.published_at,
        author=article.author,
        language=article.language,
        source_name=article.publisher,
        source_url=f"http://{article.host}/",
    )


def _when(entry: FeedEntry) -> datetime:
    return entry.published or _EPOCH


def newest(entries: Sequence[FeedEntry]) -> datetime:
    return max((_when(e) for e in entries), default=_EPOCH)


def render_feed(feed: Feed, manifest: Manifest) -> bytes:
    return RENDERERS[feed.format](feed, entries_for(feed, manifest))


def _doc(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def _rfc822(when: datetime) -> str:
    return format_datetime(when)


def _gmt(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC), usegmt=True)


def _tag(name: str, text: str, indent: str = "      ") -> str:
    return f"{indent}<{name}>{escape(text)}</{name}>\n"


# ---------------------------------------------------------------- RSS 2.0


def render_rss2(feed: Feed, entries: Sequence[FeedEntry]) -> bytes:
    items = "".join(_rss2_item(e) for e in entries)
    return _doc(
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom">\n  <channel>\n'
        + _tag("title", feed.title, "    ")
        + _tag("link", f"http://{feed.host}/", "    ")
        + f'    <atom:link href={quoteattr(feed.url)} rel="self"'
        ' type="application/rss+xml"/>\n'
        + _tag("description", feed.title, "    ")
        + _tag("language", feed.language, "    ")
        + _tag("lastBuildDate", _rfc822(newest(entries)), "    ")
        + items
        + "  </channel>\n</rss>\n"
    )


def _rss2_item(entry: FeedEntry) -> str:
    parts = [
        _tag("title", entry.title),
        _tag("link", entry.link),
        f'      <guid isPermaLink="true">{escape(entry.guid)}</guid>\n',
        _tag("description", entry.summary),
    ]
    if entry.published is not None:
        parts.append(_tag("pubDate", _rfc822(entry.published)))
    if entry.author:
        parts.append(_tag("dc:creator", entry.author))
    return "    <item>\n" + "".join(parts) + "    </item>\n"


# ---------------------------------------------------------------- Atom 1.0


def render_atom(feed: Feed, entries: Sequence[FeedEntry]) -> bytes:
    body = "".join(_atom_entry(e) for e in entries)
    return _doc(
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(feed.language)}>\n'
        + _tag("title", feed.title, "  ")
        + f'  <link rel="alternate" type="text/html" href={quoteattr(f"http://{feed.host}/")}/>\n'
        + f'  <link rel="self" type="application/atom+xml" href={quoteattr(feed.url)}/>\n'
        + _tag("id", feed.url, "  ")
        + _tag("updated", newest(entries).isoformat(), "  ")
        + body
        + "</feed>\n"
    )


def _atom_entry(entry: FeedEntry) -> str:
    parts = [
        _tag("title", entry.title, "    "),
        f'    <link rel="alternate" type="text/html" href={quoteattr(entry.link)}/>\n',
        _tag("id", entry.guid, "    "),
    ]
    if entry.published is not None:
        stamp = entry.published.isoformat()
        parts += [_tag("published", stamp, "    "), _tag("updated", stamp, "    ")]
    if entry.author:
        parts.append(f"    <author><name>{escape(entry.author)}</name></author>\n")
    parts.append(f'    <summary type="text">{escape(entry.summary)}</summary>\n')
    return "  <entry>\n" + "".join(parts) + "  </entry>\n"


# ---------------------------------------------------------------- RSS 1.0 (RDF)


def render_rdf(feed: Feed, entries: Sequence[FeedEntry]) -> bytes:
    seq = "".join(f"        <rdf:li rdf:resource={quoteattr(e.link)}/>\n" for e in entries)
    return _doc(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        f"  <channel rdf:about={quoteattr(feed.url)}>\n"
        + _tag("title", feed.title, "    ")
        + _tag("link", f"http://{feed.host}/", "    ")
        + _tag("description", feed.title, "    ")
        + _tag("dc:language", feed.language, "    ")
        + _tag("dc:date", newest(entries).isoformat(), "    ")
        + "    <items>\n      <rdf:Seq>\n"
        + seq
        + "      </rdf:Seq>\n    </items>\n  </channel>\n"
        + "".join(_rdf_item(e) for e in entries)
        + "</rdf:RDF>\n"
    )


def _rdf_item(entry: FeedEntry) -> str:
    parts = [_tag("title", entry.title, "    "), _tag("link", entry.link, "    ")]
    parts.append(_tag("description", entry.summary, "    "))
    if entry.published is not None:
        parts.append(_tag("dc:date", entry.published.isoformat(), "    "))
    if entry.author:
        parts.append(_tag("dc:creator", entry.author, "    "))
    return f"  <item rdf:about={quoteattr(entry.link)}>\n" + "".join(parts) + "  </item>\n"


# ---------------------------------------------------------------- Google News sitemap


def render_news_sitemap(feed: Feed, entries: Sequence[FeedEntry]) -> bytes:
    return _doc(
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        + "".join(_sitemap_url(feed, e) for e in entries)
        + "</urlset>\n"
    )


def _sitemap_url(feed: Feed, entry: FeedEntry) -> str:
    news = (
        "    <news:news>\n      <news:publication>\n"
        + _tag("news:name", feed.title, "        ")
        + _tag("news:language", entry.language, "        ")
        + "      </news:publication>\n"
    )
    if entry.published is not None:
        news += _tag("news:publication_date", entry.published.isoformat())
    news += _tag("news:title", entry.title) + "    </news:news>\n"
    return "  <url>\n" + _tag("loc", entry.link, "    ") + news + "  </url>\n"


# ---------------------------------------------------------------- Google News (aggregator RSS)


def render_google_news(feed: Feed, entries: Sequence[FeedEntry]) -> bytes:
    return _doc(
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">\n  <channel>\n'
        + "    <generator>NFE/5.0</generator>\n"
        + _tag("title", feed.title, "    ")
        + _tag("link", feed.url, "    ")
        + _tag("language", feed.language, "    ")
        + "    <webMaster>news-webmaster@google.com</webMaster>\n"
        + "    <copyright>2021 Google Inc.</copyright>\n"
        + _tag("lastBuildDate", _gmt(newest(entries)), "    ")
        + _tag("description", "Google News", "    ")
        + "".join(_google_item(e) for e in entries)
        + "  </channel>\n</rss>\n"
    )


def _google_item(entry: FeedEntry) -> str:
    snippet = (
        f'<a href={quoteattr(entry.link)} target="_blank">{escape(entry.title)}</a>'
        f'&nbsp;&nbsp;<font color="#6f6f6f">{escape(entry.source_name)}</font>'
    )
    parts = [
        _tag("title", entry.title),
        _tag("link", entry.link),
        f'      <guid isPermaLink="false">{escape(entry.guid)}</guid>\n',
    ]
    if entry.published is not None:
        parts.append(_tag("pubDate", _gmt(entry.published)))
    parts.append(_tag("description", snippet))
    parts.append(
        f"      <source url={quoteattr(entry.source_url)}>{escape(entry.source_name)}</source>\n"
    )
    return "    <item>\n" + "".join(parts) + "    </item>\n"


RENDERERS: dict[str, Callable[[Feed, Sequence[FeedEntry]], bytes]] = {
    "rss2": render_rss2,
    "atom": render_atom,
    "rdf": render_rdf,
    "news_sitemap": render_news_sitemap,
    "google_news": render_google_news,
}
