"""Plain and Google News sitemaps, read with defusedxml.

Sitemaps are for outlets without feeds. A DTD is never legitimate in a
sitemap, so any DTD is refused outright (no entity can expand). Elements are
matched by local name, so a sitemap with a missing or wrong namespace still
works. ``<lastmod>`` (plain) or ``<news:publication_date>`` (news) is the
item's date; a plain sitemap's undated URLs rank as oldest when only the
newest ``max_items`` are kept.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import defusedxml
import defusedxml.ElementTree as DET
from lxml import etree

from pipeline.article import dates, urls
from pipeline.parse.items import RawDocument, RawEntry

# C0 controls are invalid in XML 1.0; some CMSes leak them into sitemaps.
_INVALID_XML_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class BadSitemap(Exception):
    """The sitemap could not be read (malformed XML, or a DTD)."""


def _root(body: bytes) -> ET.Element:
    try:
        return DET.fromstring(body, forbid_dtd=True)
    except ET.ParseError:
        pass
    except defusedxml.DefusedXmlException as exc:
        raise BadSitemap(f"refused: {type(exc).__name__}") from exc
    try:
        return DET.fromstring(_INVALID_XML_BYTES.sub(b"", body), forbid_dtd=True)
    except (ET.ParseError, defusedxml.DefusedXmlException) as exc:
        raise BadSitemap(f"{type(exc).__name__}: {exc}"[:300]) from exc


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (child for child in element if _local(child.tag) == name)


def _child_text(element: ET.Element | None, name: str) -> str | None:
    if element is None:
        return None
    for child in _children(element, name):
        value = (child.text or "").strip()
        return value or None
    return None


def parse_sitemap(body: bytes) -> RawDocument:
    """Raw entries of a ``<urlset>``; raises :class:`BadSitemap`."""
    root = _root(body)
    url_elements = list(_children(root, "url"))
    entries = [_entry(url) for url in url_elements]
    is_news = any(next(_children(url, "news"), None) is not None for url in url_elements)
    return RawDocument(
        kind="news_sitemap" if is_news else "sitemap",
        entries=entries,
        undated_is_new=False,
    )


def _entry(url: ET.Element) -> RawEntry:
    news = next(_children(url, "news"), None)
    publication = next(_children(news, "publication"), None) if news is not None else None
    raw = _child_text(news, "publication_date") or _child_text(url, "lastmod")
    keywords = _child_text(news, "keywords") or ""
    return RawEntry(
        links=tuple(x for x in (_child_text(url, "loc"),) if x),
        title=_child_text(news, "title") or "",
        published=dates.parse_date(raw),
        published_raw=raw,
        source_name=_child_text(publication, "name"),
        language=_child_text(publication, "language"),
        categories=tuple(k.strip() for k in keywords.split(",") if k.strip()),
    )


def sitemap_index_children(body: bytes, base_url: str) -> tuple[str, ...]:
    """Child sitemap URLs of a ``<sitemapindex>`` (absolute, http(s) only)."""
    root = _root(body)
    found = (_child_text(s, "loc") for s in _children(root, "sitemap"))
    resolved = (urls.resolve_link(loc, base_url) for loc in found if loc)
    return tuple(u for u in resolved if urls.is_fetchable_scheme(u))


# ---------------------------------------------------------------- streaming reader
# For backfill: a sitemap of 50,000 URLs (or a gzip file that inflates to
# gigabytes) is read element by element with lxml's pull parser, each element
# cleared once read, and gzip inflated in bounded steps up to ``max_bytes``.
# A DTD is refused as above; entities are never resolved and nothing is
# loaded from the network.

GZIP_MAGIC = b"\x1f\x8b"
INFLATE_STEP = 64 * 1024
FEED_STEP = 256 * 1024


class SitemapTooLarge(BadSitemap):
    """The (decompressed) sitemap is over the size cap."""


@dataclass(frozen=True)
class SitemapLink:
    """One ``<url>`` of a urlset or ``<sitemap>`` of an index."""

    loc: str
    date: datetime | None  # news:publication_date, else lastmod (plausibility-gated)
    date_raw: str | None
    title: str = ""
    source_name: str | None = None
    language: str | None = None
    date_flag: str | None = None  # date_implausible | date_unparseable (dates.read_date)


def _inflated(body: bytes, max_bytes: int) -> Iterator[bytes]:
    """``body`` in chunks; gzip inflated in bounded steps, refused past ``max_bytes``."""
    if not body.startswith(GZIP_MAGIC):
        if len(body) > max_bytes:
            raise SitemapTooLarge(f"sitemap of {len(body)} bytes is over the {max_bytes} cap")
        for start in range(0, len(body), FEED_STEP):
            yield body[start : start + FEED_STEP]
        return
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    total = 0
    data = body
    try:
        while data:
            out = inflater.decompress(data, INFLATE_STEP)
            data = inflater.unconsumed_tail
            while True:
                total += len(out)
                if total > max_bytes:
                    raise SitemapTooLarge(f"gzip sitemap inflates past the {max_bytes} bytes cap")
                if out:
                    yield out
                if not data or not out:
                    break
                out = inflater.decompress(data, INFLATE_STEP)
                data = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error as exc:
        raise BadSitemap(f"corrupt gzip sitemap ({exc})") from exc
    if not inflater.eof:
        raise BadSitemap("truncated gzip sitemap")


def _link(element: Any, latest: datetime) -> SitemapLink | None:
    loc = date_raw = title = None
    source_name = language = None
    lastmod = publication = None
    for child in element.iter():
        name = _local(child.tag)
        value = (child.text or "").strip() or None
        if name == "loc" and loc is None:
            loc = value
        elif name == "lastmod":
            lastmod = value
        elif name == "publication_date":
            publication = value
        elif name == "title" and title is None:
            title = value
        elif name == "name" and source_name is None:
            source_name = value
        elif name == "language" and language is None:
            language = value
    if not loc:
        return None
    date_raw = publication or lastmod
    reading = dates.read_date(date_raw, latest=latest)  # the gate every date passes
    return SitemapLink(
        loc=loc,
        date=reading.value,
        date_raw=date_raw,
        title=title or "",
        source_name=source_name,
        language=language,
        date_flag=reading.flag,
    )


def iter_sitemap(
    body: bytes, *, max_bytes: int, now: datetime
) -> Iterator[tuple[str, SitemapLink]]:
    """``("url" | "sitemap", link)`` for each entry of a urlset or an index, streamed.

    Dates pass the plausibility gate against ``now`` (when the sitemap was read):
    an implausible one is no date (the page's decides) and is flagged.

    Raises :class:`BadSitemap` (malformed XML, a DTD, corrupt gzip) or
    :class:`SitemapTooLarge`; entries read before the fault were yielded.
    """
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=False,
    )
    latest = dates.to_utc(now) + dates.FUTURE_TOLERANCE
    depth = 0
    checked = False
    try:
        for chunk in _inflated(body, max_bytes):
            parser.feed(_INVALID_XML_BYTES.sub(b"", chunk))
            for event, element in parser.read_events():
                if not checked:
                    checked = True
                    if element.getroottree().docinfo.doctype:
                        raise BadSitemap("refused: a DTD in a sitemap")
                if event == "start":
                    depth += 1
                    continue
                depth -= 1
                name = _local(element.tag)
                if depth == 1 and name in ("url", "sitemap"):
                    link = _link(element, latest)
                    if link is not None:
                        yield name, link
                    element.clear()
                    parent = element.getparent()
                    if parent is not None:  # drop cleared siblings: bounded memory
                        while element.getprevious() is not None:
                            del parent[0]
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise BadSitemap(f"malformed sitemap: {exc}"[:300]) from exc
