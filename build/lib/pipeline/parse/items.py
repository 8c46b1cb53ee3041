"""From format-specific raw entries to :class:`FeedItem` values.

Every format adapter (feedparser, JSON Feed, sitemaps) yields
:class:`RawEntry` values; this module does what is common to all of them:
pick the newest ``max_items``, resolve and check links, clean text, and
settle duplicate GUIDs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final
from urllib.parse import urlsplit

from pipeline.article import dates, text, urls
from pipeline.types import FeedItem, ParsedFeed, Skipped

MAX_CATEGORIES: Final = 50
MAX_CATEGORY_CHARS: Final = 200
MAX_GUID_CHARS: Final = 65536


@dataclass(frozen=True)
class RawEntry:
    """One entry as a format adapter saw it (links may still be relative)."""

    links: tuple[str, ...] = ()
    guid: str | None = None
    title: str = ""
    title_is_html: bool = False
    summary: str = ""
    summary_is_html: bool = False
    author: str | None = None
    published: datetime | None = None
    published_raw: str | None = None
    source_url: str | None = None
    source_name: str | None = None
    language: str | None = None
    categories: tuple[str, ...] = ()
    date_flag: str | None = None  # set by the date gate (dates.read_date)


@dataclass
class RawDocument:
    """What an adapter produced before the common steps."""

    kind: str
    entries: list[RawEntry] = field(default_factory=list)
    title: str | None = None
    language: str | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    undated_is_new: bool = True  # feeds: undated items are current; sitemaps: old


def build_feed(doc: RawDocument, base_url: str, *, max_items: int, now: datetime) -> ParsedFeed:
    """Select, resolve, clean and de-duplicate ``doc``'s entries."""
    skipped = list(doc.skipped)
    warnings = list(doc.warnings)
    dated = [checked_date(e, now) for e in doc.entries]
    chosen = select_newest(dated, max_items, now, undated_is_new=doc.undated_is_new)
    if len(chosen) < len(doc.entries):
        dropped = len(doc.entries) - len(chosen)
        skipped.append(Skipped("over_max_items", f"{dropped} older items not processed"))
        warnings.append(f"over_max_items: kept the newest {len(chosen)} of {len(doc.entries)}")
    items = _dedupe_guids(_build_items(chosen, base_url, skipped), skipped)
    return ParsedFeed(
        kind=doc.kind,
        items=tuple(items),
        title=_clean_optional(" ".join(doc.title.split()) if doc.title else None),
        language=_clean_optional(doc.language),
        skipped=tuple(skipped),
        warnings=tuple(warnings),
    )


def checked_date(entry: RawEntry, now: datetime) -> RawEntry:
    """Every feed and sitemap date through the one plausibility gate: an
    implausible or unreadable date is dropped (the page's date is tried next),
    its raw text kept and flagged."""
    latest = dates.to_utc(now) + dates.FUTURE_TOLERANCE
    reading = dates.read_date(entry.published_raw, latest=latest, parsed=entry.published)
    if reading.value == entry.published and reading.flag is None:
        return entry
    return replace(entry, published=reading.value, date_flag=reading.flag)


def select_newest(
    entries: Sequence[RawEntry], max_items: int, now: datetime, *, undated_is_new: bool
) -> list[RawEntry]:
    """The newest ``max_items`` entries, returned in document order.

    Dates beyond ``now`` + 1 day rank as ``now`` (year 9999 must not pin an
    item to the top forever); undated entries rank as ``now`` in feeds and as
    oldest in sitemaps. Ties keep document order.
    """
    if len(entries) <= max_items:
        return list(entries)
    ceiling = dates.sort_key(dates.to_utc(now) + dates.FUTURE_TOLERANCE)
    undated = dates.sort_key(dates.to_utc(now)) if undated_is_new else float("-inf")

    def rank(index: int) -> tuple[float, int]:
        published = entries[index].published
        key = undated if published is None else min(dates.sort_key(published), ceiling)
        return (-key, index)

    keep = sorted(sorted(range(len(entries)), key=rank)[: max(max_items, 0)])
    return [entries[i] for i in keep]


def _build_items(
    entries: Sequence[RawEntry], base_url: str, skipped: list[Skipped]
) -> list[FeedItem]:
    items: list[FeedItem] = []
    for entry in entries:
        link, problem = _usable_link(entry, base_url)
        if problem is not None:
            skipped.append(problem)
            continue
        items.append(_to_item(entry, link))
    return items


def _usable_link(entry: RawEntry, base_url: str) -> tuple[str, Skipped | None]:
    candidates = [c for c in entry.links if c and c.strip()]
    if (
        not candidates
        and entry.guid
        and entry.guid.strip().lower().startswith(("http://", "https://"))
    ):
        candidates = [entry.guid]
    if not candidates:
        return "", Skipped("no_link", _describe(entry))
    link = urls.resolve_link(text.clean(candidates[0]), base_url)
    if len(link) > text.FIELD_CAPS["url"]:
        return "", Skipped("bad_url", f"link longer than {text.FIELD_CAPS['url']} characters")
    try:
        parts = urlsplit(link)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError:
        return "", Skipped("bad_url", link[:200])
    if scheme not in urls.FETCHABLE_SCHEMES:
        return "", Skipped("bad_scheme", f"{scheme or 'no'} scheme: {link[:200]}")
    if not host:
        return "", Skipped("bad_url", f"no host: {link[:200]}")
    return link, None


def _describe(entry: RawEntry) -> str:
    label = entry.title or entry.guid or ""
    return text.clean(label)[:200]


def _to_item(entry: RawEntry, link: str) -> FeedItem:
    raw_title = text.strip_html(entry.title) if entry.title_is_html else text.clean(entry.title)
    title = " ".join(raw_title.split())
    source_name = _clean_optional(entry.source_name)
    if source_name and title.endswith(f" - {source_name}"):
        # Google News appends " - Publisher" to every title.
        title = title[: -len(source_name) - 3].rstrip()
    summary = text.strip_html(entry.summary) if entry.summary_is_html else _plain(entry.summary)
    return FeedItem(
        url=link,
        guid=_clean_optional(entry.guid, MAX_GUID_CHARS),
        title=title,
        summary=summary,
        author=_clean_optional(entry.author),
        published=entry.published,
        published_raw=_clean_optional(entry.published_raw),
        source_url=_clean_optional(entry.source_url),
        source_name=source_name,
        language=_clean_optional(entry.language),
        categories=_categories(entry.categories),
        date_flags=entry.date_flag,
    )


def _plain(value: str) -> str:
    return text.normalize_space(text.clean(value))


def _clean_optional(value: str | None, limit: int | None = None) -> str | None:
    if value is None:
        return None
    cleaned = text.clean(value).strip()
    if limit is not None:
        cleaned = text.cap(cleaned, limit)[0]
    return cleaned or None


def _categories(values: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values[: MAX_CATEGORIES * 2]:
        cleaned = text.cap(_plain(value), MAX_CATEGORY_CHARS)[0]
        if cleaned:
            seen.setdefault(cleaned, None)
    return tuple(seen)[:MAX_CATEGORIES]


def _dedupe_guids(items: list[FeedItem], skipped: list[Skipped]) -> list[FeedItem]:
    """Same GUID twice in one document (RELIABILITY G88).

    The first keeps the GUID; a later one with another URL is re-keyed
    ``GUID|URL``; a later one with the same URL (or no GUID and the same URL)
    is dropped as ``duplicate``.
    """
    seen_guids: set[str] = set()
    seen_pairs: set[tuple[str | None, str]] = set()
    result: list[FeedItem] = []
    for original in items:
        if (original.guid, original.url) in seen_pairs:
            skipped.append(Skipped("duplicate", f"{original.guid or ''} {original.url}"[:200]))
            continue
        seen_pairs.add((original.guid, original.url))
        item = _rekey(original) if original.guid in seen_guids else original
        if item.guid is not None:
            seen_guids.add(item.guid)
        result.append(item)
    return result


def _rekey(item: FeedItem) -> FeedItem:
    return replace(item, guid=f"{item.guid}|{item.url}")
