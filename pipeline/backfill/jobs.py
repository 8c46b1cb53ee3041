"""Wiring of one backfill run: which sources, then the run (shared by the CLI
and the daemon's auto-heal; no stage logic)."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.backfill.runner import Backfill, BackfillReport, Progress, no_progress
from pipeline.backfill.sources import (
    SEARCH_OUTLET,
    OutletSources,
    outlet_for_url,
    outlet_sources,
    outlets_with_sources,
    search_urls,
)
from pipeline.config import Config
from pipeline.ingest.cycle import Ingestor
from pipeline.store import Store
from pipeline.types import Period


def plan_sources(
    config: Config,
    outlets: Sequence[str],
    sitemaps: Sequence[str],
    *,
    search: bool,
    period: Period,
) -> list[OutletSources]:
    """The outlets to backfill and their sources. ``--sitemap`` URLs belong to
    the one ``--outlet`` given, else to the registry's outlet for the URL; a run
    with only ``--sitemap`` (or only ``--search``) reads nothing else."""
    chosen = list(outlets)
    if not chosen and not sitemaps and not search:
        chosen = outlets_with_sources(config)
    found = {o: outlet_sources(config, o) for o in chosen}
    for url in sitemaps:
        owner = outlets[0] if len(outlets) == 1 else outlet_for_url(config, url)
        entry = found.setdefault(owner, OutletSources(owner))
        if url not in entry.sitemaps:
            entry.sitemaps.append(url)
    if search:
        b = config.settings.backfill
        entry = found.setdefault(SEARCH_OUTLET, OutletSources(SEARCH_OUTLET))
        entry.searches = search_urls(
            dict(config.rules.search), period, template=b.search_url,
            languages=b.search_languages, window_days=b.search_window_days,
            tz=config.settings.policy.timezone,
        )  # fmt: skip
    return list(found.values())


def run_backfill(
    config: Config,
    store: Store,
    ing: Ingestor,
    period: Period,
    sources: Sequence[OutletSources],
    *,
    dry_run: bool = False,
    max_pages: int | None = None,
    progress: Progress = no_progress,
) -> BackfillReport:
    job = Backfill(
        config, store, ing, ing.feeds.parser, period,
        dry_run=dry_run, max_pages=max_pages, clock=ing.clock, progress=progress,
    )  # fmt: skip
    return job.run(sources)
