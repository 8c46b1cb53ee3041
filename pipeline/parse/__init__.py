"""Parse stage: feed bytes in, :class:`ParsedFeed` out. Never raises on bad input.

Formats: RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 (feedparser), JSON Feed 1.0/1.1,
Google News sitemaps and plain sitemaps (defusedxml), Google News search
feeds (the publisher comes from each item's ``<source url>``).

Outcomes, as ``ParsedFeed.error_code`` (a stable code from
:data:`pipeline.errors.ERROR_CODES`):

- ``empty_body``: nothing but whitespace;
- ``not_a_feed``: HTML, binary, a prolog with no document, JSON that is not
  a JSON Feed, XML that feedparser finds no feed in;
- ``parse_failed``: malformed JSON or sitemap, or an unexpected exception;
- ``parse_timeout``: only from :class:`ParserPool`.

Items without a usable link are left out and listed in ``skipped``
(``no_link``, ``bad_scheme``, ``bad_url``, ``duplicate``, ``bad_item``,
``over_max_items``); feedparser's ``bozo`` is a warning, never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from pipeline import isolation
from pipeline.article.identity import entry_keys
from pipeline.parse import jsonfeed, sitemaps, sniff, xmlfeed
from pipeline.parse.items import RawDocument, build_feed
from pipeline.types import NewEntry, ParsedFeed, Skipped

__all__ = [
    "DEFAULT_MAX_ITEMS",
    "DEFAULT_PARSE_DEADLINE",
    "DEFAULT_PARSE_RECYCLE",
    "KeyedFeed",
    "ParserPool",
    "PendingParse",
    "parse_feed",
    "sitemap_children",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_ITEMS: Final = 500
DEFAULT_PARSE_DEADLINE: Final = 20.0
# Feeds per parser process before it is replaced: a fresh process parses about a fifth
# slower for its first hundreds of feeds (docs/benchmarks.md, P3 on 2026-12-04).
DEFAULT_PARSE_RECYCLE: Final = 2000


def _failed(code: str, message: str, kind: str = "unknown") -> ParsedFeed:
    return ParsedFeed(kind=kind, error_code=code, error_message=f"parse: {message}")


def parse_feed(
    body: bytes,
    headers: Mapping[str, str],
    base_url: str,
    *,
    max_items: int = DEFAULT_MAX_ITEMS,
    now: datetime,
) -> ParsedFeed:
    """Parse one fetched feed body (see module doc). Pure: no I/O, no clock."""
    try:
        doc = _read_document(body, headers, base_url)
        if isinstance(doc, ParsedFeed):
            return doc
        base = xmlfeed.document_base(headers, base_url)
        return build_feed(doc, base, max_items=max_items, now=now)
    except Exception as exc:  # feedparser #277: wrap parse anyway
        logger.warning(
            "parse failed",
            extra={"feed_url": base_url, "reason": type(exc).__name__},
            exc_info=True,
        )
        return _failed("parse_failed", f"{type(exc).__name__}: {exc}"[:300])


_SNIFF_FAILURES: Final = {
    sniff.EMPTY: ("empty_body", "the response body is empty"),
    sniff.HTML: ("not_a_feed", "an HTML page, not a feed (try `vric feeds discover`)"),
    sniff.XML_EMPTY: ("not_a_feed", "an XML prolog with no document"),
}


def _read_document(
    body: bytes, headers: Mapping[str, str], base_url: str
) -> RawDocument | ParsedFeed:
    kind, detail = sniff.sniff(body)
    if kind in _SNIFF_FAILURES:
        return _failed(*_SNIFF_FAILURES[kind])
    if kind == sniff.BINARY:
        return _failed("not_a_feed", f"binary content ({detail}), not a feed")
    if kind == sniff.JSON:
        return _read_json(body)
    if kind in (sniff.SITEMAP, sniff.SITEMAP_INDEX):
        return _read_sitemap(body, base_url, index=kind == sniff.SITEMAP_INDEX)
    try:
        return xmlfeed.parse_xml_feed(body, headers, base_url)
    except xmlfeed.NotAFeed as exc:
        return _failed("not_a_feed", f"no RSS, RDF or Atom feed found ({exc})")


def _read_json(body: bytes) -> RawDocument | ParsedFeed:
    try:
        return jsonfeed.parse_json_feed(body)
    except jsonfeed.BadJson as exc:
        return _failed("parse_failed", f"malformed JSON Feed: {exc}", kind="json")
    except jsonfeed.NotJsonFeed as exc:
        return _failed("not_a_feed", str(exc), kind="json")


def _read_sitemap(body: bytes, base_url: str, *, index: bool) -> RawDocument | ParsedFeed:
    try:
        if not index:
            return sitemaps.parse_sitemap(body)
        children = sitemaps.sitemap_index_children(body, base_url)
    except sitemaps.BadSitemap as exc:
        return _failed("parse_failed", f"unreadable sitemap: {exc}", kind="sitemap")
    note = f"sitemap_index: {len(children)} child sitemaps, no articles; see parse.sitemap_children"
    return ParsedFeed(kind="sitemap", warnings=(note,))


def sitemap_children(body: bytes, base_url: str) -> tuple[str, ...]:
    """Child sitemap URLs when ``body`` is a ``<sitemapindex>``, else ``()``."""
    if sniff.sniff(body)[0] != sniff.SITEMAP_INDEX:
        return ()
    try:
        return sitemaps.sitemap_index_children(body, base_url)
    except sitemaps.BadSitemap:
        return ()


def parse_task(
    body: bytes, headers: dict[str, str], base_url: str, max_items: int, now: datetime
) -> ParsedFeed:
    """:func:`parse_feed` with positional arguments: the pool's default task."""
    return parse_feed(body, headers, base_url, max_items=max_items, now=now)


FeedTask = Callable[[bytes, dict[str, str], str, int, datetime], ParsedFeed]


@dataclass(frozen=True)
class KeyedFeed:
    """A parsed feed and its items' identities (:func:`pipeline.article.identity.entry_keys`):
    the entries to store and the in-document repeats left out."""

    parsed: ParsedFeed
    new: tuple[NewEntry, ...] = ()
    duplicates: tuple[Skipped, ...] = ()

    @classmethod
    def of(cls, parsed: ParsedFeed) -> KeyedFeed:
        new, duplicates = entry_keys(parsed.items)
        return cls(parsed, tuple(new), tuple(duplicates))


def keyed_task(
    task: FeedTask, body: bytes, headers: dict[str, str], base_url: str, max_items: int,
    now: datetime,
) -> KeyedFeed:  # fmt: skip
    """``task``, then the items' identities, in the pool process: canonicalising
    every item URL is the main process's largest share of a changed poll."""
    return KeyedFeed.of(task(body, headers, base_url, max_items, now))


class PendingParse:
    """A feed handed to a :class:`ParserPool`; :meth:`result` (or :meth:`keyed`) waits for it."""

    def __init__(
        self,
        pending: isolation.Pending[ParsedFeed] | isolation.Pending[KeyedFeed],
        base_url: str,
        deadline_s: float,
    ) -> None:
        self._pending, self.base_url, self._deadline_s = pending, base_url, deadline_s

    def done(self) -> bool:
        return self._pending.done()

    def add_done_callback(self, fn: Callable[[PendingParse], object]) -> None:
        """Call ``fn(self)`` (in a pool thread) once the result is ready."""
        self._pending.add_done_callback(lambda _: fn(self))

    def result(self) -> ParsedFeed:
        """The parsed feed; ``parse_timeout`` or ``parse_failed`` if the pool process gave none."""
        value = self._value()
        return value.parsed if isinstance(value, KeyedFeed) else value

    def keyed(self) -> KeyedFeed:
        """:meth:`result` with its items' identities (computed here if the pool did not)."""
        value = self._value()
        return value if isinstance(value, KeyedFeed) else KeyedFeed.of(value)

    def _value(self) -> ParsedFeed | KeyedFeed:
        outcome = self._pending.outcome()
        if outcome.ok and outcome.value is not None:
            return outcome.value
        logger.warning(
            "guarded parse failed",
            extra={"feed_url": self.base_url, "reason": outcome.failure, "detail": outcome.detail},
        )
        if outcome.failure == "timeout":
            return _failed(
                "parse_timeout", f"no result within {self._deadline_s:g} s; pool process replaced"
            )
        return _failed("parse_failed", f"pool process {outcome.failure}: {outcome.detail}")


class ParserPool:
    """:func:`parse_feed` in pool processes with a per-feed deadline.

    feedparser has inputs that take minutes (a quadratic author regex); a feed
    that outlives ``deadline_s`` comes back as ``parse_timeout`` and its worker
    is killed and replaced, so later feeds still parse. ``task`` replaces
    :func:`parse_task` (tests slow one feed down). Built and closed by the
    caller, like :class:`pipeline.extract.ExtractorPool`.
    """

    def __init__(
        self,
        processes: int = 2,
        *,
        deadline_s: float = DEFAULT_PARSE_DEADLINE,
        max_tasks_per_child: int = DEFAULT_PARSE_RECYCLE,
        memory_limit_bytes: int | None = isolation.DEFAULT_MEMORY_LIMIT,
        task: FeedTask = parse_task,
    ) -> None:
        self.deadline_s = deadline_s
        self._task = task
        self._pool = isolation.DeadlinePool(
            processes,
            deadline_s=deadline_s,
            max_tasks_per_child=max_tasks_per_child,
            memory_limit_bytes=memory_limit_bytes,
        )

    @property
    def max_tasks_per_child(self) -> int:
        """Feeds a pool process parses before it is replaced."""
        return self._pool.max_tasks_per_child

    def submit(
        self,
        body: bytes,
        headers: Mapping[str, str],
        base_url: str,
        *,
        max_items: int = DEFAULT_MAX_ITEMS,
        now: datetime,
        keyed: bool = False,
    ) -> PendingParse:
        """Start parsing one feed body; returns at once. ``keyed``: the pool
        process also gives the items their identities (:meth:`PendingParse.keyed`)."""
        args = (body, dict(headers), base_url, max_items, now)
        if keyed:
            pending = self._pool.submit(keyed_task, self._task, *args)
            return PendingParse(pending, base_url, self.deadline_s)
        return PendingParse(self._pool.submit(self._task, *args), base_url, self.deadline_s)

    def parse(
        self,
        body: bytes,
        headers: Mapping[str, str],
        base_url: str,
        *,
        max_items: int = DEFAULT_MAX_ITEMS,
        now: datetime,
    ) -> ParsedFeed:
        """Parse one feed body and wait for it (see :meth:`PendingParse.result`)."""
        return self.submit(body, headers, base_url, max_items=max_items, now=now).result()

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
