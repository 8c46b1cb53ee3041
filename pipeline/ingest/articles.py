"""The article stage of a cycle: queued entries → fetched, extracted,
assembled, deduplicated and stored articles.

Pages stream: each page goes to the extractor pool as soon as its fetch
completes, and each extracted page is assembled and stored (one transaction
per article) while later pages are still being fetched and extracted, so the
pool processes never wait for the whole batch and the main process never
waits for the whole batch's extraction.

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
from dataclasses import replace
from datetime import datetime

from pipeline.article import duplicates, syndication
from pipeline.article.assemble import AssembleContext, PageOutcome, assemble
from pipeline.article.duplicates import ClusterIndex
from pipeline.article.urls import is_fetchable_scheme
from pipeline.config import Config
from pipeline.crashpoints import crashpoint
from pipeline.extract import ExtractorPool, PendingPage
from pipeline.fetch import FetchRequest, HttpClient
from pipeline.ingest.ports import IngestStore
from pipeline.ingest.report import CycleReport
from pipeline.sources import health
from pipeline.types import ArticleRecord, EntryRow, FetchResult

logger = logging.getLogger(__name__)

# An optional last check before an assembled article is stored: None keeps it,
# a reason skips its entries with that reason (backfill: out_of_period).
KeepCheck = Callable[[ArticleRecord], str | None]


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


def _outcome(
    request: FetchRequest, result: FetchResult, job: PendingPage | None, at: datetime
) -> tuple[FetchRequest, FetchResult, PageOutcome]:
    if job is None:
        code = result.error_code or "empty_body"
        return request, result, PageOutcome(result.final_url or result.url, None, code, None, at)
    page = job.page()
    failure = None if page.status == "ok" else page.status
    return request, result, PageOutcome(result.final_url, page, failure, result.body, at)


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
        for request, result, outcome in self._pages(self.client.fetch_many(requests)):
            group: list[EntryRow] = request.key
            if self._retry_later(group, result, report):
                continue
            self._store(group, outcome, clusters, report, keep)

    def _pages(
        self, fetched: Iterator[tuple[FetchRequest, FetchResult]]
    ) -> Iterator[tuple[FetchRequest, FetchResult, PageOutcome]]:
        """Each fetched page with its extraction, in the order the fetches completed.

        A page is handed to the pool the moment it arrives; one comes back as
        soon as it and every page before it are done, or when the pool has a
        full window in flight.
        """
        Waiting = tuple[FetchRequest, FetchResult, PendingPage | None, datetime]
        pending: deque[Waiting] = deque()
        for request, result in fetched:
            crashpoint("after_page_fetch")
            job = None
            if result.ok and result.body:
                ctype = result.headers.get("content-type")
                job = self.extractor.submit(result.body, result.final_url, ctype)
            pending.append((request, result, job, self.clock()))
            while pending and (
                len(pending) > self.extractor.window
                or pending[0][2] is None
                or pending[0][2].done()
            ):
                yield _outcome(*pending.popleft())
        while pending:
            yield _outcome(*pending.popleft())

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
        group: list[EntryRow],
        outcome: PageOutcome,
        clusters: ClusterState,
        report: CycleReport,
        keep: KeepCheck | None = None,
    ) -> None:
        now = self.clock()
        record = assemble(group[0], outcome, self.ctx, now)
        ids = [e.id for e in group]
        reason = keep(record) if keep is not None else None
        if reason is not None:
            self.store.skip_entries(ids, reason, now)
            report.skipped[reason] += len(ids)
            return
        report.extraction[record.extraction_status] += 1
        duplicate_of = self.store.find_duplicate(duplicates.duplicate_probes(record, now))
        if duplicate_of is not None:
            self.store.link_entries([(i, duplicate_of) for i in ids], now)
            report.articles_linked += 1
            return
        record = clusters.place(record)
        article_id = self.store.save_article(record, ids, now)
        crashpoint("after_article_commit")
        clusters.add(article_id, record)
        report.articles_new += 1
        if record.relevant:
            report.periods.add(record.period)
