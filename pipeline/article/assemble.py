"""Turn one fetched (or unfetchable) entry into an article record (pure).

Composes the article stages in order: text hygiene → dates → period →
language → outlet → opinion → syndication credit → tags → dedup keys. No I/O;
the orchestrator passes in everything, ``now`` included.

The builders of single columns (:func:`outlet_columns`,
:func:`article_language`, :func:`article_opinion`, :func:`tag_input`) are
public so that rework (``retag``, ``reflag``, ``reextract``) and ``vric tag``
derive a value exactly as ingest did; ``reextract`` runs :func:`assemble`
itself and keeps what :data:`REEXTRACT_COLUMNS` lists.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pipeline.article import dates, duplicates, language, opinion, syndication, text, urls
from pipeline.article.identity import sha256
from pipeline.article.language import DEFAULT_ACCEPTED
from pipeline.outlets import Registry
from pipeline.periods import period_for
from pipeline.tagging import CompiledRules, tag
from pipeline.types import (
    ArticleRecord,
    EntryRow,
    ExtractedPage,
    LanguageResult,
    OutletColumns,
    OutletMatch,
    TagInput,
    TagResult,
)


@dataclass(frozen=True)
class AssembleContext:
    registry: Registry
    rules: CompiledRules
    period_start: str = "even"
    timezone: str = "UTC"
    min_text_chars: int = 300
    accepted_languages: tuple[str, ...] = ("es", "pt", "en")
    keep_raw_days: int = 0


@dataclass(frozen=True)
class PageOutcome:
    """What fetching and extracting the entry's page gave."""

    final_url: str
    page: ExtractedPage | None  # None when the page could not be fetched
    failure: str | None = None  # fetch error code or extraction status
    raw_html: bytes | None = None
    fetched_at: datetime | None = None


def article_url(entry: EntryRow, outcome: PageOutcome) -> str:
    """The canonical URL: the page's own rel=canonical when it stays on site."""
    page_canonical = outcome.page.canonical_url if outcome.page else None
    return urls.canonicalize(urls.resolve_canonical(page_canonical, outcome.final_url))


# What a new extraction of the same page changes: the text and everything
# derived from it. Identity (URLs, date, period, cluster) and the outlet stay.
REEXTRACT_COLUMNS: tuple[str, ...] = (
    "title", "title_key", "author", "text", "word_count", "truncated", "extraction_status",
    "language", "language_prob", "language_source", "content_hash", "minhash",
    "is_opinion", "opinion_reason", "syndicated_from", "syndication_evidence",
    "relevant", "score", "section", "rules_version",
)  # fmt: skip


def lookup_outlet(
    ctx: AssembleContext, entry: EntryRow, url: str, at: datetime
) -> OutletMatch | None:
    return ctx.registry.lookup(url, source_url=entry.source_url, at=at)


def outlet_columns(outlet: OutletMatch | None, registry_version: str | None) -> OutletColumns:
    """The article columns the registry decides."""
    return OutletColumns(
        outlet=outlet.outlet if outlet else None,
        state_media=bool(outlet and outlet.state_media),
        controlling_state=outlet.controlling_state if outlet else "none",
        ownership=outlet.ownership if outlet else None,
        cap_policy=outlet.cap_policy if outlet else None,
        registry_version=registry_version,
    )


def article_language(
    title: str,
    body: str,
    page: ExtractedPage | None,
    outlet: OutletMatch | None,
    feed_language: str | None,
    accepted: Sequence[str] = DEFAULT_ACCEPTED,
) -> LanguageResult:
    """The article's language from its text and what page, outlet and feed declare."""
    return language.detect_language(
        title,
        body,
        html_lang=page.html_lang if page else None,
        outlet_languages=outlet.languages if outlet else (),
        feed_language=feed_language,
        accepted=accepted,
    )


def article_opinion(
    url: str,
    title: str,
    page: ExtractedPage | None,
    outlet: OutletMatch | None,
    language: str | None = None,
) -> tuple[bool, str | None]:
    """(is_opinion, reason) from the URL, title, page labels and the outlet, then the
    text's cues in the article's ``language`` (None: the cues of every language)."""
    commentary = bool(outlet and outlet.commentary_only)
    return opinion.detect_opinion(url, title, page, commentary, language=language)


def tag_input(title: str, lead: str, body: str, language: str | None, url: str | None) -> TagInput:
    """What the tagger reads of an article."""
    return TagInput(title=title, lead=lead, body=body, language=language, url=url)


def _body_and_status(entry: EntryRow, outcome: PageOutcome, min_chars: int) -> tuple[str, str]:
    page = outcome.page
    if page is not None and page.status == "ok" and len(page.text) >= min_chars:
        return page.text, "ok"
    reason = outcome.failure or (page.status if page else "not_fetched")
    if page is not None and page.status == "ok":
        reason = "short"
    if page is not None and page.text and len(page.text) > len(entry.summary):
        return page.text, f"partial:{reason}"
    return entry.summary, f"summary:{reason}"


def assemble(
    entry: EntryRow, outcome: PageOutcome, ctx: AssembleContext, now: datetime
) -> ArticleRecord:
    page = outcome.page
    canonical = article_url(entry, outcome)
    body, status = _body_and_status(entry, outcome, ctx.min_text_chars)
    title = (page.title if page and page.title else None) or entry.title
    title, t1 = text.cap(text.clean(title), text.FIELD_CAPS["title"])
    body, t2 = text.cap(text.clean(body), text.FIELD_CAPS["text"])
    summary, t3 = text.cap(text.clean(entry.summary), text.FIELD_CAPS["summary"])

    when = dates.effective_date(
        entry.published,
        entry.published_raw,
        (page.date_candidates or page.date_raw) if page else None,
        entry.discovered_at,
        now,
    )
    outlet = lookup_outlet(ctx, entry, canonical, when.value)
    feed_language = entry.language or entry.feed_language
    lang = article_language(title, body, page, outlet, feed_language, ctx.accepted_languages)
    is_op, op_reason = article_opinion(canonical, title, page, outlet, lang.language)
    credit = (
        None
        if (outlet and outlet.state_media)
        else syndication.detect_credit(body, title, language=lang.language)
    )
    tags = tag(tag_input(title, summary, body, lang.language, canonical), ctx.rules)
    return ArticleRecord(
        url_key=sha256(canonical),
        canonical_url=canonical,
        original_url=entry.url,
        alias_key=sha256(urls.alias_key(canonical)),
        title=title,
        published_at=when.value,
        date_source=when.source,
        date_raw=when.raw,
        date_flags=",".join(when.flags) or None,
        first_seen=entry.discovered_at,
        fetched_at=outcome.fetched_at,
        period=period_for(when.value, start=ctx.period_start, tz=ctx.timezone).name,
        extraction_status=status,
        domain=urlsplit(canonical).hostname,
        author=_author(page, entry),
        summary=summary,
        text=body,
        word_count=len(body.split()),
        truncated=t1 or t2 or t3 or entry.truncated,
        language=lang.language,
        language_prob=lang.probability,
        language_source=lang.source,
        content_hash=duplicates.content_hash(body) if status == "ok" else None,
        title_key=_title_key(title),
        minhash=duplicates.minhash(body) if len(body) >= ctx.min_text_chars else None,
        is_opinion=is_op,
        opinion_reason=op_reason,
        **asdict(outlet_columns(outlet, ctx.registry.version)),
        syndicated_from=credit[0] if credit else None,
        syndication_evidence=credit[1] if credit else None,
        **_tag_columns(tags),
        **_raw(outcome, ctx, now),
    )


def _title_key(title: str) -> str | None:
    """Hashed so any title fits the indexed column."""
    key = duplicates.title_key(title)
    return sha256(key) if key else None


def _tag_columns(result: TagResult) -> dict[str, Any]:
    return {
        "relevant": result.relevant,
        "score": result.score,
        "section": result.section,
        "rules_version": result.rules_version,
        "tags": result.all_tags(),
    }


def _author(page: ExtractedPage | None, entry: EntryRow) -> str | None:
    author = (page.author if page and page.author else None) or entry.author
    return text.cap(text.clean(author), text.FIELD_CAPS["author"])[0] if author else None


def _raw(outcome: PageOutcome, ctx: AssembleContext, now: datetime) -> dict[str, Any]:
    if not ctx.keep_raw_days or outcome.raw_html is None:
        return {}
    return {
        "raw_html": zlib.compress(outcome.raw_html, 6),
        "raw_expires": now + timedelta(days=ctx.keep_raw_days),
    }
