"""Walk an outlet's sitemaps and feed archives for a period, then hand the URLs
found to the cycle's article stages (:meth:`Ingestor.process_entries`).

Each sitemap or feed page read is one committed step with the entries it
found (``backfill_progress``); each batch of pages is committed by the article
stage itself. A run killed at any point and started again skips the steps
already done and fetches only the pages still queued, so running it twice
adds nothing. Failures of one sitemap or page are counted with their error
code and never stop the run.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from pipeline.article.identity import entry_keys
from pipeline.article.urls import is_fetchable_scheme, resolve_link
from pipeline.backfill import plan
from pipeline.backfill.sources import OutletSources
from pipeline.config import Config
from pipeline.config.feeds_schema import FeedSpec
from pipeline.fetch import HttpClient
from pipeline.ingest.articles import group_by_url
from pipeline.ingest.report import CycleReport
from pipeline.parse.archives import paged_url, prev_archive
from pipeline.parse.sitemaps import BadSitemap, SitemapTooLarge, iter_sitemap
from pipeline.sources.discover import robots_sitemaps
from pipeline.types import ArticleRecord, BackfillStep, EntryRow, FeedItem, NewEntry, Period

logger = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class BackfillStoreLike(Protocol):
    def backfill_feed(self, outlet: str, period: str, url: str, now: datetime) -> int: ...

    def backfill_steps(self, period: str, scope: str = "") -> dict[str, BackfillStep]: ...

    def record_backfill_step(
        self,
        step: BackfillStep,
        feed_id: int | None,
        new: Sequence[NewEntry],
        via: str,
        now: datetime,
    ) -> int: ...

    def queued_backfill_entries(
        self,
        feed_ids: Sequence[int],
        now: datetime,
        limit: int,
        window: tuple[datetime, datetime] | None = None,
    ) -> list[EntryRow]: ...

    def backfill_entry_states(self, feed_ids: Sequence[int]) -> dict[str, int]: ...


class ArticleStages(Protocol):
    """What the runner needs of :class:`pipeline.ingest.cycle.Ingestor`."""

    client: HttpClient

    def process_entries(
        self,
        report: CycleReport,
        entries: Sequence[EntryRow],
        keep: Callable[[ArticleRecord], str | None] | None = None,
    ) -> None: ...

    def group_stories(self, report: CycleReport) -> None: ...


class FeedParser(Protocol):
    def parse(
        self,
        body: bytes,
        headers: Any,
        base_url: str,
        *,
        max_items: int = ...,
        now: datetime,
    ) -> Any: ...


@dataclass
class SourceTally:
    """One sitemap root, feed or search query of an outlet."""

    kind: str  # sitemap | feed | search
    url: str
    urls_seen: int = 0
    in_period: int = 0
    steps: int = 0  # sitemaps / feed pages read in this run
    resumed: int = 0  # steps skipped: done by an earlier run
    errors: Counter[str] = field(default_factory=Counter)


@dataclass
class OutletTally:
    outlet: str
    sources: list[SourceTally] = field(default_factory=list)
    entries_new: int = 0
    pages: int = 0
    stored: int = 0
    linked: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def urls_seen(self) -> int:
        return sum(s.urls_seen for s in self.sources)

    @property
    def in_period(self) -> int:
        return sum(s.in_period for s in self.sources)

    def as_dict(self) -> dict[str, Any]:
        errors = Counter(self.errors)
        for s in self.sources:
            errors.update(s.errors)
        return {
            "outlet": self.outlet,
            "urls_seen": self.urls_seen,
            "in_period": self.in_period,
            "entries_new": self.entries_new,
            "pages_fetched": self.pages,
            "stored": self.stored,
            "linked": self.linked,
            "skipped": dict(self.skipped),
            "errors": dict(errors),
            "sources": [
                {
                    "kind": s.kind,
                    "url": s.url,
                    "urls_seen": s.urls_seen,
                    "in_period": s.in_period,
                    "read": s.steps,
                    "resumed": s.resumed,
                    "errors": dict(s.errors),
                }
                for s in self.sources
            ],
        }


@dataclass
class BackfillReport:
    period: str
    dry_run: bool
    outlets: list[OutletTally] = field(default_factory=list)
    max_pages_reached: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "dry_run": self.dry_run,
            "max_pages_reached": self.max_pages_reached,
            "outlets": [o.as_dict() for o in self.outlets],
        }


# (what, how many): "read" n more sitemaps or feed pages read; "plan" the pages
# about to be fetched (sent once, before the first); "pages" n more fetched.
Progress = Callable[[str, int], None]


def no_progress(what: str, n: int) -> None:
    return None


class Backfill:
    """One backfill run of ``period`` (see module doc)."""

    def __init__(
        self,
        config: Config,
        store: BackfillStoreLike,
        stages: ArticleStages,
        parser: FeedParser,
        period: Period,
        *,
        dry_run: bool = False,
        max_pages: int | None = None,
        clock: Callable[[], datetime] = utcnow,
        progress: Progress = no_progress,
        scope: str = "",
    ) -> None:
        self.config, self.store, self.stages, self.parser = config, store, stages, parser
        self.client = stages.client
        self.period, self.dry_run, self.clock, self.progress = period, dry_run, clock, progress
        self.caps = config.settings.backfill
        self.tz = config.settings.policy.timezone
        self.pages_left = max_pages if max_pages is not None else self.caps.max_pages
        self.scope = scope  # a heal reads only its gap: its progress is kept apart
        self.done = store.backfill_steps(period.name, scope)
        self.report = BackfillReport(period.name, dry_run)

    # ------------------------------------------------------------ the run
    def run(self, outlets: Sequence[OutletSources], *, robots: bool = True) -> BackfillReport:
        plans: list[tuple[OutletTally, int | None]] = []
        for sources in outlets:
            tally = OutletTally(sources.outlet)
            self.report.outlets.append(tally)
            feed_id = None
            if not self.dry_run:
                first = (sources.feeds[0].url if sources.feeds else None) or (
                    sources.sitemaps[0] if sources.sitemaps else sources.outlet
                )
                feed_id = self.store.backfill_feed(
                    sources.outlet, self.period.name, first, self.clock()
                )
            self.discover(tally, sources, feed_id, robots=robots)
            plans.append((tally, feed_id))
        if not self.dry_run:
            feed_ids = [f for _, f in plans if f is not None]
            queued = self.store.backfill_entry_states(feed_ids).get("queued", 0)
            self.progress("plan", min(queued, self.pages_left))
            for tally, feed_id in plans:
                if feed_id is not None:
                    self.fetch_pages(tally, feed_id)
        return self.report

    def discover(
        self, tally: OutletTally, sources: OutletSources, feed_id: int | None, *, robots: bool
    ) -> None:
        """Read the outlet's sitemaps and feed archives; store the URLs of the period."""
        roots = list(sources.sitemaps)
        if robots:
            for origin in sources.origins:
                for url in self._robots_sitemaps(origin):
                    if url not in roots:
                        roots.append(url)
        visited: set[str] = set()
        for root in roots:
            source = SourceTally("sitemap", root)
            tally.sources.append(source)
            self._sitemap(tally.outlet, source, root, 0, frozenset(), visited, feed_id)
        for spec in sources.feeds:
            source = SourceTally("feed", spec.url)
            tally.sources.append(source)
            self._feed(tally.outlet, source, spec, feed_id)
        for url in sources.searches:
            source = SourceTally("search", url)
            tally.sources.append(source)
            self._search(tally.outlet, source, url, feed_id)

    def _robots_sitemaps(self, origin: str) -> list[str]:
        result = self.client.fetch(origin + "/robots.txt", kind="robots")
        if not result.ok or not result.body:
            return []
        return robots_sitemaps(result.body.decode("utf-8", "replace"), origin + "/")

    # ------------------------------------------------------------ sitemaps
    def _sitemap(
        self,
        outlet: str,
        source: SourceTally,
        url: str,
        depth: int,
        ancestors: frozenset[str],
        visited: set[str],
        feed_id: int | None,
    ) -> None:
        if self._skip(source, url, ancestors, visited):
            return
        result = self.client.fetch(url, kind="sitemap")
        source.steps += 1
        self.progress("read", 1)
        if not result.ok or result.body is None:
            self._failed(outlet, source, url, "sitemap", result.error_code or "protocol")
            return
        read = self._read(result.body, result.final_url or url)
        if isinstance(read, str):
            self._failed(outlet, source, url, "sitemap", read)
            return
        children, items, seen = read
        source.urls_seen += seen
        source.in_period += len(items)
        if children:
            if depth + 1 >= self.caps.max_index_depth:
                self._failed(outlet, source, url, "index", "sitemap_depth")
                return
            for child in children:
                self._sitemap(outlet, source, child, depth + 1, ancestors | {url}, visited, feed_id)
            return  # an index is re-read on resume: its children carry the progress
        self._record(outlet, url, "sitemap", seen, items, feed_id, "backfill:sitemap")

    def _skip(
        self, source: SourceTally, url: str, ancestors: frozenset[str], visited: set[str]
    ) -> bool:
        """Whether a sitemap is not fetched: a loop, seen, over the cap, or done before."""
        if url in ancestors:
            source.errors["sitemap_loop"] += 1
            logger.warning("sitemap index loop", extra={"url": url, "reason": "sitemap_loop"})
            return True
        if url in visited:
            return True
        visited.add(url)
        if len(visited) > self.caps.max_sitemaps:
            source.errors["too_large"] += 1
            return True
        done = self.done.get(url)
        if done is not None and done.state == "done" and done.kind == "sitemap":
            source.resumed += 1
            source.urls_seen += done.urls_seen
            source.in_period += done.urls_kept
            return True
        return False

    def _read(self, body: bytes, base: str) -> tuple[list[str], list[FeedItem], int] | str:
        """Children that may overlap the period, URLs kept, URLs seen; or an error code."""
        children: list[str] = []
        items: list[FeedItem] = []
        seen = 0
        try:
            stream = iter_sitemap(body, max_bytes=self.caps.max_sitemap_bytes, now=self.clock())
            for name, link in stream:
                loc = resolve_link(link.loc, base)
                if not is_fetchable_scheme(loc):
                    continue
                if name == "sitemap":
                    if plan.child_may_overlap(loc, link.date, self.period, self.tz):
                        children.append(loc)
                    continue
                seen += 1
                if plan.url_verdict(loc, link.date, self.period, self.tz) is None:
                    items.append(_item(loc, link))
        except SitemapTooLarge:
            return "too_large"
        except BadSitemap as exc:
            logger.info("bad sitemap", extra={"url": base, "reason": str(exc)[:200]})
            return "parse_failed"
        return children, items, seen

    def _failed(self, outlet: str, source: SourceTally, url: str, kind: str, code: str) -> None:
        source.errors[code] += 1
        logger.info("backfill source failed", extra={"url": url, "reason": code})
        if not self.dry_run:  # recorded, not resumed: a failed step is tried again next run
            step = BackfillStep(
                self.period.name, outlet, url, kind, "failed", code, scope=self.scope
            )
            self.store.record_backfill_step(step, None, (), "", self.clock())

    def _record(
        self,
        outlet: str,
        url: str,
        kind: str,
        seen: int,
        items: list[FeedItem],
        feed_id: int | None,
        via: str,
    ) -> int:
        if self.dry_run or feed_id is None:
            return 0
        new, _dupes = entry_keys(items)
        step = BackfillStep(
            self.period.name, outlet, url, kind, "done", None, seen, len(items), self.scope
        )
        added = self.store.record_backfill_step(step, feed_id, new, via, self.clock())
        self._tally(outlet).entries_new += added
        return added

    def _tally(self, outlet: str) -> OutletTally:
        return next(t for t in self.report.outlets if t.outlet == outlet)

    # ------------------------------------------------------------ feed archives
    def _feed(self, outlet: str, source: SourceTally, spec: FeedSpec, feed_id: int | None) -> None:
        """Walk a feed back (prev-archive, else ?paged=N) until its items are older
        than the period, a page repeats or fails, or the page cap is reached."""
        url: str | None = spec.url
        hashes: set[str] = set()
        page = 1
        archive = False
        while url is not None and page <= self.caps.max_feed_pages:
            result = self.client.fetch(url, kind="feed", allow_private=spec.allow_private)
            source.steps += 1
            self.progress("read", 1)
            if not result.ok or not result.body:
                if page == 1 or result.status not in (404, 410):
                    source.errors[result.error_code or "protocol"] += 1
                return  # a 404 past the last ?paged=N page is the end of the archive
            digest = hashlib.sha256(result.body).hexdigest()
            if digest in hashes:
                return
            hashes.add(digest)
            parsed = self.parser.parse(
                result.body, result.headers, result.final_url, max_items=10_000, now=self.clock()
            )
            if parsed.error_code:
                source.errors[parsed.error_code] += 1
                return
            items = [i for i in parsed.items if plan.item_verdict(i.published, self.period) is None]
            source.urls_seen += len(parsed.items)
            source.in_period += len(items)
            step = self.done.get(url)
            if step is not None and step.state == "done":
                source.resumed += 1
            else:
                via = "backfill:archive" if page > 1 else "backfill:feed"
                self._record(outlet, url, "feed", len(parsed.items), items, feed_id, via)
            dated = [i.published for i in parsed.items if i.published is not None]
            if not parsed.items or (dated and max(dated) < self.period.start):
                return  # the archive reached back before the period
            older = prev_archive(result.body, result.final_url)
            archive = archive or older is not None
            url = older if archive else paged_url(spec.url, page + 1)
            page += 1

    def _search(self, outlet: str, source: SourceTally, url: str, feed_id: int | None) -> None:
        """One dated search feed: its items of the period (publisher from ``<source>``)."""
        done = self.done.get(url)
        if done is not None and done.state == "done":
            source.resumed += 1
            source.urls_seen += done.urls_seen
            source.in_period += done.urls_kept
            return
        result = self.client.fetch(url, kind="feed")
        source.steps += 1
        self.progress("read", 1)
        if not result.ok or not result.body:
            self._failed(outlet, source, url, "feed", result.error_code or "protocol")
            return
        parsed = self.parser.parse(
            result.body, result.headers, result.final_url, max_items=10_000, now=self.clock()
        )
        if parsed.error_code:
            self._failed(outlet, source, url, "feed", parsed.error_code)
            return
        items = [i for i in parsed.items if plan.item_verdict(i.published, self.period) is None]
        source.urls_seen += len(parsed.items)
        source.in_period += len(items)
        self._record(outlet, url, "feed", len(parsed.items), items, feed_id, "backfill:search")

    # ------------------------------------------------------------ pages
    def keep(self, record: ArticleRecord) -> str | None:
        """An article is stored only when its own date is in the period."""
        return None if record.period == self.period.name else "out_of_period"

    def fetch_pages(self, tally: OutletTally, feed_id: int) -> None:
        """Fetch, extract and store the queued pages of the outlet, batch by batch."""
        report = CycleReport()
        seen: set[int] = set()
        window = (self.period.start, self.period.end)  # a heal's: the gap's hours
        while self.pages_left > 0:
            limit = min(self.caps.batch, self.pages_left)
            batch = self.store.queued_backfill_entries([feed_id], self.clock(), limit, window)
            fresh = [e for e in batch if e.id not in seen]
            if not fresh:
                break
            seen.update(e.id for e in fresh)
            pages = len(group_by_url(fresh))
            self.stages.process_entries(report, fresh, keep=self.keep)
            self.pages_left -= pages
            tally.pages += pages
            self.progress("pages", pages)
        else:
            if self.store.queued_backfill_entries([feed_id], self.clock(), 1, window):
                self.report.max_pages_reached = True
        self.stages.group_stories(report)  # the period's stories take in what was stored
        tally.stored += report.articles_new
        tally.linked += report.articles_linked
        tally.skipped.update(report.skipped)
        tally.errors.update(report.errors)


def _item(loc: str, link: Any) -> FeedItem:
    return FeedItem(
        url=loc,
        title=link.title,
        published=link.date,
        published_raw=link.date_raw,
        source_name=link.source_name,
        language=link.language,
        date_flags=link.date_flag,
    )
