"""The store: the only package that imports SQLAlchemy.

``Store`` wraps one engine (SQLite or Postgres) and offers the operations the
stages need, each in its own transaction. Values in and out are the frozen
dataclasses of :mod:`pipeline.types`; ORM/Core rows never leave.
"""

from __future__ import annotations

from pipeline.store.accounts import AccountStore, User, WebSession
from pipeline.store.articles import ArticleStore
from pipeline.store.backfill import BackfillStore
from pipeline.store.base import StoreBase
from pipeline.store.curation import (
    CurationStore,
    DecisionChange,
    DecisionConflict,
    DecisionOutcome,
    StoredDecision,
)
from pipeline.store.engine import OpenMode
from pipeline.store.feeds import FeedStore
from pipeline.store.gaps import GapStore
from pipeline.store.leases import LeaseStore
from pipeline.store.maintenance import MaintenanceStore
from pipeline.store.queue import HistoryEntry, QueueItem, QueuePage, QueueQuery, QueueStore
from pipeline.store.reading import ArticleView, DecisionView, ReadingStore, TagView
from pipeline.store.rework import ReworkStore, StoredPage, StoredText
from pipeline.store.stories import (
    StoryInput,
    StoryMember,
    StorySave,
    StorySplit,
    StoryStore,
    StoryView,
)


class Store(
    BackfillStore,
    FeedStore,
    ArticleStore,
    CurationStore,
    QueueStore,
    AccountStore,
    ReadingStore,
    ReworkStore,
    LeaseStore,
    MaintenanceStore,
    GapStore,
    StoryStore,
    StoreBase,
):
    """All store operations on one database."""


__all__ = [
    "ArticleView",
    "DecisionChange",
    "DecisionConflict",
    "DecisionOutcome",
    "DecisionView",
    "HistoryEntry",
    "OpenMode",
    "QueueItem",
    "QueuePage",
    "QueueQuery",
    "Store",
    "StoredDecision",
    "StoredPage",
    "StoredText",
    "StoryInput",
    "StoryMember",
    "StorySave",
    "StorySplit",
    "StoryView",
    "TagView",
    "User",
    "WebSession",
]
