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
from collections.abc import Iterator

import defusedxml
import defusedxml.ElementTree as DET

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
