"""Links to a feed's older pages (pure): RFC 5005 archives and WordPress paging.

An RFC 5005 archived feed links its previous archive document with
``<link rel="prev-archive" href="...">`` (Atom, or ``atom:link`` inside RSS).
WordPress serves older items of any feed at ``?paged=N``. The body is
streamed with lxml's pull parser (no DTD, no entities, no network) and only
the feed-level links before the first item are read.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

from pipeline.article.urls import is_fetchable_scheme, resolve_link

_ITEM_TAGS = frozenset({"entry", "item"})


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def prev_archive(body: bytes, base_url: str) -> str | None:
    """The ``prev-archive`` link of a feed document, absolute, if it has one."""
    parser = etree.XMLPullParser(
        events=("start",), resolve_entities=False, no_network=True, load_dtd=False
    )
    try:
        for start in range(0, len(body), 64 * 1024):
            parser.feed(body[start : start + 64 * 1024])
            for _event, element in parser.read_events():
                name = _local(element.tag)
                if name in _ITEM_TAGS:
                    return None
                if name == "link" and (element.get("rel") or "").strip() == "prev-archive":
                    href = (element.get("href") or "").strip()
                    link = resolve_link(href, base_url) if href else ""
                    return link if link and is_fetchable_scheme(link) else None
    except etree.XMLSyntaxError:
        return None
    return None


def paged_url(feed_url: str, page: int) -> str:
    """``feed_url`` with ``paged=<page>`` (WordPress), other parameters kept."""
    parts = urlsplit(feed_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "paged"]
    query.append(("paged", str(page)))
    return urlunsplit(parts._replace(query=urlencode(query)))
