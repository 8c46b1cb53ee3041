"""JSON Feed 1.0 / 1.1 (feedparser 6 does not read JSON Feed).

One bad item never aborts the document: an item that is not an object is
skipped with reason ``bad_item``; strings with lone surrogates are cleaned
later like every other field.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.article import dates
from pipeline.parse.items import RawDocument, RawEntry
from pipeline.types import Skipped


class NotJsonFeed(Exception):
    """Valid JSON that is not a JSON Feed."""


class BadJson(Exception):
    """The body is not valid JSON."""


def parse_json_feed(body: bytes) -> RawDocument:
    """Raw entries of a JSON Feed; raises :class:`BadJson` or :class:`NotJsonFeed`."""
    try:
        encoding = json.detect_encoding(body)
        data = json.loads(body.decode(encoding, "replace"))
    except (ValueError, RecursionError) as exc:
        raise BadJson(f"{type(exc).__name__}: {exc}"[:300]) from exc
    if not isinstance(data, dict) or not _is_json_feed(data):
        raise NotJsonFeed("JSON, but not a JSON Feed (no version or items)")
    doc = RawDocument(
        kind="json", title=_str(data.get("title")), language=_str(data.get("language"))
    )
    items = data.get("items")
    for position, item in enumerate(items if isinstance(items, list) else ()):
        if isinstance(item, dict):
            doc.entries.append(_entry(item))
        else:
            doc.skipped.append(Skipped("bad_item", f"item {position} is not an object"))
    return doc


def _is_json_feed(data: dict[str, Any]) -> bool:
    version = data.get("version")
    if isinstance(version, str) and "jsonfeed.org" in version:
        return True
    return isinstance(data.get("items"), list) and ("title" in data or "feed_url" in data)


def _entry(item: dict[str, Any]) -> RawEntry:
    raw_date = _str(item.get("date_published")) or _str(item.get("date_modified"))
    html = _str(item.get("content_html"))
    summary = _str(item.get("summary")) or _str(item.get("content_text"))
    return RawEntry(
        links=tuple(u for u in (_str(item.get("url")), _str(item.get("external_url"))) if u),
        guid=_str(item.get("id")),
        title=_str(item.get("title")) or "",
        summary=summary or html or "",
        summary_is_html=not summary and bool(html),
        author=_authors(item),
        published=dates.parse_date(raw_date),
        published_raw=raw_date,
        language=_str(item.get("language")),
        categories=tuple(t for t in (_str(t) for t in _list(item.get("tags"))) if t),
    )


def _authors(item: dict[str, Any]) -> str | None:
    people = _list(item.get("authors")) or [item.get("author")]
    names = [_str(p.get("name")) for p in people if isinstance(p, dict)]
    return ", ".join(n for n in names if n) or None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    """Strings and numbers as text (ids are often numbers); anything else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value).strip() or None
    return None
