"""One ingest cycle: the only place that knows the order of the stages.

A cycle

1. makes the feeds table match feeds.yaml;
2. polls feeds (:mod:`pipeline.ingest.feeds`): fetch → parse → entry identity,
   the entries stored with the feed's validators, one transaction per feed;
3. works the article queue (:mod:`pipeline.ingest.articles`): link entries
   whose article exists, fetch the other pages, extract and assemble them
   (language, outlet, opinion, syndication, tags, dedup keys), deduplicate
   and store them;
4. groups again the stories across outlets of every period that gained a
   relevant article (:mod:`pipeline.article.stories`; ``stories.enabled``).

*What* work a cycle takes is a parameter, its :class:`WorkSource`:
:class:`DueWork` takes every due feed and the queue in one go (``vric run
--once``, the demo); :class:`pipeline.ingest.claimed.ClaimedWork` takes small
leased batches so that several processes can share one database (the daemon
and its workers). The run bookkeeping (the ``runs`` row, its counts and
errors, its status) exists once, in :meth:`Ingestor.run_cycle`.

Failures of single feeds and pages are data: they are stored on the feed or
entry, counted in the cycle report, and never stop the cycle.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Protocol

from pipeline.article.stories import regroup_period
from pipeline.config import Config
from pipeline.errors import StoreError
from pipeline.extract import ExtractorPool
from pipeline.fetch import HttpClient
from pipeline.ingest.articles import ArticleProcessor, KeepCheck
from pipeline.ingest.feeds import FeedPoller, configured_feeds
from pipeline.ingest.ports import IngestStore
from pipeline.ingest.report import CycleReport
from pipeline.parse import ParserPool
from pipeline.types import EntryRow, FeedRow

__all__ = ["CycleReport", "DueWork", "Ingestor", "WorkSource"]

logger = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class WorkSource(Protocol):
    """Which feeds and entries one cycle takes, and what it holds while it works."""

    def sync_feeds(self, ing: Ingestor) -> None:
        """feeds.yaml → feeds table, before any feed is taken."""

    def feed_batches(self, ing: Ingestor) -> Iterator[Sequence[FeedRow]]:
        """Feeds to poll, batch by batch (each batch is polled before the next is asked for)."""

    def entry_batches(self, ing: Ingestor) -> Iterator[Sequence[EntryRow]]:
        """Queued entries to turn into articles, batch by batch."""

    def stopped(self) -> bool:
        """Whether the cycle ended early because a stop was requested."""

    def finish(self, ing: Ingestor) -> None:
        """Give back what the cycle holds (leases); runs even after a failure."""


class DueWork:
    """Every due feed, then the queue up to ``articles_per_cycle``: one process alone."""

    def sync_feeds(self, ing: Ingestor) -> None:
        ing.sync_feeds()

    def feed_batches(self, ing: Ingestor) -> Iterator[Sequence[FeedRow]]:
        due = ing.store.due_feeds(ing.clock())
        if due:
            yield due

    def entry_batches(self, ing: Ingestor) -> Iterator[Sequence[EntryRow]]:
        limit = ing.config.settings.ingest.articles_per_cycle
        queued = ing.store.queued_entries(ing.clock(), limit)
        if queued:
            yield queued

    def stopped(self) -> bool:
        return False

    def finish(self, ing: Ingestor) -> None:
        return None


class Ingestor:
    """The stages wired for one configuration; :meth:`run_cycle` runs them in order.

    ``owner`` names this process in the ``runs`` table and on the leases it
    takes (``host:pid`` in the daemon, ``demo``...). The client and both pools
    are the caller's (see :func:`pipeline.ingest.runtime.ingestor`).
    """

    def __init__(
        self,
        config: Config,
        store: IngestStore,
        client: HttpClient,
        *,
        extractor: ExtractorPool,
        parser: ParserPool,
        clock: Callable[[], datetime] = utcnow,
        owner: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config, self.store, self.client = config, store, client
        self._clock, self.owner = clock, owner
        self.feeds = FeedPoller(config, store, client, parser, clock, rng or random.Random())
        self.articles = ArticleProcessor(config, store, client, extractor, clock)

    @property
    def clock(self) -> Callable[[], datetime]:
        """The cycle's clock, shared with its feed and article stages; given at
        construction only (a later assignment would not reach the stages)."""
        return self._clock

    # ------------------------------------------------------------ the cycle
    def run_once(self) -> CycleReport:
        """One cycle over every due feed and the queue (``vric run --once``)."""
        return self.run_cycle(DueWork())[0]

    def run_cycle(
        self, work: WorkSource, *, on_run: Callable[[int], None] | None = None
    ) -> tuple[CycleReport, str]:
        """One cycle over ``work``; returns the report and the run status.

        The status is ``ok``, ``stopped`` (the work source was asked to stop
        and took no new batch) or ``failed`` (the store failed: the error is
        counted, recorded on the run and raised).
        """
        report = CycleReport()
        run_id = self.store.start_run("cycle", self.owner, self.clock())
        if on_run is not None:
            on_run(run_id)
        status = "failed"
        try:
            work.sync_feeds(self)
            for feeds in work.feed_batches(self):
                self.poll_feeds(report, feeds)
            for entries in work.entry_batches(self):
                self.process_entries(report, entries)
            self.group_stories(report)
            status = "stopped" if work.stopped() else "ok"
        except StoreError as exc:
            report.errors[exc.code] += 1
            logger.error(
                "cycle aborted by the store", extra={"reason": exc.code, "outcome": "failed"}
            )
            raise
        finally:
            work.finish(self)
            self._finish(run_id, status, report)
        return report, status

    def _finish(self, run_id: int, status: str, report: CycleReport) -> None:
        try:
            self.store.finish_run(
                run_id, self.clock(), status, report.as_dict(), dict(report.errors)
            )
        except StoreError:
            logger.exception("could not record the run")

    # ------------------------------------------------------------ the stages
    def sync_feeds(self) -> None:
        """Make the feeds table match feeds.yaml."""
        self.store.sync_feeds(configured_feeds(self.config.feeds.feeds), self.clock())

    def poll_feeds(self, report: CycleReport, feeds: Sequence[FeedRow]) -> None:
        """Fetch and parse ``feeds``; store their new entries."""
        self.feeds.poll(report, feeds)

    def group_stories(self, report: CycleReport) -> None:
        """Regroup the stories of the periods that gained a relevant article.

        One grouping of a period at a time across processes (a Postgres
        advisory lock; SQLite serialises the write itself), so two workers
        never create the same story twice.
        """
        settings = self.config.settings.stories
        if not settings.enabled:
            return
        for period in sorted(report.periods):
            with self.store.advisory_lock(f"stories:{period}", wait=True):
                saved = regroup_period(
                    self.store, period, self.config.entity_matcher, settings, self.clock()
                )
            report.stories_changed += saved.articles_changed
            logger.info(
                "stories grouped",
                extra={"period": period, "outcome": "ok", "stories": saved.stories},
            )

    def process_entries(
        self, report: CycleReport, entries: Sequence[EntryRow], keep: KeepCheck | None = None
    ) -> None:
        """Turn queued entries into stored articles: the article stage's public entry.

        The entries may come from anywhere (the queue, a worker's claimed
        batch, a backfill); entries sharing an article URL are fetched once.
        ``keep`` may refuse an assembled article (its entries are skipped with
        the reason it gives): a backfill keeps only its period.
        """
        self.articles.process(report, entries, keep)
