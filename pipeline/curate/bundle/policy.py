"""The editorial policy of a bundle (pure): which candidates make the monitor,
and for every one that does not, the reason.

Applied in this order (the monitor's disclaimer, made a function):

1. ``analyst_excluded``: an analyst excluded the item. The exclusion covers
   the item's near-duplicate cluster (the analyst saw the story once, as the
   cluster's representative, and a later copy must not bring it back), except
   members an analyst explicitly included.
2. ``opinion``: opinion pieces, unless an analyst included them.
3. ``anti_us_rhetoric``: items with that flag, unless an analyst included them.
4. ``near_duplicate``: a cluster keeps one member (analyst-included ones all
   stay); the representative is chosen as in the CSV export.
5. ``same_story`` (with ``one_per_story``): a story across outlets keeps one
   item, chosen like a cluster's; the others are listed under it
   (:attr:`Selection.stories`); analyst-included ones all stay.
6. ``state_media_cap``: items counting as state media are at most ``cap`` of
   the whole bundle; the lowest-ranked go first, never an analyst-included
   one. When the analyst-included state items alone exceed the cap, every
   other state item goes, the bundle is still made, and
   ``cap_broken_by_analysts`` is set.

Ranking: analyst-included first, then score (high first), then publication
date (newest first), then id, so that every tie is broken the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from math import floor

from pipeline.curate.views import representative_key

REASONS = (
    "analyst_excluded", "opinion", "anti_us_rhetoric", "near_duplicate", "same_story",
    "state_media_cap",
)  # fmt: skip
ANTI_US_FLAG = "anti_us_rhetoric"


@dataclass(frozen=True)
class Candidate:
    """What the policy needs to know about one candidate article."""

    id: int
    section: str
    status: str  # candidate | included | excluded (the latest analyst decision)
    score: float
    published_at: datetime
    cluster_id: int | None = None
    is_opinion: bool = False
    flags: frozenset[str] = frozenset()
    state_media: bool = False
    cap_policy: str | None = None  # count | review | exclude (from the outlet registry)
    syndicated_from: str | None = None  # a state wire whose copy this is
    story_id: int | None = None  # the story across outlets (pipeline.article.stories)

    @property
    def included(self) -> bool:
        return self.status == "included"


@dataclass(frozen=True)
class CapRules:
    """settings.policy: the cap and what counts as state media."""

    cap: float = 0.20
    syndicated_counts_as_state: bool = True
    count_review_outlets: bool = True

    def counts_as_state(self, c: Candidate) -> bool:
        if c.syndicated_from and self.syndicated_counts_as_state:
            return True
        policy = c.cap_policy or ("count" if c.state_media else "exclude")
        return policy == "count" or (policy == "review" and self.count_review_outlets)


@dataclass(frozen=True)
class Removal:
    id: int
    reason: str  # one of REASONS
    detail: str = ""


@dataclass(frozen=True)
class Selection:
    kept: tuple[Candidate, ...]  # in rank order
    removed: tuple[Removal, ...]
    state_ids: frozenset[int]  # kept items that count toward the cap
    cap: float
    cap_broken_by_analysts: bool = False
    collapsed: Mapping[int, tuple[int, ...]] = field(default_factory=dict)  # rep → members
    sections: tuple[str, ...] = ()  # the monitor's sections, in order (from rules.yaml)
    stories: Mapping[int, tuple[int, ...]] = field(default_factory=dict)  # rep → other reports

    @property
    def total(self) -> int:
        return len(self.kept)

    @property
    def state_share(self) -> float:
        return len(self.state_ids) / self.total if self.total else 0.0

    def by_section(self) -> dict[str, list[Candidate]]:
        out: dict[str, list[Candidate]] = {s: [] for s in self.sections}
        for c in self.kept:
            out.setdefault(c.section, []).append(c)
        return out

    def removed_by_reason(self) -> dict[str, list[Removal]]:
        out: dict[str, list[Removal]] = {r: [] for r in REASONS}
        for r in self.removed:
            out.setdefault(r.reason, []).append(r)
        return out


def rank_key(c: Candidate) -> tuple[int, float, float, int]:
    return (0 if c.included else 1, -c.score, -c.published_at.timestamp(), c.id)


def max_state_items(others: int, cap: float) -> int | None:
    """The most state items that ``others`` non-state items allow: s / (s + n) ≤ cap.

    Exact arithmetic (0.2 is 1/5, not 0.2000000000000000111): 4 others allow 1.
    None means no limit (a cap of 100 %).
    """
    c = Fraction(str(cap))
    if c >= 1:
        return None
    return floor(c * others / (1 - c))


def _drop(items: list[Candidate], removed: list[Removal], reason: str,
          why: Mapping[int, str]) -> list[Candidate]:  # fmt: skip
    removed.extend(Removal(c.id, reason, why[c.id]) for c in items if c.id in why)
    return [c for c in items if c.id not in why]


def _analyst_exclusions(items: list[Candidate]) -> dict[int, str]:
    by_cluster = {c.cluster_id: c.id for c in reversed(items)
                  if c.status == "excluded" and c.cluster_id is not None}  # fmt: skip
    why: dict[int, str] = {}
    for c in items:
        if c.status == "excluded":
            why[c.id] = "excluded by an analyst"
        elif not c.included and c.cluster_id in by_cluster:
            why[c.id] = f"same story as #{by_cluster[c.cluster_id]}, excluded by an analyst"
    return why


def _collapse(
    items: list[Candidate],
    rules: CapRules,
    removed: list[Removal],
    reason: str = "near_duplicate",
) -> tuple[list[Candidate], dict[int, tuple[int, ...]]]:
    """One member per group (a cluster, or with ``same_story`` a story)."""
    groups: dict[int, list[Candidate]] = {}
    for c in items:
        key = c.cluster_id if reason == "near_duplicate" else c.story_id
        if key is not None:
            groups.setdefault(key, []).append(c)
    why: dict[int, str] = {}
    collapsed: dict[int, tuple[int, ...]] = {}
    for members in groups.values():
        ordered = sorted(members, key=lambda c: representative_key(
            c.status, rules.counts_as_state(c), c.score, c.published_at, c.id))  # fmt: skip
        head = ordered[0]
        others = [c for c in ordered[1:] if not c.included]
        for c in others:
            why[c.id] = f"same story as #{head.id}"
        if others:
            collapsed[head.id] = tuple(sorted(c.id for c in others))
    return _drop(items, removed, reason, why), collapsed


def _apply_cap(
    items: list[Candidate], rules: CapRules, removed: list[Removal]
) -> tuple[list[Candidate], bool]:
    state = [c for c in items if rules.counts_as_state(c)]
    limit = max_state_items(len(items) - len(state), rules.cap)
    if limit is None:
        return items, False
    pinned = sum(1 for c in state if c.included)
    optional = [c for c in state if not c.included]  # in rank order: the tail goes
    dropped = optional[max(limit - pinned, 0) :]
    detail = (f"{len(state)} state-media items for {len(items) - len(state)} others; "
              f"a {rules.cap:.0%} cap allows {limit}")  # fmt: skip
    return _drop(items, removed, "state_media_cap", {c.id: detail for c in dropped}), pinned > limit


def select(
    candidates: Iterable[Candidate],
    rules: CapRules,
    sections: Sequence[str] = (),
    *,
    one_per_story: bool = False,
) -> Selection:
    """Apply the policy; the result is the same for the same candidates in any order.

    ``sections`` orders :meth:`Selection.by_section` (empty ones listed too);
    ``one_per_story`` (settings.stories.one_per_story) collapses stories.
    """
    items = sorted(candidates, key=rank_key)
    removed: list[Removal] = []
    items = _drop(items, removed, "analyst_excluded", _analyst_exclusions(items))
    opinion = {c.id: "opinion piece" for c in items if c.is_opinion and not c.included}
    items = _drop(items, removed, "opinion", opinion)
    anti_us = {c.id: "flagged anti-US rhetoric" for c in items
               if ANTI_US_FLAG in c.flags and not c.included}  # fmt: skip
    items = _drop(items, removed, ANTI_US_FLAG, anti_us)
    items, collapsed = _collapse(items, rules, removed)
    stories: dict[int, tuple[int, ...]] = {}
    if one_per_story:
        items, stories = _collapse(items, rules, removed, "same_story")
    items, broken = _apply_cap(items, rules, removed)
    state_ids = frozenset(c.id for c in items if rules.counts_as_state(c))
    return Selection(
        tuple(items), tuple(removed), state_ids, rules.cap, broken, collapsed, tuple(sections),
        stories,
    )  # fmt: skip
