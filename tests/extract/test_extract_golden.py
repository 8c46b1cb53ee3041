"""Golden page fixtures: fixtures/<name>.html beside <name>.expected.json (es, pt, en)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.article import urls
from tests.extract.golden import PAGES, Processed, process, spec_for

CASES = sorted(PAGES.glob("*.html"))
PAGE_FIELDS = ("status", "title", "author", "date_raw", "section", "html_lang", "sitename")


@pytest.mark.parametrize("html_path", CASES, ids=[p.stem for p in CASES])
def test_golden_page(html_path: Path) -> None:
    spec = spec_for(html_path)
    expect: dict[str, Any] = spec["expect"]
    started = time.monotonic()
    result = process(html_path)
    if "deadline_s" in spec:
        assert time.monotonic() - started < spec["deadline_s"] + 5
    _check_page(result, expect)
    _check_decisions(result, expect)
    for variant in spec.get("url_variants", []):
        assert urls.canonicalize(variant) == expect["canonical_url"], variant


def _check_page(result: Processed, expect: dict[str, Any]) -> None:
    page = result.page
    for name in PAGE_FIELDS:
        if name in expect:
            assert getattr(page, name) == expect[name], name
    for page_type in expect.get("page_types_include", []):
        assert page_type in page.page_types
    for needle in expect.get("text_contains", []):
        assert needle in result.body.text, needle
    for needle in expect.get("text_excludes", []):
        assert needle not in result.body.text, needle
    if "body_source" in expect:
        assert result.body.source == expect["body_source"]
    if "extraction_status" in expect:
        assert result.body.status == expect["extraction_status"]


def _check_decisions(result: Processed, expect: dict[str, Any]) -> None:
    if "canonical_url" in expect:
        assert result.canonical_url == expect["canonical_url"]
    if "date" in expect:
        date = expect["date"]
        assert result.date.value.isoformat() == date["value"]
        assert result.date.source == date["source"]
        assert list(result.date.flags) == date["flags"]
        if "raw" in date:
            assert result.date.raw == date["raw"]
    if "language" in expect:
        assert result.language.language == expect["language"]["language"]
        assert result.language.source == expect["language"]["source"]
    if "opinion" in expect:
        assert list(result.opinion) == expect["opinion"]
    if "syndicated_from" in expect:
        outlet = result.credit[0] if result.credit else None
        assert outlet == expect["syndicated_from"]
    if "credit_evidence_contains" in expect:
        assert result.credit is not None
        assert expect["credit_evidence_contains"] in result.credit[1]
