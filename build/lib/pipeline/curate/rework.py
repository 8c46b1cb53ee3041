"""Re-applying automation to stored articles after a rules, registry or
extractor upgrade: ``retag``, ``reflag``, ``reextract``.

Each returns what changed, one line per article, so the operator can read
what an upgrade did. Analyst decisions are never touched: they live in their
own table and the bundle applies them over whatever automation says.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pipeline.article.text import FIELD_CAPS, cap, clean
from pipeline.config import Config
from pipeline.extract import ExtractorPool
from pipeline.outlets import Registry, diff_flags
from pipeline.store import Store, StoredText, TagView
from pipeline.tagging import CompiledRules, diff_tags, tag
from pipeline.types import Match, Tag, TagInput, TagResult

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
    item = TagInput(title=row.title, lead=row.summary, body=row.text,
                    language=row.language, url=row.url)  # fmt: skip
    return tag(item, rules)


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
        new = registry.lookup(row.url, at=row.published_at)
        old_state = (row.state_media, row.controlling_state, row.cap_policy, row.outlet)
        new_state = (
            bool(new and new.state_media), new.controlling_state if new else "none",
            new.cap_policy if new else None, new.outlet if new else None,
        )  # fmt: skip
        if old_state == new_state:
            continue
        old = registry.get(row.outlet, at=row.published_at) if row.outlet else None
        store.update_article(row.id, {
            "state_media": new_state[0], "controlling_state": new_state[1],
            "cap_policy": new_state[2], "outlet": new_state[3],
            "ownership": new.ownership if new else None, "registry_version": registry.version,
        })  # fmt: skip
        what = diff_flags(old, new) or f"outlet: {row.outlet} -> {new_state[3]}"
        yield Change(row.id, row.url, (what,))


def reextract(store: Store, config: Config, period: str, pool: ExtractorPool) -> Iterator[Change]:
    """Re-run extraction on kept raw HTML, then re-tag the article."""
    rules = config.compiled_rules
    min_chars = config.settings.ingest.min_text_chars
    for batch in _batches(store.raw_pages(period), size=50):
        pages = list(pool.map([(html, url) for _, url, html in batch]))
        for (article_id, url, _), page in zip(batch, pages, strict=True):
            if page.status != "ok" or len(page.text) < min_chars:
                yield Change(article_id, url, (f"extraction: {page.status}, kept the old text",))
                continue
            text, truncated = cap(clean(page.text), FIELD_CAPS["text"])
            store.update_article(article_id, {
                "text": text, "truncated": truncated, "extraction_status": "ok",
                "word_count": len(text.split()),
            })  # fmt: skip
            yield Change(article_id, url, ("text re-extracted",))
    yield from retag(store, rules, period)


def _batches(rows: Any, size: int = 200) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
