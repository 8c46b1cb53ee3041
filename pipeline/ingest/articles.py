"""The article stage of a cycle: queued entries → fetched, extracted,
assembled, deduplicated and stored articles.

Pages stream: each page goes to the extractor pool as soon as its fetch
completes; the pool process extracts it *and assembles its article*
(:mod:`pipeline.ingest.pages`: language, opinion, tags, MinHash), and the
articles that are ready are deduplicated and stored while later pages are
still being fetched and extracted, so the pool processes never wait for the
whole batch and the main process never waits for the whole batch's
extraction. The main process keeps what needs shared state: the duplicate
lookup (the store), cluster placement (:class:`ClusterState`), the keep
check and storing; it assembles only the articles of pages that have no
extraction (fetch failed, pool process timed out or died), from the entry.

Ready articles are stored in batches, one transaction each: up to
:data:`BATCH_ARTICLES`, or whatever is ready when the next page's article is
not. A kill at any point loses at most the uncommitted batch, whose entries
are still queued (or leased) and are worked again; nothing is stored twice.

Entries that share an article URL are one page: fetched once, one article,
every entry linked to it. What counts as a duplicate is
:func:`pipeline.article.duplicates.duplicate_probes`; which failures are
retried and when is :func:`pipeline.sources.health.page_retry_at`; the
near-duplicate syndication rule is
:func:`pipeline.article.syndication.near_duplicate_credit`.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from pipeline.article import duplicates, syndication
from pipeline.article.assemble import AssembleContext, PageOutcome, assemble
from pipeline.article.duplicates import ClusterIndex
from pipeline.article.urls import is_fetchable_scheme
from pipeline.config import Config
from pipeline.crashpoints import crashpoint
from pipeline.extract import ExtractorPool, PendingTask
from pipeline.fetch import FetchRequest, HttpClient
from pipeline.ingest import pages
from pipeline.ingest.ports import ArticleWrites, IngestStore
from pipeline.ingest.report import CycleReport
from pipeline.sources import health
from pipeline.types import ArticleRecord, EntryRow, FetchResult

logger = logging.getLogger(__name__)

# An optional last check before an assembled article is stored: None keeps it,
# a reason skips its entries with that reason (backfill: out_of_period).
KeepCheck = Callable[[ArticleRecord], str | None]

# Articles per store transaction at most; fewer when fewer are ready.
BATCH_ARTICLES: Final = 20


def assemble_context(config: Config) -> AssembleContext:
    """What the pure article stages need from the configuration."""
    s = config.settings
    return AssembleContext(
        registry=config.registry,
        rules=config.compiled_rules,
        period_start=s.policy.period_start_month,
        timezone=s.policy.timezone,
        min_text_chars=s.ingest.min_text_chars,
        accepted_languages=s.ingest.accepted_languages,
        keep_raw_days=s.ingest.keep_raw_html_days,
    )


def group_by_url(entries: Sequence[EntryRow]) -> dict[str, list[EntryRow]]:
    """Entries by article URL key: one page, one article, every entry linked to it."""
    groups: dict[str, list[EntryRow]] = defaultdict(list)
    for entry in entries:
        groups[entry.url_key].append(entry)
    return dict(groups)


class ClusterState:
    """The near-duplicate index of recent articles and the outlets of its members."""

    def __init__(self, members: Sequence[tuple[int, bytes, int, str | None, bool]]) -> None:
        self.index = ClusterIndex.rebuild((aid, sig, cid) for aid, sig, cid, _, _ in members)
        self.outlets: dict[object, tuple[str | None, bool]] = {
            aid: (outlet, state) for aid, _, _, outlet, state in members
        }

    def place(self, record: ArticleRecord) -> ArticleRecord:
        """``record`` with its cluster and, for uncredited state-wire copy, its credit."""
        match = self.index.best_match(record.minhash) if record.minhash else None
        if match is None:
            return record
        cluster_id = self.index.cluster_of(match[0])
        members = self.index.members(cluster_id)
        credit = syndication.near_duplicate_credit(
            state_media=record.state_media,
            credited=record.syndicated_from,
            similarity=match[1],
            cluster_outlets=[self.outlets[m] for m in members if m in self.outlets],
        )
        if credit is not None:
            record = replace(record, syndicated_from=credit[0], syndication_evidence=credit[1])
        return replace(record, cluster_id=int(cluster_id))  # type: ignore[call-overload]

    def add(self, article_id: int, record: ArticleRecord) -> None:
        self.outlets[article_id] = (record.outlet, record.state_media)
        if record.minhash is not None:
            self.index.add(article_id, record.minhash, record.cluster_id or article_id)


@dataclass(frozen=True)
class _Page:
    """One page on its way to an article: its entries, its fetch, the pool's task."""

    group: list[EntryRow]
    result: FetchResult
    job: PendingTask[ArticleRecord] | None  # None: nothing to extract
    at: datetime  # when it was fetched: the article's fetched_at and "now"

    def is_ready(self) -> bool:
        return self.job is None or self.job.done()

    def wait(self) -> None:
        if self.job is not None:
            self.job.wait()


def _ready_batches(pending: deque[_Page]) -> Iterator[list[_Page]]:
    """Take the ready pages at the head of the line, in batches of at most
    :data:`BATCH_ARTICLES`; the rest wait for their article."""
    ready: list[_Page] = []
    while pending and pending[0].is_ready():
        ready.append(pending.popleft())
        if len(ready) == BATCH_ARTICLES:
            yield ready
            ready = []
    if ready:
        yield ready


class ArticleProcessor:
    def __init__(
        self,
        config: Config,
        store: IngestStore,
        client: HttpClient,
        extractor: ExtractorPool,
        clock: Callable[[], datetime],
    ) -> None:
        self.config, self.store, self.client, self.extractor = config, store, client, extractor
        self.clock = clock
        self.ctx = assemble_context(config)
        extractor.use_context(self.ctx)  # sent to each pool process once, as it starts

    def process(
        self, report: CycleReport, entries: Sequence[EntryRow], keep: KeepCheck | None = None
    ) -> None:
        now = self.clock()
        groups = group_by_url(entries)
        existing = self.store.article_ids_by_url_key(list(groups))
        self.store.link_entries([(e.id, existing[k]) for k in existing for e in groups.pop(k)], now)
        report.articles_linked += len(existing)
        fetchable = self._drop_unfetchable(groups, report, now)
        if fetchable:
            self._build(fetchable, report, keep)

    def _drop_unfetchable(
        self, groups: dict[str, list[EntryRow]], report: CycleReport, now: datetime
    ) -> list[list[EntryRow]]:
        keep = []
        for group in groups.values():
            if is_fetchable_scheme(group[0].url):
                keep.append(group)
            else:
                report.skipped["bad_scheme"] += len(group)
                self.store.skip_entries([e.id for e in group], "bad_scheme", now)
        return keep

    def _clusters(self) -> ClusterState:
        since = self.clock() - duplicates.CLUSTER_WINDOW
        # A stored NULL cluster means "its own cluster": keep it, never re-cluster.
        return ClusterState(
            [
                (m.article_id, m.minhash, m.cluster_id or m.article_id, m.outlet, m.state_media)
                for m in self.store.recent_signatures(since)
            ]
        )

    def _build(
        self, groups: list[list[EntryRow]], report: CycleReport, keep: KeepCheck | None = None
    ) -> None:
        clusters = self._clusters()
        requests = [FetchRequest(url=g[0].url, kind="page", key=g) for g in groups]
        for batch in self._batches(self.client.fetch_many(requests), report):
            self._store(batch, clusters, report, keep)

    def _batches(
        self, fetched: Iterator[tuple[FetchRequest, FetchResult]], report: CycleReport
    ) -> Iterator[list[_Page]]:
        """Pages whose articles are ready, in the order the fetches completed.

        A page is handed to the pool the moment it arrives. After each
        arrival the pages ready at the head of the line go to the store in one
        batch (at most :data:`BATCH_ARTICLES`), so that the main process writes
        while the pool works on the next pages; it waits for the head only when
        the pool has a full window in flight, or when every page has arrived.
        """
        pending: deque[_Page] = deque()
        for request, result in fetched:
            crashpoint("after_page_fetch")
            if self._retry_later(request.key, result, report):
                continue
            pending.append(self._submit(request.key, result))
            if len(pending) > self.extractor.window:
                pending[0].wait()
            yield from _ready_batches(pending)
        while pending:
            pending[0].wait()
            yield from _ready_batches(pending)

    def _submit(self, group: list[EntryRow], result: FetchResult) -> _Page:
        """Hand a fetched page to the pool to extract and assemble (if it has a body)."""
        at = self.clock()
        if not (result.ok and result.body):
            return _Page(group, result, None, at)
        ctype = result.headers.get("content-type")
        job = self.extractor.submit_task(
            result.final_url,
            pages.extract_and_assemble,
            self.extractor.task,
            result.body,
            result.final_url,
            ctype,
            group[0],
            at,
            at,
        )
        return _Page(group, result, job, at)

    def _article(self, page: _Page) -> ArticleRecord:
        """The page's article: assembled by the pool, or here when it has no extraction."""
        result, entry = page.result, page.group[0]
        if page.job is None:  # fetch failed for good: the article keeps the feed summary
            code = result.error_code or "empty_body"
            outcome = PageOutcome(result.final_url or result.url, None, code, None, page.at)
            return assemble(entry, outcome, self.ctx, page.at)
        done = page.job.result()
        if isinstance(done, ArticleRecord):
            return done
        # The pool process timed out or died: no page text, the entry's summary.
        outcome = pages.page_outcome(result.final_url, done, result.body, page.at)
        return assemble(entry, outcome, self.ctx, page.at)

    def _retry_later(self, group: list[EntryRow], result: FetchResult, report: CycleReport) -> bool:
        """Whether the page failed in a way worth another try (then it is rescheduled)."""
        if result.ok:
            return False
        code = result.error_code or "unknown"
        now = self.clock()
        attempts = max(e.attempts for e in group) + 1
        limit = self.config.settings.ingest.max_entry_attempts
        retry_at = health.page_retry_at(result.error_code, attempts, limit, now)
        if retry_at is None:  # give up on the page; the article keeps the feed summary
            report.errors[code] += 1
            return False
        self.store.fail_entries(
            [e.id for e in group], code, result.error_message or "", now, retry_at
        )
        report.pages_retry += 1
        return True

    def _store(
        self,
        batch: list[_Page],
        clusters: ClusterState,
        report: CycleReport,
        keep: KeepCheck | None = None,
    ) -> None:
        """Deduplicate, place and store a batch of articles in one transaction.

        A failed transaction raises (StoreError) and ends the article stage, so
        ``clusters``, which learnt the batch's articles, is not used again.
        """
        records = [(page.group, self._article(page)) for page in batch]
        with self.store.article_batch(self.clock()) as writes:
            for group, record in records:
                self._store_one(writes, group, record, clusters, report, keep)
                crashpoint("inside_article_batch")  # written, not committed
        crashpoint("after_article_commit")

    def _store_one(
        self,
        writes: ArticleWrites,
        group: list[EntryRow],
        record: ArticleRecord,
        clusters: ClusterState,
        report: CycleReport,
        keep: KeepCheck | None,
    ) -> None:
        ids = [e.id for e in group]
        reason = keep(record) if keep is not None else None
        if reason is not None:
            writes.skip(ids, reason)
            report.skipped[reason] += len(ids)
            return
        report.extraction[record.extraction_status] += 1
        duplicate_of = writes.find_duplicate(duplicates.duplicate_probes(record, writes.now))
        if duplicate_of is not None:
            writes.link(ids, duplicate_of)
            report.articles_linked += 1
            return
        record = clusters.place(record)
        article_id = writes.save(record, ids)
        clusters.add(article_id, record)
        report.articles_new += 1
        if record.relevant:
            report.periods.add(record.period)
