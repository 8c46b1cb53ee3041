"""One cycle over claimed work: the loop that the daemon and every worker run.

The orchestrator (:mod:`pipeline.ingest.cycle`) still decides what happens to a
feed or a page; this module only decides *which* feeds and entries this
process takes, in small leased batches, so that several processes can share
one database:

1. make the feeds table match feeds.yaml (serialised between workers);
2. claim a batch of due feeds, poll them, release the leases; repeat until no
   feed is due or a stop was requested;
3. claim a batch of queued entries (with their same-URL siblings), fetch and
   store their articles, release; repeat up to ``articles_per_cycle``.

Between batches the cycle checks ``should_stop``: a SIGTERM lets the batch in
flight finish and takes no new work. Every feed and article is committed on
its own, so a kill at any point loses nothing committed; leases of a killed
process expire (or are released by its supervisor) and the work is redone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.crashpoints import crashpoint
from pipeline.errors import StoreError
from pipeline.types import EntryRow

if TYPE_CHECKING:  # the orchestrator is heavy; the supervisor only needs ClaimOptions
    from pipeline.ingest.cycle import CycleReport, Ingestor
    from pipeline.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClaimOptions:
    """How a process takes work: its lease owner name, lease length, batch sizes."""

    owner: str
    lease_s: float = 900.0
    feed_batch: int = 10
    entry_batch: int = 50


StopCheck = Callable[[], bool]


def run_claimed_cycle(
    ing: Ingestor,
    opts: ClaimOptions,
    *,
    should_stop: StopCheck = lambda: False,
    on_run: Callable[[int], None] | None = None,
) -> tuple[CycleReport, str]:
    """One cycle; returns the report and the run status (ok | stopped | failed)."""
    from pipeline.ingest.cycle import CycleReport

    store, report = ing.store, CycleReport()
    run_id = store.start_run("cycle", opts.owner, ing.clock())
    if on_run is not None:
        on_run(run_id)
    status = "failed"
    try:
        sync_feeds(ing)
        poll_claimed_feeds(ing, opts, report, should_stop)
        process_claimed_entries(ing, opts, report, should_stop)
        status = "stopped" if should_stop() else "ok"
    except StoreError as exc:
        report.errors[exc.code] += 1
        logger.error("cycle aborted by the store", extra={"reason": exc.code, "outcome": "failed"})
        raise
    finally:
        _release(store, opts.owner)
        _finish(store, run_id, ing, status, report)
    return report, status


def sync_feeds(ing: Ingestor) -> None:
    """feeds.yaml → feeds table; one worker at a time (two inserts of a new feed
    would collide on its key)."""
    with ing.store.advisory_lock("sync_feeds", wait=True):
        ing.sync_feeds()


def poll_claimed_feeds(
    ing: Ingestor, opts: ClaimOptions, report: CycleReport, should_stop: StopCheck
) -> None:
    seen: set[int] = set()
    while not should_stop():
        batch = ing.store.claim_feeds(opts.owner, ing.clock(), opts.lease_s, opts.feed_batch)
        fresh = [f for f in batch if f.id not in seen]
        if not fresh:
            break  # nothing due, or only feeds this cycle already polled
        seen.update(f.id for f in fresh)
        crashpoint("after_claim")
        ing.poll_feeds(report, feeds=fresh)
        crashpoint("after_feed_batch")
        ing.store.release_leases(opts.owner)


def process_claimed_entries(
    ing: Ingestor, opts: ClaimOptions, report: CycleReport, should_stop: StopCheck
) -> None:
    budget = ing.config.settings.ingest.articles_per_cycle
    seen: set[int] = set()
    while budget > 0 and not should_stop():
        limit = min(opts.entry_batch, budget)
        batch = ing.store.claim_entries(opts.owner, ing.clock(), opts.lease_s, limit)
        fresh = [e for e in batch if e.id not in seen]
        if not fresh:
            break
        seen.update(e.id for e in fresh)
        process_entries(ing, report, fresh)
        crashpoint("after_entry_batch")
        ing.store.release_leases(opts.owner)
        budget -= len(fresh)


def process_entries(ing: Ingestor, report: CycleReport, batch: Sequence[EntryRow]) -> None:
    """Hand claimed entries to the orchestrator's article stage."""
    ing.process_queue(report, entries=batch)


def _release(store: Store, owner: str) -> None:
    try:
        store.release_leases(owner)
    except StoreError as exc:
        logger.warning("leases not released; they expire", extra={"reason": exc.code})


def _finish(store: Store, run_id: int, ing: Ingestor, status: str, report: CycleReport) -> None:
    try:
        store.finish_run(run_id, ing.clock(), status, report.as_dict(), dict(report.errors))
    except StoreError:
        logger.exception("could not record the run")
