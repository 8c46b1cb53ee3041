"""Runs one golden page fixture through the pure article stages, in ingest order.

This mirrors what the ingest orchestrator does with a fetched page (it is the
test's own composition, not a second orchestrator): extract, choose the body,
date, language, opinion, syndication credit, canonical URL.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import extract, isolation
from pipeline.article import dates, language, opinion, syndication, urls
from pipeline.types import ExtractedPage, LanguageResult
from tests.fixtures.expected import load_expected, when

PAGES = Path(__file__).parent / "pages"


@dataclass(frozen=True)
class Processed:
    page: ExtractedPage
    body: extract.BodyChoice
    date: dates.EffectiveDate
    language: LanguageResult
    opinion: tuple[bool, str | None]
    credit: tuple[str, str] | None
    canonical_url: str


def spec_for(html_path: Path) -> dict[str, Any]:
    return load_expected(html_path.with_name(html_path.stem + ".expected.json"))


def extract_fixture(html_path: Path, spec: dict[str, Any]) -> ExtractedPage:
    body = html_path.read_bytes()
    slow = spec.get("simulate_slow_s")
    if slow is None:
        return extract.extract_page(body, spec["url"], content_type=spec.get("content_type"))
    task = functools.partial(isolation.sleep_then_call, slow, extract.extract_task)
    with extract.ExtractorPool(1, deadline_s=spec["deadline_s"], task=task) as pool:
        return pool.extract(body, spec["url"], spec.get("content_type"))


def process(html_path: Path) -> Processed:
    spec = spec_for(html_path)
    feed = spec.get("feed", {})
    outlet = spec.get("outlet", {})
    page = extract_fixture(html_path, spec)
    body = extract.choose_body(page, feed.get("summary", ""))
    title = page.title or feed.get("title", "")
    published = feed.get("published")
    date = dates.effective_date(
        when(published) if published else None,
        feed.get("published_raw"),
        page.date_candidates or page.date_raw,
        when(spec["first_seen"]),
        when(spec["now"]),
    )
    lang = language.detect_language(
        title,
        body.text,
        html_lang=page.html_lang,
        outlet_languages=outlet.get("languages", []),
        feed_language=feed.get("language"),
    )
    return Processed(
        page=page,
        body=body,
        date=date,
        language=lang,
        opinion=opinion.detect_opinion(
            spec["url"], title, page, outlet.get("commentary_only", False)
        ),
        credit=syndication.detect_credit(body.text, title, language=lang.language),
        canonical_url=urls.resolve_canonical(page.canonical_url, spec["url"]),
    )
