"""The feed stage of a cycle: fetch → parse → entry identity → store.

Feeds stream: a body is handed to the parser pool as soon as its fetch
completes, and the feeds are stored in arrival order as their parses finish.
Each feed's outcome (its new fetch state, and its new entries) is committed
in one transaction, so a crash between the two can never make the next 304
hide entries. What a failure does to a feed's schedule is
:mod:`pipeline.sources.health`'s business; this module only applies it.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from pipeline.article.identity import entry_keys
from pipeline.config import Config
from pipeline.config.feeds_schema import FeedSpec
from pipeline.crashpoints import crashpoint
from pipeline.fetch import FetchRequest, HttpClient
from pipeline.ingest.ports import IngestStore
from pipeline.ingest.report import CycleReport
from pipeline.parse import ParserPool, PendingParse
from pipeline.sources import health
from pipeline.types import ConfiguredFeed, FeedRow, FeedUpdate, FetchResult, NewEntry, ParsedFeed

logger = logging.getLogger(__name__)


def configured_feeds(specs: Iterable[FeedSpec]) -> list[ConfiguredFeed]:
    """The columns of the feeds table that come from feeds.yaml."""
    return [
        ConfiguredFeed(
            key=spec.id,
            url=spec.url,
            outlet=spec.outlet,
            kind=spec.kind,
            language=spec.language,
            allow_private=spec.allow_private,
            enabled=spec.enabled,
            interval_s=spec.interval * 60 if "interval" in spec.model_fields_set else None,
        )
        for spec in specs
    ]


def partial_warning(warnings: Iterable[str]) -> str | None:
    """A parser warning saying the document was cut or malformed (not merely
    mislabelled, like feedparser's CharacterEncodingOverride)."""
    for warning in warnings:
        if warning.startswith("bozo:") and "CharacterEncoding" not in warning:
            return warning.removeprefix("bozo:").strip()
    return None


# Feeds in flight between fetch and store: enough to keep the parser pool
# busy while the main process stores the feeds ahead of them.
PARSE_WINDOW = 8


@dataclass
class _Polled:
    """A fetched feed on its way to the store: its outcome, or its parse job."""

    feed: FeedRow
    result: FetchResult
    now: datetime
    done: tuple[FeedUpdate, list[NewEntry]] | None = None
    body_hash: str = ""
    job: PendingParse | None = None

    def ready(self) -> bool:
        return self.job is None or self.job.done()


class FeedPoller:
    def __init__(
        self,
        config: Config,
        store: IngestStore,
        client: HttpClient,
        parser: ParserPool,
        clock: Callable[[], datetime],
        rng: random.Random,
    ) -> None:
        self.config, self.store, self.client, self.parser = config, store, client, parser
        self.clock, self.rng = clock, rng
        self.specs = {spec.id: spec for spec in config.feeds.feeds}

    def poll(self, report: CycleReport, feeds: Sequence[FeedRow]) -> None:
        """Fetch, parse and store ``feeds``, streaming: a body goes to the parser
        pool as soon as it arrives, and each feed is stored (one transaction)
        once it and the feeds that arrived before it are parsed."""
        requests = [self._request(f) for f in feeds]
        for feed, update, new in self._outcomes(self.client.fetch_many(requests), report):
            crashpoint("after_feed_parse")
            added = self.store.record_feed_fetch(feed.id, update, new)
            crashpoint("after_feed_commit")
            report.entries_new += added
            _log_feed(feed, update, added)
        if feeds:
            # One line per poll, however many feeds: an outage of 1,000 feeds
            # must not write 1,000 lines every cycle (per-feed lines are DEBUG).
            logger.info(
                "feeds polled",
                extra={"outcome": "polled", "polled": report.feeds_polled,
                       "ok": report.feeds_ok, "unchanged": report.feeds_unchanged,
                       "failed": report.feeds_failed, "errors": dict(report.errors)},
            )  # fmt: skip

    def _outcomes(
        self, fetched: Iterator[tuple[FetchRequest, FetchResult]], report: CycleReport
    ) -> Iterator[tuple[FeedRow, FeedUpdate, list[NewEntry]]]:
        pending: deque[_Polled] = deque()
        window = PARSE_WINDOW
        for request, result in fetched:
            crashpoint("after_feed_fetch")
            report.feeds_polled += 1
            pending.append(self._start(request.key, result, report))
            while pending and (len(pending) > window or pending[0].ready()):
                yield self._finish(pending.popleft(), report)
        while pending:
            yield self._finish(pending.popleft(), report)

    def _start(self, feed: FeedRow, result: FetchResult, report: CycleReport) -> _Polled:
        """A failed or unchanged feed has its outcome at once; a changed one is parsing."""
        now = self.clock()
        body_hash = hashlib.sha256(result.body or b"").hexdigest()
        if not result.ok or result.not_modified or feed.body_hash == body_hash:
            return _Polled(feed, result, now, done=self.outcome(feed, result, report))
        job = self.parser.submit(result.body or b"", result.headers, result.final_url,
                                 max_items=self._max_items(feed), now=now)  # fmt: skip
        return _Polled(feed, result, now, body_hash=body_hash, job=job)

    def _finish(
        self, polled: _Polled, report: CycleReport
    ) -> tuple[FeedRow, FeedUpdate, list[NewEntry]]:
        if polled.done is not None:
            return polled.feed, *polled.done
        assert polled.job is not None
        update, new = self.parsed(polled.feed, polled.result, polled.body_hash,
                                  polled.job.result(), report, polled.now)  # fmt: skip
        return polled.feed, update, new

    def _request(self, feed: FeedRow) -> FetchRequest:
        spec = self.specs.get(feed.key)
        return FetchRequest(
            url=feed.url,
            kind="feed",
            etag=feed.etag,
            last_modified=feed.last_modified,
            allow_private=feed.allow_private,
            accept=spec.accept if spec else None,
            key=feed,
        )

    def outcome(
        self, feed: FeedRow, result: FetchResult, report: CycleReport
    ) -> tuple[FeedUpdate, list[NewEntry]]:
        """The feed's new state and its entries after one fetch."""
        now = self.clock()
        if not result.ok:
            return self._failed(feed, result.error_code or "protocol", result.error_message,
                                result, report, now), []  # fmt: skip
        body_hash = hashlib.sha256(result.body or b"").hexdigest()
        if result.not_modified or (feed.body_hash is not None and body_hash == feed.body_hash):
            report.feeds_unchanged += 1
            return self._succeeded(feed, result, feed.body_hash or body_hash, now), []
        parsed = self.parser.parse(
            result.body or b"",
            result.headers,
            result.final_url,
            max_items=self._max_items(feed),
            now=now,
        )
        return self.parsed(feed, result, body_hash, parsed, report, now)

    def parsed(
        self,
        feed: FeedRow,
        result: FetchResult,
        body_hash: str,
        parsed: ParsedFeed,
        report: CycleReport,
        now: datetime,
    ) -> tuple[FeedUpdate, list[NewEntry]]:
        """The feed's new state and its entries once its body is parsed."""
        if parsed.error_code:
            return self._failed(
                feed, parsed.error_code, parsed.error_message, result, report, now
            ), []
        new, dupes = entry_keys(parsed.items)
        for skip in (*parsed.skipped, *dupes):
            report.skipped[skip.reason] += 1
        report.feeds_ok += 1
        update = self._succeeded(feed, result, body_hash, now)
        partial = partial_warning(parsed.warnings)
        if partial:  # the well-formed prefix is kept; the operator sees why
            report.skipped["partial"] += 1
            update = replace(update, error=f"partial: {partial}"[: health.MAX_ERROR_CHARS])
        return update, new

    def _failed(
        self,
        feed: FeedRow,
        code: str,
        message: str | None,
        result: FetchResult,
        report: CycleReport,
        now: datetime,
    ) -> FeedUpdate:
        report.feeds_failed += 1
        report.errors[code] += 1
        return health.failed(feed, code, message, result, now, self.rng)

    def _succeeded(
        self, feed: FeedRow, result: FetchResult, body_hash: str, now: datetime
    ) -> FeedUpdate:
        return health.succeeded(feed, result, body_hash, self._interval(feed), now)

    def _max_items(self, feed: FeedRow) -> int:
        spec = self.specs.get(feed.key)
        default = self.config.settings.ingest.max_items_per_feed
        return (spec.max_items if spec else None) or default

    def _interval(self, feed: FeedRow) -> int:
        spec = self.specs.get(feed.key)
        if spec is not None and "interval" in spec.model_fields_set:
            return spec.interval * 60
        times = self.store.entry_times(feed.id)
        return int(health.adaptive_interval(times, default_s=feed.interval_s or 3600))


def _log_feed(feed: FeedRow, update: FeedUpdate, added: int) -> None:
    extra = {"feed_url": feed.url, "outcome": update.state, "reason": update.error_code,
             "new_entries": added}  # fmt: skip
    logger.debug("feed polled", extra=extra)
    if update.state in ("failing", "gone") and feed.state != update.state:
        logger.warning("feed is now %s", update.state, extra=extra)
