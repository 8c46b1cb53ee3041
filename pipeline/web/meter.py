"""The live policy meter: the bundle's own selection (``policy.select`` through
``build.candidate``/``SectionMap``), read for one period, never a second copy of
the policy. What the workbench shows is what ``vric bundle`` would keep."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pipeline.curate.bundle.build import BundleConfig, SectionMap, candidate, cap_rules
from pipeline.curate.bundle.policy import REASONS, Candidate, Selection, select


@dataclass(frozen=True)
class Meter:
    period: str
    state_media_share: float
    state_media_cap: float
    would_drop: tuple[int, ...]  # state items the cap would drop, in rank order
    kept: int
    candidates: int
    state_items: int
    cap_broken_by_analysts: bool
    removed: dict[str, tuple[int, ...]]  # reason -> ids (opinion, anti-US, duplicates, ...)
    kept_ids: frozenset[int]
    by_section: dict[str, int]
    weekly: dict[str, dict[str, int]] = field(default_factory=dict)  # ISO Monday -> section -> n

    def as_json(self) -> dict[str, Any]:
        return {
            "state_media_share": round(self.state_media_share, 4),
            "state_media_cap": self.state_media_cap,
            "would_drop": list(self.would_drop),
            "kept": self.kept,
            "candidates": self.candidates,
            "state_items": self.state_items,
            "cap_broken_by_analysts": self.cap_broken_by_analysts,
            "removed": {r: len(ids) for r, ids in self.removed.items()},
        }


def selection(store: Any, config: BundleConfig, period: str) -> tuple[Selection, list[Candidate]]:
    """The period's selection exactly as a bundle built now would make it."""
    sections = SectionMap.from_rules(config.rules)
    cands = [candidate(v, sections) for v in store.iter_candidates(period)]
    return select(cands, cap_rules(config.settings.policy), sections.names), cands


def weekly_counts(cands: list[Candidate]) -> dict[str, dict[str, int]]:
    """Candidates per week (weeks start on Monday, UTC) and section."""
    out: dict[str, dict[str, int]] = {}
    for c in sorted(cands, key=lambda c: c.published_at):
        day = c.published_at.date()
        week = (day - timedelta(days=day.weekday())).isoformat()
        per = out.setdefault(week, {})
        per[c.section] = per.get(c.section, 0) + 1
    return out


def meter_of(period: str, sel: Selection, cands: list[Candidate]) -> Meter:
    by_reason = sel.removed_by_reason()
    removed = {r: tuple(x.id for x in by_reason.get(r, [])) for r in REASONS}
    return Meter(
        period=period,
        state_media_share=sel.state_share,
        state_media_cap=sel.cap,
        would_drop=removed["state_media_cap"],
        kept=sel.total,
        candidates=len(cands),
        state_items=len(sel.state_ids),
        cap_broken_by_analysts=sel.cap_broken_by_analysts,
        removed=removed,
        kept_ids=frozenset(c.id for c in sel.kept),
        by_section={s: len(items) for s, items in sel.by_section().items()},
        weekly=weekly_counts(cands),
    )


class MeterCache:
    """Meters per period, recomputed after a decision made here and at least
    every ``ttl`` seconds (decisions from the CSV import or the daemon's tagging
    show up within that time)."""

    def __init__(self, compute: Callable[[str], Meter], ttl: float = 30.0) -> None:
        self._compute = compute
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Meter]] = {}

    def get(self, period: str) -> Meter:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(period)
        if hit and now - hit[0] < self._ttl:
            return hit[1]
        meter = self._compute(period)
        with self._lock:
            self._cache[period] = (now, meter)
        return meter

    def invalidate(self, period: str | None = None) -> None:
        with self._lock:
            if period is None:
                self._cache.clear()
            else:
                self._cache.pop(period, None)
