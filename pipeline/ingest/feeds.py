"""The feed stage of a cycle: fetch → parse → entry identity → store.

Feeds stream: a body is handed to the parser pool as soon as its fetch
completes, and the feeds are stored in arrival order as their parses finish,
a batch of feeds per transaction. Each feed's outcome (its new fetch state,
and its new entries) is committed in the same transaction, so a crash between
the two can never make the next 304 hide entries. What a failure does to a feed's schedule is
:mod:`pipeline.sources.health`'s business; this module only applies it.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from pipeline.config import Config
from pipeline.config.feeds_schema import FeedSpec
from pipeline.crashpoints import crashpoint
from pipeline.fetch import FetchRequest, HttpClient
from pipeline.ingest.ports import IngestStore
from pipeline.ingest.report import CycleReport
from pipeline.parse import KeyedFeed, ParserPool, PendingParse
from pipeline.sources import health
from pipeline.types import ConfiguredFeed, EntrySpan, FeedRow, FeedUpdate, FetchResult, NewEntry

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
# Feeds stored per transaction: one commit (an fsync on SQLite) and one
# entry-span query for up to this many feeds. A kill loses at most a batch
# of outcomes, whole (those feeds are polled again), never half a feed.
FEED_BATCH = 32
# A batch is stored once its oldest feed has waited this long (checked as
# each fetch completes), so that a slow poll still commits as it goes.
FEED_BATCH_WAIT_S = 1.0


@dataclass
class _Polled:
    """A fetched feed on its way to the store: its parse job if it changed."""

    feed: FeedRow
    result: FetchResult
    now: datetime
    arrived: float  # time.monotonic() when its fetch completed
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
        pool as soon as it arrives, and the feeds are stored in arrival order,
        a batch per transaction, once they and the feeds before them are parsed."""
        requests = [self._request(f) for f in feeds]
        for batch in self._batches(self.client.fetch_many(requests), report):
            self._store(batch, report)
        if feeds:
            # One line per poll, however many feeds: an outage of 1,000 feeds
            # must not write 1,000 lines every cycle (per-feed lines are DEBUG).
            logger.info(
                "feeds polled",
                extra={"outcome": "polled", "polled": report.feeds_polled,
                       "ok": report.feeds_ok, "unchanged": report.feeds_unchanged,
                       "failed": report.feeds_failed, "errors": dict(report.errors)},
            )  # fmt: skip

    def _batches(
        self, fetched: Iterator[tuple[FetchRequest, FetchResult]], report: CycleReport
    ) -> Iterator[list[_Polled]]:
        """Fetched feeds in arrival order, in batches of up to :data:`FEED_BATCH`."""
        pending: deque[_Polled] = deque()
        batch: list[_Polled] = []
        for request, result in fetched:
            crashpoint("after_feed_fetch")
            report.feeds_polled += 1
            pending.append(self._start(request.key, result))
            while pending and (len(pending) > PARSE_WINDOW or pending[0].ready()):
                batch.append(pending.popleft())
            if batch and (len(batch) >= FEED_BATCH or _waited(batch[0])):
                yield batch
                batch = []
        batch.extend(pending)
        for start in range(0, len(batch), FEED_BATCH):
            yield batch[start : start + FEED_BATCH]

    def _start(self, feed: FeedRow, result: FetchResult) -> _Polled:
        """A changed feed's body goes to the parser pool at once."""
        now, arrived = self.clock(), time.monotonic()
        if not result.ok:
            return _Polled(feed, result, now, arrived)
        body_hash = hashlib.sha256(result.body or b"").hexdigest()
        if result.not_modified or feed.body_hash == body_hash:
            return _Polled(feed, result, now, arrived, body_hash)
        job = self.parser.submit(result.body or b"", result.headers, result.final_url,
                                 max_items=self._max_items(feed), now=now, keyed=True)  # fmt: skip
        return _Polled(feed, result, now, arrived, body_hash, job)

    def _store(self, batch: Sequence[_Polled], report: CycleReport) -> None:
        """Each feed's new state with its entries; the batch in one transaction."""
        spans = self.store.entry_spans_of([p.feed.id for p in batch if self._adaptive(p.feed)])
        outcomes = []
        for polled in batch:
            update, new = self._outcome(polled, report, spans)
            crashpoint("after_feed_parse")
            outcomes.append((polled.feed, update, new))
        added = self.store.record_feed_fetches([(f.id, u, new) for f, u, new in outcomes])
        for (feed, update, _), count in zip(outcomes, added, strict=True):
            crashpoint("after_feed_commit")
            report.entries_new += count
            _log_feed(feed, update, count)

    def _outcome(
        self, polled: _Polled, report: CycleReport, spans: Mapping[int, EntrySpan]
    ) -> tuple[FeedUpdate, list[NewEntry]]:
        """The feed's new state and its entries after one fetch."""
        feed, result, now = polled.feed, polled.result, polled.now
        if not result.ok:
            return self._failed(feed, result.error_code or "protocol", result.error_message,
                                result, report, now), []  # fmt: skip
        if polled.job is None:  # 304, or the body it had
            report.feeds_unchanged += 1
            body_hash = feed.body_hash or polled.body_hash
            return self._succeeded(feed, result, body_hash, now, spans), []
        keyed = polled.job.keyed()
        return self.parsed(feed, result, polled.body_hash, keyed, report, now, spans)

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

    def parsed(
        self,
        feed: FeedRow,
        result: FetchResult,
        body_hash: str,
        keyed: KeyedFeed,
        report: CycleReport,
        now: datetime,
        spans: Mapping[int, EntrySpan],
    ) -> tuple[FeedUpdate, list[NewEntry]]:
        """The feed's new state and its entries once its body is parsed."""
        parsed = keyed.parsed
        if parsed.error_code:
            return self._failed(
                feed, parsed.error_code, parsed.error_message, result, report, now
            ), []
        for skip in (*parsed.skipped, *keyed.duplicates):
            report.skipped[skip.reason] += 1
        report.feeds_ok += 1
        update = self._succeeded(feed, result, body_hash, now, spans)
        partial = partial_warning(parsed.warnings)
        if partial:  # the well-formed prefix is kept; the operator sees why
            report.skipped["partial"] += 1
            update = replace(update, error=f"partial: {partial}"[: health.MAX_ERROR_CHARS])
        return update, list(keyed.new)

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
        self,
        feed: FeedRow,
        result: FetchResult,
        body_hash: str,
        now: datetime,
        spans: Mapping[int, EntrySpan],
    ) -> FeedUpdate:
        return health.succeeded(feed, result, body_hash, self._interval(feed, spans), now)

    def _max_items(self, feed: FeedRow) -> int:
        spec = self.specs.get(feed.key)
        default = self.config.settings.ingest.max_items_per_feed
        return (spec.max_items if spec else None) or default

    def _adaptive(self, feed: FeedRow) -> bool:
        """Whether the feed's interval follows its entries (feeds.yaml sets none)."""
        spec = self.specs.get(feed.key)
        return spec is None or "interval" not in spec.model_fields_set

    def _interval(self, feed: FeedRow, spans: Mapping[int, EntrySpan]) -> int:
        """``spans``: the entry-date spans of the batch's adaptive feeds, before this poll."""
        if not self._adaptive(feed):
            return self.specs[feed.key].interval * 60
        span = spans.get(feed.id)
        return int(health.adaptive_interval(span, default_s=feed.interval_s or 3600))


def _waited(polled: _Polled) -> bool:
    return time.monotonic() - polled.arrived >= FEED_BATCH_WAIT_S


def _log_feed(feed: FeedRow, update: FeedUpdate, added: int) -> None:
    extra = {"feed_url": feed.url, "outcome": update.state, "reason": update.error_code,
             "new_entries": added}  # fmt: skip
    logger.debug("feed polled", extra=extra)
    if update.state in ("failing", "gone") and feed.state != update.state:
        logger.warning("feed is now %s", update.state, extra=extra)
