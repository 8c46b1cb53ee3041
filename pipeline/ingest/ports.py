"""What ingest needs from the store, as a Protocol.

:class:`pipeline.store.Store` satisfies it; ingest is typed against it so that
the ~20 operations a cycle uses are visible in one place and a test can hand
in anything that offers them. Values in and out are frozen dataclasses of
:mod:`pipeline.types` (and the JSON-able run counts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from pipeline.article.stories import StoryPorts
from pipeline.types import (
    ArticleRecord,
    ClusterSignature,
    ConfiguredFeed,
    DuplicateProbe,
    EntryRow,
    EntrySpan,
    FeedRow,
    FeedUpdate,
    NewEntry,
)


class ArticleWrites(Protocol):
    """One batch of article lookups and writes, one transaction
    (:meth:`IngestStore.article_batch`); lookups see the batch's own saves."""

    now: datetime  # the time the batch writes on its entries

    def find_duplicate(self, probes: Sequence[DuplicateProbe]) -> int | None: ...

    def save(self, rec: ArticleRecord, entry_ids: Sequence[int]) -> int: ...

    def link(self, entry_ids: Sequence[int], article_id: int) -> None: ...

    def skip(self, entry_ids: Sequence[int], reason: str) -> None: ...


class IngestStore(StoryPorts, Protocol):
    """The cycle's store operations (story grouping's come from :class:`StoryPorts`)."""

    # ------------------------------------------------------------ runs
    def start_run(self, kind: str, worker: str | None, now: datetime) -> int: ...

    def finish_run(
        self,
        run_id: int,
        now: datetime,
        status: str,
        counts: dict[str, Any],
        errors: dict[str, int],
    ) -> None: ...

    # ------------------------------------------------------------ feeds
    def sync_feeds(self, configured: Sequence[ConfiguredFeed], now: datetime) -> None: ...

    def due_feeds(self, now: datetime, limit: int | None = None) -> list[FeedRow]: ...

    def entry_spans_of(self, feed_ids: Sequence[int], limit: int = 50) -> dict[int, EntrySpan]: ...

    def record_feed_fetches(
        self, outcomes: Sequence[tuple[int, FeedUpdate, Sequence[NewEntry]]]
    ) -> list[int]: ...

    # ------------------------------------------------------------ the article queue
    def queued_entries(self, now: datetime, limit: int) -> list[EntryRow]: ...

    def link_entries(self, links: Sequence[tuple[int, int]], now: datetime) -> None: ...

    def skip_entries(self, entry_ids: Sequence[int], reason: str, now: datetime) -> None: ...

    def fail_entries(
        self,
        entry_ids: Sequence[int],
        code: str,
        message: str,
        now: datetime,
        retry_at: datetime | None,
    ) -> None: ...

    # ------------------------------------------------------------ articles
    def article_ids_by_url_key(self, keys: Sequence[str]) -> dict[str, int]: ...

    def recent_signatures(self, since: datetime) -> Iterable[ClusterSignature]: ...

    def article_batch(self, now: datetime) -> AbstractContextManager[ArticleWrites]: ...

    # ------------------------------------------------------------ leases (several workers)
    def claim_feeds(
        self, owner: str, now: datetime, lease_s: float, limit: int
    ) -> list[FeedRow]: ...

    def claim_entries(
        self, owner: str, now: datetime, lease_s: float, limit: int
    ) -> list[EntryRow]: ...

    def release_leases(self, owner: str | None) -> int: ...

    def advisory_lock(self, name: str, *, wait: bool = False) -> AbstractContextManager[bool]: ...
