"""Stories across outlets (pure): reports of one event by different outlets.

A near-duplicate *cluster* (:mod:`pipeline.article.duplicates`) is one text
copied by several sites; a *story* is one event told in different words,
possibly in different languages (the Cape Verde court's Alex Saab ruling by La
Patilla, Infobae and El Tiempo; the Iranian warships in Rio in Spanish,
Portuguese and English). Grouping happens per period over the stored articles,
after each ingest cycle, because an article can only be compared with reports
published both before and after it. It sits beside the near-duplicate
clusters it builds on (a cluster is one unit here) in the article stages
package, which both its users import: ingest, which regroups after a cycle,
and curation (exports, bundle, analysts' splits), which reads the stories;
curation itself cannot be imported by ingest (curation's rework depends on
ingest).

Two articles are linked (the same story) when all of these hold:

- they are not the same unit: a cluster is one unit (its members share the
  story, a copy alone never makes one), and an article an analyst split off
  stands alone;
- they were published at most ``window_days`` apart;
- they share at least ``min_shared`` entities, one of them a named entity of
  rules.yaml (``entity:alex_saab``), not only a country or actor tag;
- their score is at least ``min_score``: ``entity_weight`` × the weighted
  Jaccard overlap of their named entities (each weighs ``log(1 + N / df)``
  over the period, so an entity in every item counts little and Alex Saab a
  lot) plus the rest × the title similarity (rapidfuzz ``WRatio`` of folded
  titles without stopwords in which every entity spelling is replaced by its
  id, so "Cape Verde" and "Cabo Verde" are one word and an English title
  can resemble a Spanish one).

A story is a connected group of linked units with at least two units. Every
member carries its explanation: the link that brought it in (the other
article, the shared entities, the title similarity, the days apart). The
result does not depend on the order of the input.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from rapidfuzz import fuzz

from pipeline.config.settings import StoriesSettings
from pipeline.tagging.entities import EntityMatcher, find_entities
from pipeline.tagging.fold import word_form
from pipeline.types import StoryGroup

if TYPE_CHECKING:
    from pipeline.store import StoryInput, StorySave


class StoryPorts(Protocol):
    """The store operations :func:`regroup_period` uses."""

    def story_inputs(self, period: str, lead_chars: int) -> list[StoryInput]: ...

    def save_stories(
        self, period: str, groups: Sequence[StoryGroup], now: datetime
    ) -> StorySave: ...


ENTITY_PREFIX = "entity:"
DEFAULT_SETTINGS = StoriesSettings()
MIN_DF_LIMIT = 10  # max_df never keeps an entity named by fewer items out (small periods)
# Words that say nothing about the event, in the three languages (titles only).
_STOPWORDS = frozenset((
    "a", "al", "ante", "con", "contra", "de", "del", "el", "en", "entre", "la", "las", "lo",
    "los", "para", "por", "que", "se", "su", "sus", "un", "una", "y", "o", "e", "ao", "aos",
    "as", "com", "da", "das", "do", "dos", "em", "na", "nas", "no", "nos", "os", "pela",
    "pelo", "um", "uma", "an", "and", "at", "by", "for", "from", "in", "into", "is", "of",
    "on", "the", "to", "with", "its", "after", "over",
))  # fmt: skip


@dataclass(frozen=True)
class StoryItem:
    """What grouping needs to know about one article."""

    id: int
    outlet: str | None
    published_at: datetime
    title: str
    entities: frozenset[str]  # "entity:<id>", "country:<id>", "actor:<id>"
    cluster_key: int  # the cluster id, or the article's own id
    split: bool = False  # an analyst split it off its story: it stands alone
    title_tokens: str = ""  # the title as compared (see :func:`title_form`)

    @cached_property
    def named(self) -> frozenset[str]:
        """The rules.yaml entities among :attr:`entities`."""
        return frozenset(e for e in self.entities if e.startswith(ENTITY_PREFIX))


@dataclass(frozen=True)
class Link:
    """Why two articles are one story."""

    a: int
    b: int
    shared: tuple[str, ...]
    title: float  # 0..1
    score: float
    days: float

    def explain(self, other: int, outlet: str | None) -> str:
        """``#13 (int_infobae): alex_saab, cabo_verde, country:ve; title 0.71; ...``."""
        names = ", ".join(s.removeprefix(ENTITY_PREFIX) for s in self.shared)
        who = f"#{other}" + (f" ({outlet})" if outlet else "")
        return (
            f"{who}: {names}; title {self.title:.2f}; score {self.score:.2f}; "
            f"{self.days:.1f} days apart"
        )


LEAD_CHARS = 1500  # the event is in the headline and the lead; the body drifts to background


def story_item(
    *,
    id: int,
    outlet: str | None,
    published_at: datetime,
    title: str,
    lead: str,
    tags: Iterable[tuple[str, str]],
    matcher: EntityMatcher,
    cluster_key: int | None = None,
    split: bool = False,
) -> StoryItem:
    """A :class:`StoryItem` from an article: its rules.yaml entities in the title
    and lead, plus its country and actor tags (``tags``: ``(kind, name)``)."""
    found = find_entities(matcher, (title, lead[:LEAD_CHARS]))
    entities = {ENTITY_PREFIX + e for e in found}
    entities |= {f"{kind}:{name}" for kind, name in tags if kind in ("country", "actor")}
    return StoryItem(
        id=id,
        outlet=outlet,
        published_at=published_at,
        title=title,
        entities=frozenset(entities),
        cluster_key=id if cluster_key is None else cluster_key,
        split=split,
        title_tokens=title_form(title, matcher.name_forms),
    )


def title_form(title: str, name_forms: Sequence[tuple[str, str]]) -> str:
    """The title as compared: folded, stopwords dropped, entity spellings as ids.

    ``name_forms``: the matcher's ``(word form, entity id)`` pairs, longest first.
    """
    text = word_form(title)
    for form, entity in name_forms:
        if form in text:
            text = re.sub(rf"\b{re.escape(form)}\b", entity, text)
    return " ".join(w for w in text.split() if w not in _STOPWORDS)


def entity_weights(items: Sequence[StoryItem]) -> dict[str, float]:
    """``log(1 + N / df)`` per entity over ``items``."""
    df: dict[str, int] = defaultdict(int)
    for item in items:
        for e in item.entities:
            df[e] += 1
    n = len(items)
    return {e: math.log1p(n / count) for e, count in df.items()}


def score_pair(
    a: StoryItem, b: StoryItem, weights: Mapping[str, float], settings: StoriesSettings
) -> Link | None:
    """The link between two articles, or None when they are not one story."""
    if a.cluster_key == b.cluster_key or a.split or b.split:
        return None
    days = abs((a.published_at - b.published_at).total_seconds()) / 86400
    if days > settings.window_days:
        return None
    shared = a.entities & b.entities
    if len(shared) < settings.min_shared or not any(s.startswith(ENTITY_PREFIX) for s in shared):
        return None
    named_a, named_b = a.named, b.named
    common = sum(weights.get(e, 0.0) for e in named_a & named_b)
    union = _weight(a, weights) + _weight(b, weights) - common
    overlap = common / (union or 1.0)
    # The best the title can add: skip the (costly) similarity when even a perfect one fails.
    if settings.entity_weight * overlap + (1 - settings.entity_weight) < settings.min_score:
        return None
    title = fuzz.WRatio(a.title_tokens, b.title_tokens) / 100
    score = settings.entity_weight * overlap + (1 - settings.entity_weight) * title
    if score < settings.min_score:
        return None
    ordered = sorted(shared, key=lambda e: (e not in named_a, -weights.get(e, 0.0), e))
    return Link(min(a.id, b.id), max(a.id, b.id), tuple(ordered), title, score, days)


def _weight(item: StoryItem, weights: Mapping[str, float]) -> float:
    return sum(weights.get(e, 0.0) for e in item.named)


def candidate_pairs(
    items: Sequence[StoryItem], settings: StoriesSettings
) -> Iterable[tuple[StoryItem, StoryItem]]:
    """Pairs within the window sharing a named entity that is not in more than
    ``max_df`` of the items (nor in more than 10 when that is more).

    Each entity's items are walked in time order, so a common entity costs
    pairs within the window only, not every pair of the period.
    """
    by_entity: dict[str, list[StoryItem]] = defaultdict(list)
    for item in items:
        for e in item.entities:
            if e.startswith(ENTITY_PREFIX):
                by_entity[e].append(item)
    limit = max(MIN_DF_LIMIT, math.ceil(settings.max_df * len(items)))
    window = timedelta(days=settings.window_days)
    seen: set[tuple[int, int]] = set()
    for e in sorted(by_entity):
        group = sorted(by_entity[e], key=lambda i: (i.published_at, i.id))
        if len(group) > limit:
            continue
        for n, a in enumerate(group):
            for b in group[n + 1 :]:
                if b.published_at - a.published_at > window:
                    break
                key = (min(a.id, b.id), max(a.id, b.id))
                if key not in seen:
                    seen.add(key)
                    yield (a, b) if a.id < b.id else (b, a)


class _Units:
    """Union-find over cluster keys; the smallest key is a group's root."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, key: int) -> int:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def group_stories(
    items: Sequence[StoryItem], settings: StoriesSettings = DEFAULT_SETTINGS
) -> tuple[StoryGroup, ...]:
    """The period's stories, ordered by their smallest member id."""
    by_id = {i.id: i for i in items}
    weights = entity_weights(items)
    units = _Units()
    best: dict[int, Link] = {}  # article -> its strongest link
    for a, b in candidate_pairs(items, settings):
        link = score_pair(a, b, weights, settings)
        if link is None:
            continue
        units.union(a.cluster_key, b.cluster_key)
        for end in (a.id, b.id):
            if end not in best or _stronger(link, best[end]):
                best[end] = link
    members: dict[int, list[int]] = defaultdict(list)
    for item in items:
        if not item.split:
            members[units.find(item.cluster_key)].append(item.id)
    groups = []
    for ids in members.values():
        if len({by_id[i].cluster_key for i in ids}) < 2:
            continue
        why = {i: _why(i, best, by_id) for i in ids}
        groups.append(StoryGroup(tuple(sorted(ids)), why))
    return tuple(sorted(groups, key=lambda g: g.members[0]))


def _stronger(new: Link, old: Link) -> bool:
    return (new.score, -new.a, -new.b) > (old.score, -old.a, -old.b)


def _why(article_id: int, best: Mapping[int, Link], by_id: Mapping[int, StoryItem]) -> str:
    link = best.get(article_id)
    if link is None:
        return "near-duplicate copy of a member"
    other = link.b if link.a == article_id else link.a
    return link.explain(other, by_id[other].outlet)


def regroup_period(
    store: StoryPorts, period: str, matcher: EntityMatcher, settings: StoriesSettings, now: datetime
) -> StorySave:
    """Group the period's stored articles again and store the stories (idempotent:
    new articles join existing stories, ids of unchanged stories stay)."""
    items = [
        story_item(
            id=i.id,
            outlet=i.outlet,
            published_at=i.published_at,
            title=i.title,
            lead=i.lead,
            tags=i.tags,
            matcher=matcher,
            cluster_key=i.cluster_id,
            split=i.split,
        )
        for i in store.story_inputs(period, LEAD_CHARS)
    ]
    return store.save_stories(period, group_stories(items, settings), now)
