"""The workbench's review queue: one period's candidates filtered, searched,
sorted and paged in the database; counts per section and status; an
article's whole decision history.

An item's status and section are the ones the CSV export and the bundle read
(:func:`pipeline.curate.views.status_of` and ``effective_section``): the
latest analyst decision's status (``candidate`` when none) and its section
when set, else the automatic one. Here they are computed in SQL so a filter
on them runs in the database: the latest decision is the row whose
``version`` is the article's ``decision_version`` (every decision row bumps
it by exactly one and records the value it made, see
:mod:`pipeline.store.curation`), the same row :func:`decisions_for` picks.

Full text: SQLite FTS5 (``articles_fts``) and Postgres ``tsvector``
(``articles.search``), both from migration 0011. What a user types is never
handed to either parser as syntax: on Postgres ``websearch_to_tsquery``
accepts any text; for FTS5 :func:`fts5_query` rebuilds the query from quoted
terms. Every value is a bound parameter.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql import FromClause

from pipeline.store.base import StoreBase
from pipeline.store.curation import STATUSES, StoredDecision
from pipeline.store.reading import DecisionView
from pipeline.store.schema import articles, decisions, tags

SORTS = ("score", "date")
PER_PAGE_MAX = 500
OutletInfo = Callable[[str | None], tuple[str | None, str | None]]  # id -> (name, country)


@dataclass(frozen=True)
class QueueQuery:
    """One page of a period's review queue. None = no filter on that field."""

    period: str
    section: str | None = None  # the effective section
    status: str | None = None  # candidate | included | excluded
    q: str | None = None  # full text over title and text
    actor: str | None = None
    topic: str | None = None
    country: str | None = None  # a LAC country the article is tagged with
    outlet: str | None = None  # outlet id, or the host when the outlet is unknown
    language: str | None = None
    state_media: bool | None = None
    opinion: bool | None = None
    score_min: float | None = None
    score_max: float | None = None
    sort: str = "score"  # score (highest first) | date (newest first)
    page: int = 1
    per_page: int = 50

    def check(self) -> None:
        """ValueError naming the field when a value is out of range."""
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.sort not in SORTS:
            raise ValueError(f"sort {self.sort!r} is not one of {', '.join(SORTS)}")
        if self.page < 1:
            raise ValueError("page must be 1 or more")
        if not 1 <= self.per_page <= PER_PAGE_MAX:
            raise ValueError(f"per_page must be between 1 and {PER_PAGE_MAX}")


@dataclass(frozen=True)
class QueueItem:
    id: int
    title: str
    outlet: str | None  # outlet id, or the host when the registry did not know it
    outlet_name: str | None  # from the registry (None without one)
    country: str | None  # the outlet's country, from the registry
    state_media: bool
    status: str
    section: str | None  # effective: the analyst's, else the automatic one
    score: float
    published: date | None
    url: str
    version: int  # the decision revision to send back with a decision
    language: str | None
    is_opinion: bool
    actors: tuple[str, ...]
    topics: tuple[str, ...]
    countries: tuple[str, ...] = ()  # the LAC countries it is tagged with


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int  # matching items over all pages


@dataclass(frozen=True)
class HistoryEntry(DecisionView):
    """One decision of an article's audit trail (a DecisionView plus where it came from)."""

    source: str | None = None  # the imported file name, "web", ...
    overrode: StoredDecision | None = None  # what a forced decision replaced


# ---------------------------------------------------------------- SQL pieces
_latest = decisions.alias("latest")
_WITH_LATEST: FromClause = articles.outerjoin(
    _latest,
    and_(_latest.c.article_id == articles.c.id, _latest.c.version == articles.c.decision_version),
)
STATUS = func.coalesce(_latest.c.status, "candidate")
SECTION = func.coalesce(func.nullif(_latest.c.section, ""), articles.c.section)
_TAG_KINDS = ("actor", "topic", "country")
_FTS = table("articles_fts", column("rowid"))  # SQLite only (migration 0011)


def _in_queue(period: str) -> list[ColumnElement[bool]]:
    """The period's candidates: tagged relevant, or decided by an analyst (an
    included article stays in the queue, and the bundle, whatever its score)."""
    decided = articles.c.decision_version > 0
    return [articles.c.period == period, or_(articles.c.relevant.is_(True), decided)]


def _tagged(kind: str, name: str) -> ColumnElement[bool]:
    return exists().where(tags.c.article_id == articles.c.id, tags.c.kind == kind,
                          tags.c.name == name)  # fmt: skip


_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_WORDS = re.compile(r"\w+")


def fts5_query(text: str) -> str | None:
    """An FTS5 MATCH expression for what a user typed, in the spirit of
    Postgres ``websearch_to_tsquery``: words (all must match), ``"a phrase"``,
    ``or`` between alternatives, ``-word`` to exclude, ``word*`` for a prefix.
    Every term is re-quoted, so no input can be an FTS5 syntax error. None when
    nothing searchable is left (only punctuation, or only exclusions: see
    :func:`fts5_exclusions`)."""
    alternatives, excluded = _fts5_parts(text)
    if not alternatives:
        return None
    expr = " OR ".join(alternatives)
    return f"({expr})" + "".join(f" NOT {t}" for t in excluded)


def fts5_exclusions(text: str) -> str | None:
    """For a search made only of exclusions (``-petróleo``): the MATCH of what
    is excluded, so the queue keeps the articles that do *not* match it, as
    ``websearch_to_tsquery`` does on Postgres. None otherwise."""
    alternatives, excluded = _fts5_parts(text)
    return None if alternatives or not excluded else " OR ".join(excluded)


def _fts5_parts(text: str) -> tuple[list[str], list[str]]:
    groups: list[list[str]] = [[]]
    excluded: list[str] = []
    for phrase, word in _TOKEN.findall(text):
        raw = phrase if phrase or not word else word
        if not phrase and raw.lower() == "or":
            if groups[-1]:
                groups.append([])
            continue
        negative = not phrase and raw.startswith("-")
        prefix = not phrase and raw.endswith("*")
        words = _WORDS.findall(raw)
        if not words:
            continue
        term = '"' + " ".join(words) + '"' + (" *" if prefix else "")
        (excluded if negative else groups[-1]).append(term)
    return ["(" + " ".join(g) + ")" for g in groups if g], excluded


class QueueStore(StoreBase):
    def queue(self, query: QueueQuery, *, outlet_info: OutletInfo | None = None) -> QueuePage:
        """One page of the review queue and the number of matching items.

        ``outlet_info`` (e.g. :class:`pipeline.curate.views.OutletCache`) fills
        each item's outlet name and country from the registry. ValueError for
        an out-of-range query (:meth:`QueueQuery.check`).
        """
        query.check()
        conds = self._conditions(query)
        if conds is None:  # a search with nothing searchable in it matches nothing
            return QueuePage([], 0)
        needs_latest = query.status is not None or query.section is not None
        counted = select(func.count()).select_from(_WITH_LATEST if needs_latest else articles)
        with self.read() as conn:
            total = int(conn.execute(counted.where(*conds)).scalar_one())
            if total == 0:
                return QueuePage([], 0)
            ids = [int(i) for i in conn.execute(self._page_ids(query, conds)).scalars()]
            found = {r.id: r for r in conn.execute(_rows(ids))}
            rows = [found[i] for i in ids]
            tag_map = _tag_names(conn, ids)
        items = [_item(r, tag_map[r.id], outlet_info) for r in rows]
        return QueuePage(items, total)

    def section_counts(self, period: str) -> dict[str, dict[str, int]]:
        """Queue items per effective section and status ("" = no section)."""
        query = (
            select(SECTION.label("section"), STATUS.label("status"), func.count())
            .select_from(_WITH_LATEST)
            .where(*_in_queue(period))
            .group_by(SECTION, STATUS)
        )
        out: dict[str, dict[str, int]] = {}
        with self.read() as conn:
            for section, status, n in conn.execute(query):
                out.setdefault(section or "", {})[status] = int(n)
        return out

    def decision_history(self, article_id: int) -> list[HistoryEntry]:
        """Every decision on the article, oldest first (the audit trail)."""
        query = (
            select(decisions)
            .where(decisions.c.article_id == article_id)
            .order_by(func.coalesce(decisions.c.version, 0), decisions.c.id)
        )
        with self.read() as conn:
            return [_history(r._mapping) for r in conn.execute(query)]

    # ------------------------------------------------------------ helpers
    def _conditions(self, query: QueueQuery) -> list[ColumnElement[bool]] | None:
        q = _without_nul(query)
        conds = _in_queue(q.period)
        equal: list[tuple[Any, Any]] = [
            (STATUS, q.status), (SECTION, q.section), (articles.c.language, q.language),
            (articles.c.state_media, q.state_media), (articles.c.is_opinion, q.opinion),
        ]  # fmt: skip
        conds += [column == value for column, value in equal if value is not None]
        if q.outlet is not None:
            conds.append(or_(articles.c.outlet == q.outlet, articles.c.domain == q.outlet))
        for kind, name in zip(_TAG_KINDS, (q.actor, q.topic, q.country), strict=True):
            if name is not None:
                conds.append(_tagged(kind, name))
        if q.score_min is not None:
            conds.append(articles.c.score >= q.score_min)
        if q.score_max is not None:
            conds.append(articles.c.score <= q.score_max)
        if q.q is not None and q.q.strip():
            found = self._search(q.q)
            if found is None:
                return None
            conds.append(found)
        return conds

    def _search(self, text: str) -> ColumnElement[bool] | None:
        if self.dialect == "postgresql":
            tsquery = func.websearch_to_tsquery(literal_column("'vric_search'::regconfig"), text)
            return literal_column("articles.search").op("@@")(tsquery)
        expr = fts5_query(text)
        if expr is None:
            unwanted = fts5_exclusions(text)
            if unwanted is None:
                return None
            match = literal_column("articles_fts").op("MATCH")(unwanted)
            return (articles.c.id + 0).not_in(select(_FTS.c.rowid).where(match))
        matched = select(_FTS.c.rowid).where(literal_column("articles_fts").op("MATCH")(expr))
        # "+ 0" keeps SQLite from looking up every match (all periods) by rowid,
        # reading each row; it scans the period in the queue index and probes
        # the matched ids instead.
        return (articles.c.id + 0).in_(matched)

    @staticmethod
    def _page_ids(q: QueueQuery, conds: list[ColumnElement[bool]]) -> Select[Any]:
        """The page's ids only: filtering and sorting read the queue index
        (ix_articles_queue), not the article rows with their long texts."""
        order = [articles.c.published_at.desc(), articles.c.id.desc()]
        if q.sort == "score":
            order.insert(0, articles.c.score.desc())
        return (
            select(articles.c.id)
            .select_from(_WITH_LATEST)
            .where(*conds)
            .order_by(*order)
            .limit(q.per_page)
            .offset((q.page - 1) * q.per_page)
        )


def _rows(ids: list[int]) -> Select[Any]:
    return select(
        articles.c.id, articles.c.title, articles.c.outlet, articles.c.domain,
        articles.c.state_media, STATUS.label("status"), SECTION.label("section"),
        articles.c.score, articles.c.published_at, articles.c.canonical_url,
        articles.c.decision_version, articles.c.language, articles.c.is_opinion,
    ).select_from(_WITH_LATEST).where(articles.c.id.in_(ids))  # fmt: skip


def _without_nul(q: QueueQuery) -> QueueQuery:
    """Postgres refuses a NUL character in a text parameter; no stored value holds one."""
    cleaned = {f.name: getattr(q, f.name).replace("\x00", " ") for f in fields(q)
               if isinstance(getattr(q, f.name), str)}  # fmt: skip
    return replace(q, **cleaned)


def _tag_names(conn: Connection, ids: list[int]) -> dict[int, dict[str, list[str]]]:
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    if not ids:
        return out
    query = (
        select(tags.c.article_id, tags.c.kind, tags.c.name)
        .where(tags.c.article_id.in_(ids), tags.c.kind.in_(_TAG_KINDS))
        .order_by(tags.c.article_id, tags.c.score.desc(), tags.c.name)
    )
    for aid, kind, name in conn.execute(query):
        out[aid][kind].append(name)
    return out


def _item(r: Any, names: dict[str, list[str]], outlet_info: OutletInfo | None) -> QueueItem:
    outlet_name, country = outlet_info(r.outlet) if outlet_info and r.outlet else (None, None)
    published: datetime | None = r.published_at
    return QueueItem(
        id=int(r.id), title=r.title, outlet=r.outlet or r.domain, outlet_name=outlet_name,
        country=country, state_media=bool(r.state_media), status=r.status, section=r.section,
        score=float(r.score), published=published.date() if published else None,
        url=r.canonical_url, version=int(r.decision_version), language=r.language,
        is_opinion=bool(r.is_opinion), actors=tuple(names.get("actor", ())),
        topics=tuple(names.get("topic", ())), countries=tuple(names.get("country", ())),
    )  # fmt: skip


def _history(m: Any) -> HistoryEntry:
    overrode = None
    if m["overrode"]:
        stored = json.loads(m["overrode"])
        at = stored.get("decided_at")
        overrode = StoredDecision(
            int(stored.get("version") or 0), stored.get("status") or "candidate",
            stored.get("section"), stored.get("note"), stored.get("analyst"),
            datetime.fromisoformat(at) if at else None,
        )  # fmt: skip
    return HistoryEntry(
        m["status"], m["section"], m["analyst"], m["note"], m["decided_at"],
        int(m["version"] or 0), source=m["source"], overrode=overrode,
    )  # fmt: skip
