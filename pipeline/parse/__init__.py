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
- ``parse_timeout``: only from :func:`parse_feed_guarded`.

Items without a usable link are left out and listed in ``skipped``
(``no_link``, ``bad_scheme``, ``bad_url``, ``duplicate``, ``bad_item``,
``over_max_items``); feedparser's ``bozo`` is a warning, never an error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Final

from pipeline import isolation
from pipeline.parse import jsonfeed, sitemaps, sniff, xmlfeed
from pipeline.parse.items import RawDocument, build_feed
from pipeline.types import ParsedFeed

__all__ = [
    "DEFAULT_MAX_ITEMS",
    "DEFAULT_PARSE_DEADLINE",
    "close_shared_pool",
    "parse_feed",
    "parse_feed_guarded",
    "sitemap_children",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_ITEMS: Final = 500
DEFAULT_PARSE_DEADLINE: Final = 20.0
_DEFAULT_POOL_PROCESSES: Final = 2

_pool_lock = threading.Lock()
_default_pool: isolation.DeadlinePool | None = None


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


def _shared_pool() -> isolation.DeadlinePool:
    global _default_pool  # noqa: PLW0603 -- one lazily started pool per process
    with _pool_lock:
        if _default_pool is None:
            _default_pool = isolation.DeadlinePool(
                _DEFAULT_POOL_PROCESSES, deadline_s=DEFAULT_PARSE_DEADLINE
            )
        return _default_pool


def close_shared_pool() -> None:
    """Stop the pool :func:`parse_feed_guarded` starts on first use (daemon shutdown)."""
    global _default_pool
    with _pool_lock:
        pool, _default_pool = _default_pool, None
    if pool is not None:
        pool.close()


def _parse_in_worker(
    body: bytes, headers: dict[str, str], base_url: str, max_items: int, now: datetime
) -> ParsedFeed:
    return parse_feed(body, headers, base_url, max_items=max_items, now=now)


def parse_feed_guarded(
    body: bytes,
    headers: Mapping[str, str],
    base_url: str,
    *,
    max_items: int = DEFAULT_MAX_ITEMS,
    now: datetime,
    deadline_s: float = DEFAULT_PARSE_DEADLINE,
    pool: isolation.DeadlinePool | None = None,
) -> ParsedFeed:
    """:func:`parse_feed` in a worker process with a deadline.

    A timeout gives ``parse_timeout`` (the worker is killed and replaced, so
    later calls still work); a dead worker or an escaped error ``parse_failed``.
    ``pool`` defaults to a shared pool started on first use.
    """
    runner = pool or _shared_pool()
    args = (body, dict(headers), base_url, max_items, now)
    outcome = runner.run(_parse_in_worker, *args, deadline_s=deadline_s)
    if outcome.ok and outcome.value is not None:
        return outcome.value
    logger.warning(
        "guarded parse failed",
        extra={"feed_url": base_url, "reason": outcome.failure, "detail": outcome.detail},
    )
    if outcome.failure == "timeout":
        return _failed("parse_timeout", f"no result within {deadline_s:g} s; worker replaced")
    return _failed("parse_failed", f"worker {outcome.failure}: {outcome.detail}")
