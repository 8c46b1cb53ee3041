"""The live policy meter: the bundle's own selection (``policy.select`` through
``build.candidate``/``SectionMap``), read for one period, never a second copy of
the policy. What the workbench shows is what ``vric bundle`` would keep."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from pipeline.curate.bundle.build import BundleConfig, SectionMap, candidate, cap_rules
from pipeline.curate.bundle.policy import REASONS, Candidate, Selection, select
from pipeline.store import ArticleView, DecisionView

logger = logging.getLogger(__name__)


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


def read_views(store: Any, period: str) -> dict[int, ArticleView]:
    """The period's bundle candidates as the policy reads them (no tag matches)."""
    return {v.id: v for v in store.iter_policy_views(period)}


def select_candidates(cands: list[Candidate], config: BundleConfig,
                      sections: SectionMap) -> Selection:  # fmt: skip
    return select(cands, cap_rules(config.settings.policy), sections.names)


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
    )


@dataclass
class _Entry:
    views: dict[int, ArticleView]
    cands: dict[int, Candidate]
    meter: Meter | None  # None: a decision changed the candidates since (computed on demand)
    read_at: float
    refreshing: bool = False


@dataclass(frozen=True)
class Decided:
    """A decision the workbench just stored, to patch the cached candidates with."""

    article_id: int
    status: str
    section: str | None
    note: str | None
    analyst: str
    at: datetime
    version: int


class MeterCache:
    """The meter of each period, kept current without re-reading the period.

    The first request for a period reads its candidates (seconds for 10,000
    articles). A decision made here patches its cached candidate; the next
    request re-runs the (pure) selection on the cached candidates. Every
    ``ttl`` seconds the period is read again in the background, so decisions
    from the CSV import, re-tagging or the daemon show up within that time
    while requests keep the meter they have. ``ttl`` 0 reads the period on
    every request (tests).
    """

    def __init__(self, store: Any, config: BundleConfig, ttl: float = 30.0) -> None:
        self._store = store
        self._config = config
        self._sections = SectionMap.from_rules(config.rules)
        self._ttl = ttl
        self._lock = threading.RLock()
        self._loading: dict[str, threading.Lock] = {}
        self._cache: dict[str, _Entry] = {}

    def _meter(self, period: str, entry: _Entry) -> Meter:
        """The entry's meter, computed when a decision made it stale (under the lock)."""
        if entry.meter is None:
            cands = list(entry.cands.values())
            entry.meter = meter_of(period, select_candidates(cands, self._config,
                                                             self._sections), cands)  # fmt: skip
        return entry.meter

    def _load(self, period: str) -> _Entry:
        started = time.monotonic()
        views = read_views(self._store, period)
        cands = {i: candidate(v, self._sections) for i, v in views.items()}
        entry = _Entry(views, cands, None, started)
        with self._lock:
            self._meter(period, entry)
            self._cache[period] = entry
        return entry

    def _entry(self, period: str) -> _Entry:
        with self._lock:
            entry = self._cache.get(period)
            loading = self._loading.setdefault(period, threading.Lock())
        if entry is None or self._ttl <= 0:
            with loading:  # one reader per period; the others wait for its result
                with self._lock:
                    entry = self._cache.get(period)
                if entry is None or self._ttl <= 0:
                    entry = self._load(period)
            return entry
        if time.monotonic() - entry.read_at >= self._ttl and not entry.refreshing:
            entry.refreshing = True
            threading.Thread(target=self._refresh, args=(period, loading), daemon=True,
                             name=f"meter-{period}").start()  # fmt: skip
        return entry

    def get(self, period: str) -> Meter:
        entry = self._entry(period)
        with self._lock:
            return self._meter(period, entry)

    def weekly(self, period: str) -> dict[str, dict[str, int]]:
        """Candidates per week and section (the period page's chart)."""
        entry = self._entry(period)
        with self._lock:
            cands = list(entry.cands.values())
        return weekly_counts(cands)

    def _refresh(self, period: str, loading: threading.Lock) -> None:
        try:
            with loading:
                self._load(period)
        except Exception:  # the old meter stays; the next request tries again
            logger.exception("meter refresh failed", extra={"period": period})
            with self._lock:
                entry = self._cache.get(period)
                if entry is not None:
                    entry.refreshing = False

    def decided(self, changes: list[Decided]) -> None:
        """Patch the cached periods with decisions just stored."""
        with self._lock:
            for period, entry in list(self._cache.items()):
                for d in changes:
                    view = entry.views.get(d.article_id)
                    if view is None:
                        if d.status == "included":  # a non-candidate made one: read again
                            self._cache.pop(period, None)
                        continue
                    decision = DecisionView(d.status, d.section, d.analyst, d.note, d.at,
                                            d.version)  # fmt: skip
                    view = replace(view, decision=decision, version=d.version)
                    entry.views[d.article_id] = view
                    entry.cands[d.article_id] = candidate(view, self._sections)
                    entry.meter = None

    def invalidate(self, period: str | None = None) -> None:
        with self._lock:
            if period is None:
                self._cache.clear()
            else:
                self._cache.pop(period, None)
