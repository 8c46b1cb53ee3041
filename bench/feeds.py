"""RSS 2.0 and Atom feeds of corpus articles (see :mod:`bench.corpus`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from bench.corpus import ArticleSpec

EPOCH: Final = datetime(2021, 8, 1, tzinfo=UTC)  # the date of an empty feed


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str
    summary: str
    author: str
    published: datetime
    category: str

    @classmethod
    def of(cls, s: ArticleSpec) -> FeedEntry:
        return cls(s.url, s.title, s.lead, s.author, s.published, s.section)


def render_feed(host: str, name: str, lang: str, entries: Sequence[FeedEntry], fmt: str) -> bytes:
    if fmt == "atom":
        return _atom(host, name, lang, entries)
    return _rss(host, name, lang, entries)


def _rss(host: str, name: str, lang: str, entries: Sequence[FeedEntry]) -> bytes:
    items = "".join(
        f"<item><title>{escape(e.title)}</title><link>{escape(e.url)}</link>"
        f'<guid isPermaLink="true">{escape(e.url)}</guid>'
        f"<pubDate>{format_datetime(e.published, usegmt=True)}</pubDate>"
        f"<dc:creator>{escape(e.author)}</dc:creator><category>{escape(e.category)}</category>"
        f"<description>{escape(f'<p>{escape(e.summary)}</p>')}</description></item>\n"
        for e in entries
    )
    built = max((e.published for e in entries), default=EPOCH)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        f"<channel><title>{escape(name)}</title><link>http://{host}/</link>"
        f'<atom:link href="http://{host}/feed.xml" rel="self" type="application/rss+xml"/>'
        f"<description>{escape(name)}: últimas noticias</description><language>{lang}</language>"
        f"<lastBuildDate>{format_datetime(built, usegmt=True)}</lastBuildDate>\n{items}"
        "</channel></rss>\n"
    ).encode()


def _atom(host: str, name: str, lang: str, entries: Sequence[FeedEntry]) -> bytes:
    items = "".join(
        f'<entry><title>{escape(e.title)}</title><link rel="alternate" href="{escape(e.url)}"/>'
        f"<id>{escape(e.url)}</id><published>{e.published.isoformat()}</published>"
        f"<updated>{e.published.isoformat()}</updated><author><name>{escape(e.author)}</name></author>"
        f'<category term="{escape(e.category)}"/><summary type="html">'
        f"{escape(f'<p>{escape(e.summary)}</p>')}</summary></entry>\n"
        for e in entries
    )
    updated = max((e.published for e in entries), default=EPOCH).isoformat()
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang}">'
        f"<title>{escape(name)}</title><id>http://{host}/</id><updated>{updated}</updated>"
        f'<link rel="self" href="http://{host}/atom.xml"/>\n{items}</feed>\n'
    ).encode()
