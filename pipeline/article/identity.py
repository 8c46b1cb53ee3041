"""Entry identity within a feed (pure).

Key = SHA-256 of the GUID; when a GUID repeats inside one document, of
GUID|URL; without a GUID, of the canonical link. A GUID compares byte-exact
(``ABC`` and ``abc`` are two items). The URL key (SHA-256 of the canonical
URL) is what joins entries of different feeds to one article.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace

from pipeline.article import text, urls
from pipeline.types import FeedItem, NewEntry, Skipped


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def url_key(url: str) -> str:
    return sha256(urls.canonicalize(url))


def entry_keys(items: Iterable[FeedItem]) -> tuple[list[NewEntry], list[Skipped]]:
    """Give each item its identity; drop exact repeats inside one document."""
    seen_guids: set[str] = set()
    seen_keys: set[str] = set()
    out: list[NewEntry] = []
    skipped: list[Skipped] = []
    for item in items:
        canonical = urls.canonicalize(item.url)
        if item.guid and item.guid not in seen_guids:
            identity = "guid:" + item.guid
        elif item.guid:
            identity = f"guid:{item.guid}|{canonical}"
        else:
            identity = "url:" + canonical
        key = sha256(identity)
        if key in seen_keys:
            skipped.append(Skipped("duplicate_in_feed", item.url))
            continue
        if item.guid:
            seen_guids.add(item.guid)
        seen_keys.add(key)
        small, cut = capped(item)
        out.append(NewEntry(key, item.url, sha256(canonical), small, truncated=cut))
    return out, skipped


def capped(item: FeedItem) -> tuple[FeedItem, bool]:
    """Field caps for what the entries table keeps, and whether anything was cut."""
    title, t1 = text.cap(item.title, text.FIELD_CAPS["title"])
    summary, t2 = text.cap(item.summary, text.FIELD_CAPS["summary"])
    author, t3 = text.cap(item.author or "", text.FIELD_CAPS["author"])
    guid, t4 = text.cap(item.guid or "", text.FIELD_CAPS["url"])
    if not (t1 or t2 or t3 or t4) and item.author != "" and item.guid != "":
        return item, False  # as it was: the same object (a pool result pickles it once)
    new = replace(item, title=title, summary=summary, author=author or None, guid=guid or None)
    return new, t1 or t2 or t3 or t4
