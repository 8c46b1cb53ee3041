"""Claimed work: the cycle's work source when several processes share one database.

The cycle itself (:meth:`pipeline.ingest.cycle.Ingestor.run_cycle`) decides
what happens to a feed or a page; :class:`ClaimedWork` only decides *which*
feeds and entries this process takes, in small leased batches:

1. make the feeds table match feeds.yaml (serialised between workers);
2. claim a batch of due feeds, poll them, release the leases; repeat until no
   feed is due or a stop was requested;
3. claim a batch of queued entries (with their same-URL siblings), fetch and
   store their articles, release; repeat up to ``articles_per_cycle``.

Between batches the cycle checks ``should_stop``: a SIGTERM lets the batch in
flight finish and takes no new work. Every feed and article batch is
committed on its own, so a kill at any point loses nothing committed; leases
of a killed process expire (or are released by its supervisor) and the work
is redone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.crashpoints import crashpoint
from pipeline.errors import StoreError
from pipeline.types import EntryRow, FeedRow

if TYPE_CHECKING:  # the cycle is heavy; the supervisor only needs ClaimOptions
    from pipeline.ingest.cycle import Ingestor
    from pipeline.ingest.report import CycleReport

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClaimOptions:
    """How a process takes work: its lease owner name, lease length, batch sizes."""

    owner: str
    lease_s: float = 900.0
    feed_batch: int = 10
    entry_batch: int = 50


StopCheck = Callable[[], bool]


class ClaimedWork:
    """Leased batches of due feeds and queued entries (see module doc)."""

    def __init__(self, opts: ClaimOptions, should_stop: StopCheck = lambda: False) -> None:
        self.opts = opts
        self.should_stop = should_stop

    def sync_feeds(self, ing: Ingestor) -> None:
        """One worker at a time: two inserts of a new feed would collide on its key."""
        with ing.store.advisory_lock("sync_feeds", wait=True):
            ing.sync_feeds()

    def feed_batches(self, ing: Ingestor) -> Iterator[Sequence[FeedRow]]:
        opts = self.opts
        seen: set[int] = set()
        while not self.should_stop():
            batch = ing.store.claim_feeds(opts.owner, ing.clock(), opts.lease_s, opts.feed_batch)
            fresh = [f for f in batch if f.id not in seen]
            if not fresh:
                break  # nothing due, or only feeds this cycle already polled
            seen.update(f.id for f in fresh)
            crashpoint("after_claim")
            yield fresh
            crashpoint("after_feed_batch")
            ing.store.release_leases(opts.owner)

    def entry_batches(self, ing: Ingestor) -> Iterator[Sequence[EntryRow]]:
        opts = self.opts
        seen: set[int] = set()
        budget = ing.config.settings.ingest.articles_per_cycle
        while budget > 0 and not self.should_stop():
            limit = min(opts.entry_batch, budget)
            batch = ing.store.claim_entries(opts.owner, ing.clock(), opts.lease_s, limit)
            fresh = [e for e in batch if e.id not in seen]
            if not fresh:
                break
            seen.update(e.id for e in fresh)
            yield fresh
            crashpoint("after_entry_batch")
            ing.store.release_leases(opts.owner)
            budget -= len(fresh)

    def stopped(self) -> bool:
        return self.should_stop()

    def finish(self, ing: Ingestor) -> None:
        try:
            ing.store.release_leases(self.opts.owner)
        except StoreError as exc:
            logger.warning("leases not released; they expire", extra={"reason": exc.code})


def run_claimed_cycle(
    ing: Ingestor,
    opts: ClaimOptions,
    *,
    should_stop: StopCheck = lambda: False,
    on_run: Callable[[int], None] | None = None,
) -> tuple[CycleReport, str]:
    """One cycle over claimed work; returns the report and the run status
    (ok | stopped | failed)."""
    return ing.run_cycle(ClaimedWork(opts, should_stop), on_run=on_run)
