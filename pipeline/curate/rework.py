"""Re-applying automation to stored articles after a rules, registry or
extractor upgrade: ``retag``, ``reflag``, ``reextract``.

Each returns what changed, one line per article, so the operator can read
what an upgrade did. Analyst decisions are never touched: they live in their
own table and the bundle applies them over whatever automation says.

Each value is derived by the builder that made it at ingest
(:mod:`pipeline.article.assemble`): ``retag`` reads the article as the tagger
read it then, ``reflag`` looks the outlet up with the entry's aggregator link,
and ``reextract`` assembles the page again and keeps every column that
depends on the text (:data:`~pipeline.article.assemble.REEXTRACT_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pipeline.article import assemble
from pipeline.article.assemble import PageOutcome, outlet_columns, tag_input
from pipeline.config import Config
from pipeline.extract import ExtractorPool
from pipeline.ingest.articles import assemble_context
from pipeline.outlets import Registry, diff_flags
from pipeline.store import Store, StoredText, TagView
from pipeline.tagging import CompiledRules, diff_tags, tag
from pipeline.types import ArticleRecord, Match, Tag, TagResult

KINDS = ("actor", "topic", "country", "flag")


@dataclass(frozen=True)
class Change:
    article_id: int
    url: str
    lines: tuple[str, ...]


def stored_result(row: StoredText, tags: list[TagView]) -> TagResult:
    """The stored tags as a TagResult, to diff against a fresh one."""
    by_kind: dict[str, list[Tag]] = {k: [] for k in KINDS}
    for t in tags:
        matches = tuple(Match(**m) for m in t.matches)
        by_kind.setdefault(t.kind, []).append(Tag(t.kind, t.name, t.score, matches, t.detail))
    return TagResult(
        actors=tuple(by_kind["actor"]), topics=tuple(by_kind["topic"]),
        countries=tuple(by_kind["country"]), flags=tuple(by_kind["flag"]),
        relevant=row.relevant, section=row.section, rules_version=row.rules_version or "",
        score=row.score,
    )  # fmt: skip


def tag_row(row: StoredText, rules: CompiledRules) -> TagResult:
    return tag(tag_input(row.title, row.summary, row.text, row.language, row.url), rules)


def retag(store: Store, rules: CompiledRules, period: str | None = None) -> Iterator[Change]:
    """Apply the current rules; store the new tags with the rules version."""
    for batch in _batches(store.iter_texts(period)):
        stored = store.stored_tags([r.id for r in batch])
        for row in batch:
            new = tag_row(row, rules)
            lines = diff_tags(stored_result(row, stored.get(row.id, [])), new)
            if lines or row.rules_version != new.rules_version:
                store.replace_tags(row.id, new.all_tags(), _derived(new), new.rules_version)
            if lines:
                yield Change(row.id, row.url, tuple(lines))


def _derived(result: TagResult) -> dict[str, Any]:
    return {"relevant": result.relevant, "score": result.score, "section": result.section}


def reflag(store: Store, registry: Registry, period: str | None = None) -> Iterator[Change]:
    """Apply the current registry to each article's publication date."""
    for row in store.iter_texts(period):
        new = registry.lookup(row.url, source_url=row.source_url, at=row.published_at)
        columns = outlet_columns(new, registry.version)
        old_state = (row.state_media, row.controlling_state, row.cap_policy, row.outlet)
        new_state = (columns.state_media, columns.controlling_state, columns.cap_policy,
                     columns.outlet)  # fmt: skip
        if old_state == new_state:
            continue
        old = registry.get(row.outlet, at=row.published_at) if row.outlet else None
        store.update_outlet(row.id, columns)
        what = diff_flags(old, new) or f"outlet: {row.outlet} -> {columns.outlet}"
        yield Change(row.id, row.url, (what,))


def reextract(
    store: Store,
    config: Config,
    period: str,
    pool: ExtractorPool,
    now: datetime | None = None,
) -> Iterator[Change]:
    """Re-run extraction on kept raw HTML and assemble the article again: its
    text and every column derived from it are replaced; then re-tag the period."""
    ctx = assemble_context(config)
    now = now or datetime.now(UTC)
    for batch in _batches(store.rework_pages(period), size=50):
        pages = list(pool.map([(p.html, p.article.url) for p in batch]))
        stored = store.stored_tags([p.article.id for p in batch])
        for item, page in zip(batch, pages, strict=True):
            row = item.article
            if page.status != "ok" or len(page.text) < ctx.min_text_chars:
                yield Change(row.id, row.url, (f"extraction: {page.status}, kept the old text",))
                continue
            outcome = PageOutcome(row.url, page, None, item.html, item.fetched_at)
            record = assemble.assemble(item.entry, outcome, ctx, now)
            store.refresh_article(row.id, record, assemble.REEXTRACT_COLUMNS)
            old_tags = stored_result(row, stored.get(row.id, []))
            lines = _reextract_lines(row, record, old_tags)
            yield Change(row.id, row.url, ("text re-extracted", *lines))
    yield from retag(store, config.compiled_rules, period)


def _reextract_lines(row: StoredText, record: ArticleRecord, old: TagResult) -> list[str]:
    lines = []
    if row.language != record.language:
        lines.append(f"language: {row.language} -> {record.language}")
    by_kind = {k: tuple(t for t in record.tags if t.kind == k) for k in KINDS}
    new = TagResult(
        actors=by_kind["actor"], topics=by_kind["topic"], countries=by_kind["country"],
        flags=by_kind["flag"], relevant=record.relevant, section=record.section,
        rules_version=record.rules_version or "", score=record.score,
    )  # fmt: skip
    return lines + diff_tags(old, new)


def _batches(rows: Any, size: int = 200) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
