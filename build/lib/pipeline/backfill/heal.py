"""The daemon's gap healing (``backfill.auto: true``): after a feed recovers
from an outage longer than ``backfill.gap_hours``, backfill its outlet for the
hours of the gap only, bounded by ``backfill.max_pages``, once per gap."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from pipeline.backfill.runner import Backfill
from pipeline.backfill.sources import outlet_sources
from pipeline.config import Config
from pipeline.ingest.cycle import Ingestor
from pipeline.periods import period_for
from pipeline.store import Store
from pipeline.types import Period

logger = logging.getLogger(__name__)


def gap_windows(start: datetime, end: datetime, *, period_start: str, tz: str) -> list[Period]:
    """The parts of ``[start, end)`` in each period it touches (named by that period)."""
    out = []
    moment = start
    while moment < end:
        period = period_for(moment, start=period_start, tz=tz)
        out.append(replace(period, start=max(start, period.start), end=min(end, period.end)))
        moment = period.end
    return out


def heal_gaps(
    config: Config, store: Store, ing: Ingestor, *, should_stop: Callable[[], bool] = lambda: False
) -> list[dict[str, Any]]:
    """Backfill every unhealed gap longer than the threshold; returns one summary per gap."""
    b = config.settings.backfill
    if not b.auto:
        return []
    done: list[dict[str, Any]] = []
    with store.advisory_lock("backfill_heal") as mine:
        if not mine:  # another worker heals
            return []
        pages = b.max_pages
        for gap in store.unhealed_gaps(b.gap_hours):
            if should_stop() or pages <= 0:
                break
            stored, pages = _heal(config, store, ing, gap, pages) if gap["outlet"] else (0, pages)
            store.mark_gap_healed(gap["id"], ing.clock())
            summary = {"feed": gap["key"], "outlet": gap["outlet"], "start": gap["start"],
                       "end": gap["end"], "stored": stored}  # fmt: skip
            logger.info("coverage gap healed", extra={"outcome": "healed", **summary})
            done.append(summary)
    return done


def _heal(
    config: Config, store: Store, ing: Ingestor, gap: dict[str, Any], pages: int
) -> tuple[int, int]:
    """Backfill one gap's outlet for the gap's hours; (articles stored, pages left)."""
    pol = config.settings.policy
    windows = gap_windows(
        gap["start"], gap["end"], period_start=pol.period_start_month, tz=pol.timezone
    )
    stored = 0
    for window in windows:
        job = Backfill(
            config, store, ing, ing.feeds.parser, window,
            max_pages=pages, clock=ing.clock, scope=f"gap:{gap['id']}",
        )  # fmt: skip
        report = job.run([outlet_sources(config, gap["outlet"])])
        stored += sum(o.stored for o in report.outlets)
        pages = job.pages_left
    return stored, pages
