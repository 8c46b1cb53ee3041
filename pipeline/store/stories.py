"""Stories across outlets: what grouping reads, what it writes, analysts' splits.

:meth:`StoryStore.story_inputs` reads a period's relevant articles as
grouping needs them; :meth:`StoryStore.save_stories` writes the groups of
:func:`pipeline.article.stories.group_stories` in one transaction, keeping the
id of a story whose members stay together (so an id an analyst wrote down
still means the same story after new articles joined it);
:meth:`StoryStore.split_from_story` records an analyst's split, which every
later grouping honours.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from pipeline.store.base import StoreBase
from pipeline.store.reading import LEAD_CHARS
from pipeline.store.schema import articles, stories, story_splits, tags
from pipeline.types import StoryGroup


@dataclass(frozen=True)
class StoryInput:
    """One relevant article as story grouping reads it."""

    id: int
    outlet: str | None
    published_at: datetime
    title: str
    lead: str  # the summary and the start of the text
    tags: tuple[tuple[str, str], ...]  # (kind, name) of its actor and country tags
    cluster_id: int | None
    story_id: int | None
    split: bool  # an analyst split it off a story


@dataclass(frozen=True)
class StoryMember:
    article_id: int
    title: str
    outlet: str | None
    language: str | None
    published_at: datetime
    url: str
    cluster_id: int | None
    reason: str | None  # why it is in the story


@dataclass(frozen=True)
class StoryView:
    id: int
    period: str
    members: tuple[StoryMember, ...]  # oldest first

    @property
    def outlets(self) -> tuple[str, ...]:
        return tuple(sorted({m.outlet or "?" for m in self.members}))


@dataclass(frozen=True)
class StorySplit:
    """An analyst's split: the article left ``story_id`` (then ``members``)."""

    article_id: int
    story_id: int
    members: tuple[int, ...]
    analyst: str
    note: str | None
    split_at: datetime


@dataclass(frozen=True)
class StorySave:
    """What one :meth:`StoryStore.save_stories` changed."""

    stories: int  # stories of the period after the save
    created: int
    removed: int
    articles_changed: int  # articles whose story or reason changed


class StoryStore(StoreBase):
    def story_inputs(self, period: str) -> list[StoryInput]:
        """The period's relevant articles, oldest first, with their actor and country tags."""
        lead = func.substr(func.coalesce(articles.c.text, ""), 1, LEAD_CHARS)
        split_ids = select(story_splits.c.article_id)
        query = (
            select(
                articles.c.id, articles.c.outlet, articles.c.published_at, articles.c.title,
                articles.c.summary, lead.label("lead"), articles.c.cluster_id,
                articles.c.story_id, articles.c.id.in_(split_ids).label("split"),
            )
            .where(articles.c.period == period, articles.c.relevant.is_(True))
            .order_by(articles.c.published_at, articles.c.id)
        )  # fmt: skip
        with self.read() as conn:
            rows = conn.execute(query).all()
            tag_map = _story_tags(conn, [r.id for r in rows])
        return [
            StoryInput(
                id=r.id,
                outlet=r.outlet,
                published_at=r.published_at,
                title=r.title or "",
                lead=" ".join(p for p in (r.summary, r.lead) if p),
                tags=tag_map.get(r.id, ()),
                cluster_id=r.cluster_id,
                story_id=r.story_id,
                split=bool(r.split),
            )
            for r in rows
        ]

    def save_stories(self, period: str, groups: Sequence[StoryGroup], now: datetime) -> StorySave:
        """Make the period's stories exactly ``groups``; idempotent.

        A group takes the existing story id most of its members had (ties: the
        lowest), unless an earlier group took it; otherwise a new story. Articles
        of the period in no group lose their story; stories left empty go.
        """
        with self.write() as conn:
            current = dict(
                conn.execute(
                    select(articles.c.id, articles.c.story_id).where(
                        articles.c.period == period, articles.c.story_id.is_not(None)
                    )
                ).all()
            )
            reasons = dict(
                conn.execute(
                    select(articles.c.id, articles.c.story_reason).where(
                        articles.c.period == period, articles.c.story_id.is_not(None)
                    )
                ).all()
            )
            wanted, created = self._story_ids(conn, period, groups, current, now)
            changed = _assign(conn, groups, wanted, current, reasons, now)
            changed += _release(conn, set(current) - {m for g in groups for m in g.members})
            used = set(wanted.values())
            gone = conn.execute(
                delete(stories).where(stories.c.period == period, stories.c.id.not_in(used))
            ).rowcount
        return StorySave(len(used), created, int(gone or 0), changed)

    def _story_ids(
        self,
        conn: Connection,
        period: str,
        groups: Sequence[StoryGroup],
        current: dict[int, int],
        now: datetime,
    ) -> tuple[dict[int, int], int]:
        """Group index → story id, creating the stories that are new."""
        taken: set[int] = set()
        wanted: dict[int, int] = {}
        created = 0
        for index, group in enumerate(groups):
            votes = Counter(current[m] for m in group.members if m in current)
            ranked = sorted(votes, key=lambda sid: (-votes[sid], sid))
            story_id = next((sid for sid in ranked if sid not in taken), None)
            if story_id is None:
                result = conn.execute(
                    insert(stories).values(period=period, created_at=now, updated_at=now)
                )
                story_id = int(result.inserted_primary_key[0])  # type: ignore[index]
                created += 1
            taken.add(story_id)
            wanted[index] = story_id
        return wanted, created

    def stories(self, period: str) -> list[StoryView]:
        """The period's stories, by id, each with its members oldest first."""
        query = (
            select(
                articles.c.story_id, articles.c.id, articles.c.title, articles.c.outlet,
                articles.c.language, articles.c.published_at, articles.c.canonical_url,
                articles.c.cluster_id, articles.c.story_reason,
            )
            .where(articles.c.period == period, articles.c.story_id.is_not(None))
            .order_by(articles.c.story_id, articles.c.published_at, articles.c.id)
        )  # fmt: skip
        with self.read() as conn:
            rows = conn.execute(query).all()
        members: dict[int, list[StoryMember]] = defaultdict(list)
        for r in rows:
            members[r.story_id].append(
                StoryMember(
                    r.id,
                    r.title or "",
                    r.outlet,
                    r.language,
                    r.published_at,
                    r.canonical_url,
                    r.cluster_id,
                    r.story_reason,
                )
            )
        return [StoryView(sid, period, tuple(ms)) for sid, ms in members.items()]

    def story_of(self, article_id: int) -> StoryView | None:
        """The story an article is in, or None."""
        with self.read() as conn:
            row = conn.execute(
                select(articles.c.story_id, articles.c.period).where(articles.c.id == article_id)
            ).first()
        if row is None or row.story_id is None:
            return None
        return next((s for s in self.stories(row.period) if s.id == row.story_id), None)

    def split_from_story(
        self, article_id: int, analyst: str, now: datetime, note: str | None = None
    ) -> StorySplit:
        """Take an article out of its story, for good; the split row is the audit.

        Raises ``LookupError`` when the article does not exist or is in no story.
        A story left with one outlet's article (or one cluster) is dissolved by
        the next grouping, not here: grouping alone decides what a story is.
        """
        with self.write() as conn:
            row = conn.execute(
                select(articles.c.story_id).where(articles.c.id == article_id)
            ).first()
            if row is None:
                raise LookupError(f"stories: no article #{article_id}")
            if row.story_id is None:
                raise LookupError(f"stories: article #{article_id} is in no story")
            members = tuple(
                conn.execute(
                    select(articles.c.id)
                    .where(articles.c.story_id == row.story_id)
                    .order_by(articles.c.id)
                ).scalars()
            )
            split = StorySplit(article_id, row.story_id, members, analyst, note, now)
            conn.execute(
                insert(story_splits).values(
                    article_id=article_id,
                    story_id=row.story_id,
                    members=list(members),
                    analyst=analyst,
                    note=note,
                    split_at=now,
                )
            )
            conn.execute(
                update(articles)
                .where(articles.c.id == article_id)
                .values(story_id=None, story_reason=None)
            )
        return split

    def story_splits(self, period: str) -> list[StorySplit]:
        """Every split of an article of ``period``, oldest first (the audit trail)."""
        query = (
            select(story_splits)
            .join(articles, articles.c.id == story_splits.c.article_id)
            .where(articles.c.period == period)
            .order_by(story_splits.c.split_at, story_splits.c.id)
        )
        with self.read() as conn:
            return [
                StorySplit(
                    r.article_id, r.story_id, tuple(r.members), r.analyst, r.note, r.split_at
                )
                for r in conn.execute(query)
            ]


def _story_tags(conn: Connection, ids: list[int]) -> dict[int, tuple[tuple[str, str], ...]]:
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        query = (
            select(tags.c.article_id, tags.c.kind, tags.c.name)
            .where(tags.c.article_id.in_(ids[start : start + 500]))
            .where(tags.c.kind.in_(("actor", "country")))
            .order_by(tags.c.article_id, tags.c.kind, tags.c.name)
        )
        for aid, kind, name in conn.execute(query):
            out[aid].append((kind, name))
    return {aid: tuple(pairs) for aid, pairs in out.items()}


def _assign(
    conn: Connection,
    groups: Sequence[StoryGroup],
    wanted: dict[int, int],
    current: dict[int, int],
    reasons: dict[int, str | None],
    now: datetime,
) -> int:
    changed = 0
    touched: set[int] = set()
    for index, group in enumerate(groups):
        story_id = wanted[index]
        for member in group.members:
            reason = group.why.get(member)
            if current.get(member) == story_id and reasons.get(member) == reason:
                continue
            conn.execute(
                update(articles)
                .where(articles.c.id == member)
                .values(story_id=story_id, story_reason=reason)
            )
            changed += 1
            touched.add(story_id)
    if touched:
        conn.execute(update(stories).where(stories.c.id.in_(touched)).values(updated_at=now))
    return changed


def _release(conn: Connection, ids: Iterable[int]) -> int:
    ids = sorted(ids)
    for start in range(0, len(ids), 500):
        conn.execute(
            update(articles)
            .where(articles.c.id.in_(ids[start : start + 500]))
            .values(story_id=None, story_reason=None)
        )
    return len(ids)
