"""Feed formats: each fixture in feeds/ is parsed and compared with <name>.expected.json."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from pipeline import parse
from pipeline.types import FeedItem, ParsedFeed
from tests.fixtures.expected import load_expected, when

FEEDS = Path(__file__).parent / "feeds"

CASES = sorted(p for p in FEEDS.iterdir() if not p.name.endswith(".expected.json"))
CONTROL_CHARS = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\ufffe", "\uffff"}


def _parse(fixture: Path) -> tuple[ParsedFeed, dict[str, Any]]:
    spec = load_expected(fixture.with_name(fixture.stem + ".expected.json"))
    parsed = parse.parse_feed(
        fixture.read_bytes(),
        spec["headers"],
        spec["base_url"],
        max_items=spec.get("max_items", parse.DEFAULT_MAX_ITEMS),
        now=when(spec["now"]),
    )
    return parsed, spec


def _item_matches(item: FeedItem, expected: dict[str, Any]) -> None:
    actual = asdict(item)
    for key, value in expected.items():
        got = actual[key]
        if key == "published":
            got = got.isoformat() if got is not None else None
        if key == "categories":
            got = list(got)
        assert got == value, f"{key}: {got!r} != {value!r}"


@pytest.mark.parametrize("fixture", CASES, ids=[p.name for p in CASES])
def test_feed_fixture(fixture: Path) -> None:
    parsed, spec = _parse(fixture)
    expect = spec["expect"]
    assert parsed.error_code == expect.get("error_code"), parsed.error_message
    for key in ("kind", "title", "language"):
        if key in expect:
            assert getattr(parsed, key) == expect[key]
    if "items" in expect:
        assert len(parsed.items) == len(expect["items"]), [i.url for i in parsed.items]
        for item, expected in zip(parsed.items, expect["items"], strict=True):
            _item_matches(item, expected)
    for expected in expect.get("items_include", []):
        match = [i for i in parsed.items if i.url == expected["url"]]
        assert match, f"no item {expected['url']}"
        _item_matches(match[0], expected)
    assert len(parsed.items) >= expect.get("min_items", 0)
    if "skipped" in expect:
        assert [s.reason for s in parsed.skipped] == expect["skipped"]
    for needle in expect.get("warnings_contain", []):
        assert any(needle in w for w in parsed.warnings), parsed.warnings
    if "children" in expect:
        assert (
            list(parse.sitemap_children(fixture.read_bytes(), spec["base_url"]))
            == expect["children"]
        )
    if expect.get("no_control_characters"):
        _assert_clean(parsed)


def _assert_clean(parsed: ParsedFeed) -> None:
    for item in parsed.items:
        for value in asdict(item).values():
            if isinstance(value, str):
                assert not (set(value) & CONTROL_CHARS), repr(value)
                value.encode("utf-8")  # no lone surrogates
    assert not (set(parsed.title or "") & CONTROL_CHARS)


def test_every_format_maps_to_the_same_item_schema() -> None:
    """RELIABILITY D69: one fixture per format, all yield FeedItems with absolute http(s) URLs."""
    kinds = set()
    for fixture in CASES:
        parsed, _ = _parse(fixture)
        kinds.add(parsed.kind)
        for item in parsed.items:
            assert isinstance(item, FeedItem)
            assert item.url.startswith(("http://", "https://"))
            assert item.published is None or item.published.utcoffset() is not None
    assert {"rss", "rdf", "atom", "json", "sitemap", "news_sitemap"} <= kinds
