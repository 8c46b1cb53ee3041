"""The orchestrator: the only module that knows the order of the stages.

One cycle (``run_once``):

1. poll due feeds (fetch → parse → entry identity) and store the entries
   together with the feed's validators, in one transaction per feed;
2. work the article queue: group entries by URL, link those whose article
   exists, fetch the rest, extract in the worker pool, assemble (language,
   outlet, opinion, syndication, tags, dedup keys) and store.

Failures of single feeds and pages are data: they are stored on the feed or
entry, counted in the cycle report, and never stop the cycle.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline import parse
from pipeline.article.assemble import AssembleContext, PageOutcome, assemble
from pipeline.article.duplicates import ClusterIndex
from pipeline.article.identity import entry_keys
from pipeline.article.urls import is_fetchable_scheme
from pipeline.config import Config
from pipeline.config.feeds_schema import FeedSpec
from pipeline.crashpoints import crashpoint
from pipeline.errors import StoreError
from pipeline.extract import ExtractorPool
from pipeline.fetch import FetchRequest, HttpClient
from pipeline.sources import health
from pipeline.store import Store
from pipeline.types import ArticleRecord, EntryRow, FeedRow, FeedUpdate, FetchResult, NewEntry

logger = logging.getLogger(__name__)

# Page failures worth another try later; anything else falls back to the summary at once.
TRANSIENT_CODES = frozenset(
    {"timeout", "dns", "connect", "reset", "protocol", "http_5xx", "rate_limited", "tls"}
)
TITLE_DEDUP_WINDOW = timedelta(days=7)
CLUSTER_WINDOW = timedelta(days=30)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class CycleReport:
    feeds_polled: int = 0
    feeds_ok: int = 0
    feeds_unchanged: int = 0
    feeds_failed: int = 0
    entries_new: int = 0
    articles_new: int = 0
    articles_linked: int = 0
    pages_retry: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    extraction: Counter[str] = field(default_factory=Counter)  # page outcome by status

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in self.__dict__.items() if isinstance(v, int)}
        out["skipped"] = dict(self.skipped)
        out["errors"] = dict(self.errors)
        out["extraction"] = dict(self.extraction)
        return out


class Ingestor:
    def __init__(
        self,
        config: Config,
        store: Store,
        client: HttpClient,
        *,
        extractor: ExtractorPool,
        clock: Callable[[], datetime] = utcnow,
        worker: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config, self.store, self.client = config, store, client
        self.extractor, self.clock, self.worker = extractor, clock, worker
        self.rng = rng or random.Random()
        s = config.settings
        self.ctx = AssembleContext(
            registry=config.registry,
            rules=config.compiled_rules,
            period_start=s.policy.period_start_month,
            timezone=s.policy.timezone,
            min_text_chars=s.ingest.min_text_chars,
            accepted_languages=s.ingest.accepted_languages,
            keep_raw_days=s.ingest.keep_raw_html_days,
        )
        self.feed_specs = {spec.id: spec for spec in config.feeds.feeds}

    # ------------------------------------------------------------ cycle
    def sync_feeds(self) -> None:
        self.store.sync_feeds([feed_values(spec) for spec in self.config.feeds.feeds], self.clock())

    def run_once(self) -> CycleReport:
        report = CycleReport()
        run_id = self.store.start_run("cycle", self.worker, self.clock())
        status = "ok"
        try:
            self.sync_feeds()
            self.poll_feeds(report)
            self.process_queue(report)
        except StoreError as exc:
            status = "failed"
            report.errors[exc.code] += 1
            logger.error("cycle aborted by the store", extra={"reason": exc.code})
            raise
        finally:
            self._finish(run_id, status, report)
        return report

    def _finish(self, run_id: int, status: str, report: CycleReport) -> None:
        try:
            self.store.finish_run(
                run_id, self.clock(), status, report.as_dict(), dict(report.errors)
            )
        except StoreError:
            logger.exception("could not record the run")

    # ------------------------------------------------------------ feeds
    def poll_feeds(self, report: CycleReport, feeds: Sequence[FeedRow] | None = None) -> None:
        due = list(feeds) if feeds is not None else self.store.due_feeds(self.clock())
        requests = [self._feed_request(f) for f in due]
        for request, result in self.client.fetch_many(requests):
            feed: FeedRow = request.key
            crashpoint("after_feed_fetch")
            report.feeds_polled += 1
            update, new = self.handle_feed_result(feed, result, report)
            crashpoint("after_feed_parse")
            added = self.store.record_feed_fetch(feed.id, update, new)
            crashpoint("after_feed_commit")
            report.entries_new += added
            self._log_feed(feed, update, added)
        if due:
            # One line per cycle, however many feeds: an outage of 1,000 feeds
            # must not write 1,000 lines every cycle (per-feed lines are DEBUG).
            logger.info(
                "feeds polled",
                extra={"outcome": "polled", "polled": report.feeds_polled,
                       "ok": report.feeds_ok, "unchanged": report.feeds_unchanged,
                       "failed": report.feeds_failed, "errors": dict(report.errors)},
            )  # fmt: skip

    @staticmethod
    def _log_feed(feed: FeedRow, update: FeedUpdate, added: int) -> None:
        extra = {"feed_url": feed.url, "outcome": update.state, "reason": update.error_code,
                 "new_entries": added}  # fmt: skip
        logger.debug("feed polled", extra=extra)
        if update.state in ("failing", "gone") and feed.state != update.state:
            logger.warning("feed is now %s", update.state, extra=extra)

    def _feed_request(self, feed: FeedRow) -> FetchRequest:
        spec = self.feed_specs.get(feed.key)
        return FetchRequest(
            url=feed.url,
            kind="feed",
            etag=feed.etag,
            last_modified=feed.last_modified,
            allow_private=feed.allow_private,
            accept=spec.accept if spec else None,
            key=feed,
        )

    def handle_feed_result(
        self, feed: FeedRow, result: FetchResult, report: CycleReport
    ) -> tuple[FeedUpdate, list[NewEntry]]:
        now = self.clock()
        if not result.ok:
            report.feeds_failed += 1
            report.errors[result.error_code or "unknown"] += 1
            return self._failure(
                feed, result.error_code or "protocol", result.error_message, result, now
            ), []
        body_hash = hashlib.sha256(result.body or b"").hexdigest()
        if result.not_modified or (feed.body_hash is not None and body_hash == feed.body_hash):
            report.feeds_unchanged += 1
            return self._success(feed, result, feed.body_hash or body_hash, now), []
        spec = self.feed_specs.get(feed.key)
        max_items = (
            spec.max_items if spec else None
        ) or self.config.settings.ingest.max_items_per_feed
        parsed = parse.parse_feed_guarded(
            result.body or b"",
            result.headers,
            result.final_url,
            max_items=max_items,
            now=now,
            deadline_s=self.config.settings.ingest.parse_deadline,
        )
        if parsed.error_code:
            report.feeds_failed += 1
            report.errors[parsed.error_code] += 1
            return self._failure(feed, parsed.error_code, parsed.error_message, result, now), []
        new, dupes = entry_keys(parsed.items)
        for skip in (*parsed.skipped, *dupes):
            report.skipped[skip.reason] += 1
        report.feeds_ok += 1
        update = self._success(feed, result, body_hash, now)
        partial = partial_warning(parsed.warnings)
        if partial:  # the well-formed prefix is kept; the operator sees why
            report.skipped["partial"] += 1
            update = replace(update, error=f"partial: {partial}"[:2000])
        return update, new

    def _success(
        self, feed: FeedRow, result: FetchResult, body_hash: str, now: datetime
    ) -> FeedUpdate:
        interval = self._interval(feed)
        return FeedUpdate(
            attempt_at=now,
            success_at=now,
            next_due=now + timedelta(seconds=interval),
            state="ok",
            failures=0.0,
            consecutive_failures=0,
            last_status=result.status,
            etag=result.etag if not result.not_modified else (result.etag or feed.etag),
            last_modified=result.last_modified or feed.last_modified,
            body_hash=body_hash,
            effective_url=result.final_url if result.final_url != feed.url else None,
            interval_s=interval,
        )

    def _failure(
        self, feed: FeedRow, code: str, message: str | None, result: FetchResult, now: datetime
    ) -> FeedUpdate:
        failures = feed.failures + health.failure_weight(code)
        retry_after = health.parse_retry_after(result.retry_after, now)
        due = health.next_due(now, feed.interval_s, failures, retry_after, self.rng)
        state = health.feed_state(
            enabled=feed.enabled, gone=code == "gone", failures=failures, now=now, next_due=due
        )
        return FeedUpdate(
            attempt_at=now,
            next_due=due,
            state=state,
            failures=failures,
            consecutive_failures=feed.consecutive_failures + 1,
            last_status=result.status,
            error_code=code,
            error=(message or code)[:2000],
        )

    def _interval(self, feed: FeedRow) -> int:
        spec = self.feed_specs.get(feed.key)
        if spec is not None and "interval" in spec.model_fields_set:
            return spec.interval * 60
        times = self.store.entry_times(feed.id)
        return int(health.adaptive_interval(times, default_s=feed.interval_s or 3600))

    # ------------------------------------------------------------ articles
    def process_queue(self, report: CycleReport, entries: Sequence[EntryRow] | None = None) -> None:
        """Work the article queue, or just ``entries`` (a worker's claimed batch)."""
        now = self.clock()
        limit = self.config.settings.ingest.articles_per_cycle
        queued = list(entries) if entries is not None else self.store.queued_entries(now, limit)
        groups = _group_by_url(queued)
        existing = self.store.article_ids_by_url_key(list(groups))
        self.store.link_entries([(e.id, existing[k]) for k in existing for e in groups.pop(k)], now)
        report.articles_linked += len(existing)
        fetchable = self._drop_unfetchable(groups, report, now)
        self._build_articles(fetchable, report)

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

    def _build_articles(self, groups: list[list[EntryRow]], report: CycleReport) -> None:
        index = self._cluster_index()
        requests = [FetchRequest(url=g[0].url, kind="page", key=g) for g in groups]
        fetched = list(self.client.fetch_many(requests))
        crashpoint("after_page_fetch")
        outcomes = self._extract_all(fetched)
        for (request, result), outcome in zip(fetched, outcomes, strict=True):
            group: list[EntryRow] = request.key
            if self._should_retry(group, result, report):
                continue
            self._store_article(group, outcome, index, report)

    def _extract_all(self, fetched: list[tuple[FetchRequest, FetchResult]]) -> list[PageOutcome]:
        jobs = [
            (r.body or b"", r.final_url, r.headers.get("content-type"))
            for _, r in fetched
            if r.ok and r.body
        ]
        pages = iter(self.extractor.map(jobs))
        now = self.clock()
        outcomes = []
        for _, result in fetched:
            if result.ok and result.body:
                page = next(pages)
                failure = None if page.status == "ok" else page.status
                outcomes.append(PageOutcome(result.final_url, page, failure, result.body, now))
            else:
                code = result.error_code or "empty_body"
                outcomes.append(PageOutcome(result.final_url or result.url, None, code, None, now))
        return outcomes

    def _should_retry(
        self, group: list[EntryRow], result: FetchResult, report: CycleReport
    ) -> bool:
        if result.ok or result.error_code not in TRANSIENT_CODES:
            if not result.ok:
                report.errors[result.error_code or "unknown"] += 1
            return False
        attempts = max(e.attempts for e in group) + 1
        if attempts >= self.config.settings.ingest.max_entry_attempts:
            report.errors[result.error_code or "unknown"] += 1
            return False  # give up on the page; the article keeps the feed summary
        now = self.clock()
        retry_at = now + timedelta(minutes=5 * 2**attempts)
        self.store.fail_entries(
            [e.id for e in group],
            result.error_code or "unknown",
            result.error_message or "",
            now,
            retry_at,
        )
        report.pages_retry += 1
        return True

    def _store_article(
        self, group: list[EntryRow], outcome: PageOutcome, index: ClusterIndex, report: CycleReport
    ) -> None:
        now = self.clock()
        record = assemble(group[0], outcome, self.ctx, now)
        report.extraction[record.extraction_status] += 1
        duplicate_of = self._duplicate_of(record, now)
        ids = [e.id for e in group]
        if duplicate_of is not None:
            self.store.link_entries([(i, duplicate_of) for i in ids], now)
            report.articles_linked += 1
            return
        record = self._with_cluster(record, index)
        article_id = self.store.save_article(record, ids, now)
        crashpoint("after_article_commit")
        if record.minhash is not None:
            index.add(article_id, record.minhash, record.cluster_id or article_id)
        report.articles_new += 1

    def _duplicate_of(self, record: ArticleRecord, now: datetime) -> int | None:
        found = self.store.article_ids_by_url_key([record.url_key]).get(record.url_key)
        if found is None and record.alias_key:
            found = self.store.find_by_alias_key(record.alias_key)
        if found is None and record.content_hash:
            found = self.store.find_by_content_hash(record.content_hash)
        if found is None and record.outlet and record.title_key:
            since = now - TITLE_DEDUP_WINDOW
            found = self.store.find_same_title(record.outlet, record.title_key, since)
        return found

    def _cluster_index(self) -> ClusterIndex:
        since = self.clock() - CLUSTER_WINDOW
        stored = self.store.cluster_signatures(since)
        # A stored NULL cluster means "its own cluster": keep it, never re-cluster.
        return ClusterIndex.rebuild((aid, sig, cid or aid) for aid, cid, sig in stored)

    def _with_cluster(self, record: ArticleRecord, index: ClusterIndex) -> ArticleRecord:
        match = index.best_match(record.minhash) if record.minhash else None
        if match is None:
            return record
        cluster_id = index.cluster_of(match[0])
        members = [int(m) for m in index.members(cluster_id)]  # type: ignore[call-overload]
        syndicated, evidence = record.syndicated_from, record.syndication_evidence
        if not record.state_media and syndicated is None:
            syndicated = self._state_member_outlet(members)
            if syndicated:
                evidence = f"near-duplicate ({match[1]:.2f}) of a {syndicated} article"
        return replace(
            record,
            cluster_id=int(cluster_id),  # type: ignore[call-overload]
            syndicated_from=syndicated,
            syndication_evidence=evidence,
        )

    def _state_member_outlet(self, members: Iterable[int]) -> str | None:
        for outlet, state in self.store.article_outlets(list(members)).values():
            if state and outlet:
                return outlet
        return None


def partial_warning(warnings: Iterable[str]) -> str | None:
    """A parser warning saying the document was cut or malformed (not merely
    mislabelled, like feedparser's CharacterEncodingOverride)."""
    for warning in warnings:
        if warning.startswith("bozo:") and "CharacterEncoding" not in warning:
            return warning.removeprefix("bozo:").strip()
    return None


def feed_values(spec: FeedSpec) -> dict[str, Any]:
    """The columns of the feeds table that come from feeds.yaml."""
    explicit = "interval" in spec.model_fields_set
    return {
        "key": spec.id,
        "url": spec.url,
        "outlet": spec.outlet,
        "kind": spec.kind,
        "language": spec.language,
        "allow_private": spec.allow_private,
        "enabled": spec.enabled,
        "interval_s": spec.interval * 60 if explicit else None,
    }


def _group_by_url(queued: Sequence[EntryRow]) -> dict[str, list[EntryRow]]:
    groups: dict[str, list[EntryRow]] = defaultdict(list)
    for entry in queued:
        groups[entry.url_key].append(entry)
    return dict(groups)
