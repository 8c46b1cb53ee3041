"""Property tests (RELIABILITY N149): dedupe key stability, plus the 10,000-case
runs of CSV escaping, Markdown escaping and URL canonicalisation that the
catalog asks for (slow tier; the fast tier of those lives beside their code
in tests/curate, tests/parse, tests/extract and tests/article).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pipeline.article import urls
from pipeline.article.duplicates import content_hash, title_key
from pipeline.article.identity import entry_keys, sha256, url_key
from pipeline.curate.bundle.digest import md_escape, plain_text
from pipeline.curate.csvsafe import TRIGGERS, cell, csv_bytes, unneutralise
from pipeline.types import FeedItem

REPO = Path(__file__).resolve().parents[2]
FAST, SLOW = 150, 10_000
_quiet = [HealthCheck.too_slow, HealthCheck.data_too_large]


def tiers(fast: int = FAST) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Settings for a property that runs ``fast`` examples here and 10k in the slow tier."""
    return settings(max_examples=fast, deadline=None, suppress_health_check=_quiet)


def slow(test: Callable[..., None]) -> Callable[..., None]:
    """10k examples, marked slow, with room beyond the suite's 120 s per-test timeout."""
    tuned = settings(max_examples=SLOW, deadline=None, suppress_health_check=_quiet)(test)
    return pytest.mark.slow(pytest.mark.timeout(900)(tuned))


# ------------------------------------------------------------------ strategies

_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
_suffix = st.sampled_from(["com", "com.ar", "org.mx", "gob.ve", "com.br", "net"])
_segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.~%ñé", min_size=1,
                   max_size=12)  # fmt: skip
_params = st.lists(
    st.tuples(st.sampled_from(["id", "page", "q", "seccion", "nota", "p"]),
              st.text(alphabet="abc123xyz", min_size=1, max_size=5)),
    max_size=3,
)  # fmt: skip
_noise = st.lists(
    st.tuples(st.sampled_from(["utm_source", "utm_medium", "fbclid", "gclid", "mc_cid", "_ga"]),
              st.text(alphabet="abc123", min_size=1, max_size=6)),
    min_size=1, max_size=3,
)  # fmt: skip


@st.composite
def article_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https"]))
    host = f"{draw(_label)}.{draw(_suffix)}"
    path = "/".join(draw(st.lists(_segment, min_size=1, max_size=4)))
    query = "&".join(f"{k}={v}" for k, v in draw(_params))
    return f"{scheme}://{host}/{path}" + (f"?{query}" if query else "")


def _with_noise(url: str, noise: list[tuple[str, str]], fragment: str) -> str:
    """The same article as a share button would link it."""
    extra = "&".join(f"{k}={v}" for k, v in noise)
    sep = "&" if "?" in url else "?"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host.startswith("www."):
        url = url.replace(f"://{host}", f"://www.{host}", 1)
    return f"{url}{sep}{extra}" + (f"#{fragment}" if fragment else "")


_guid = st.one_of(st.none(), st.text(min_size=1, max_size=40))
_any_text = st.text(max_size=24)
_when = st.sampled_from(
    [None, datetime(2021, 8, 16, 9, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)]
)


@st.composite
def feed_items(draw: st.DrawFn) -> FeedItem:
    return FeedItem(
        url=draw(article_urls()),
        guid=draw(_guid),
        title=draw(_any_text),
        summary=draw(_any_text),
        author=draw(st.one_of(st.none(), _any_text)),
        published=draw(_when),
    )


_items = st.lists(feed_items(), max_size=6)

# ------------------------------------------------------------------ N149: dedupe keys


def _keys(items: list[FeedItem]) -> list[str]:
    return [e.key for e in entry_keys(items)[0]]


def _prop_keys_ignore_everything_but_guid_and_link(items: list[FeedItem], title: str) -> None:
    edited = [
        replace(i, title=title + i.title[::-1], summary=title, author=None,
                published=None if i.published else datetime(2021, 1, 1, tzinfo=UTC))
        for i in items
    ]  # fmt: skip
    assert _keys(edited) == _keys(items)


@tiers()
@given(_items, _any_text)
def test_n149_entry_keys_ignore_titles_summaries_authors_and_dates(
    items: list[FeedItem], title: str
) -> None:
    _prop_keys_ignore_everything_but_guid_and_link(items, title)


@slow
@given(_items, _any_text)
def test_n149_slow_entry_keys_ignore_titles_summaries_authors_and_dates(
    items: list[FeedItem], title: str
) -> None:
    _prop_keys_ignore_everything_but_guid_and_link(items, title)


def _prop_keys_are_unique_and_conserve_items(items: list[FeedItem]) -> None:
    new, skipped = entry_keys(items)
    keys = [e.key for e in new]
    assert len(keys) == len(set(keys))  # DUP0 inside one document
    assert len(new) + len(skipped) == len(items)  # nothing silently lost
    assert all(s.reason == "duplicate_in_feed" for s in skipped)
    assert all(len(k) == 64 and int(k, 16) >= 0 for k in keys)
    assert _keys(items) == keys  # deterministic


@tiers()
@given(_items)
def test_n149_keys_in_one_document_are_unique_and_every_item_is_accounted_for(
    items: list[FeedItem],
) -> None:
    _prop_keys_are_unique_and_conserve_items(items)


@slow
@given(_items)
def test_n149_slow_keys_in_one_document_are_unique_and_every_item_is_accounted_for(
    items: list[FeedItem],
) -> None:
    _prop_keys_are_unique_and_conserve_items(items)


def _prop_link_keys_survive_tracking_fragments_and_www(
    url: str, noise: list[tuple[str, str]], fragment: str
) -> None:
    shared = _with_noise(url, noise, fragment)
    assert url_key(shared) == url_key(url)
    # A GUID-less item is keyed by its canonical link: the shared variant is the same entry.
    assert _keys([FeedItem(url=shared)]) == _keys([FeedItem(url=url)])
    assert urls.alias_key(shared) == urls.alias_key(url.replace("https://", "http://", 1))


_fragment = st.text(alphabet="abc-123", max_size=6)


@tiers()
@given(article_urls(), _noise, _fragment)
def test_n149_link_keys_survive_tracking_parameters_fragments_and_www(
    url: str, noise: list[tuple[str, str]], frag: str
) -> None:
    _prop_link_keys_survive_tracking_fragments_and_www(url, noise, frag)


@slow
@given(article_urls(), _noise, _fragment)
def test_n149_slow_link_keys_survive_tracking_parameters_fragments_and_www(
    url: str, noise: list[tuple[str, str]], frag: str
) -> None:
    _prop_link_keys_survive_tracking_fragments_and_www(url, noise, frag)


@tiers()
@given(article_urls(), st.text(alphabet="abcdefxyzABCDEF0123", min_size=1, max_size=20))
def test_n149_guids_are_byte_exact(url: str, guid: str) -> None:
    other = guid.swapcase()
    keys = _keys([FeedItem(url=url, guid=guid), FeedItem(url=url, guid=other)])
    assert len(set(keys)) == 2  # two items, also when the two GUIDs differ only in case
    assert keys[0] == sha256("guid:" + guid)  # the documented, stable formula


_words = st.text(alphabet="abcdefghijklmnñopqrstuvwxyzáéíóú", min_size=1, max_size=8)


@tiers()
@given(st.lists(_words, min_size=1, max_size=30), st.lists(st.sampled_from([" ", "  ", "\n", "\t"]),
                                                        min_size=30, max_size=30))  # fmt: skip
def test_n149_content_and_title_keys_ignore_case_spacing_and_punctuation(
    words: list[str], spaces: list[str]
) -> None:
    plain = " ".join(words)
    jittered = "".join(w.upper() + s for w, s in zip(words, spaces, strict=False))
    assert content_hash(jittered) == content_hash(plain)
    assert title_key("¡" + jittered.replace(" ", ", ") + "!") == title_key(plain)


KEY_SCRIPT = """
import json, sys
from pipeline.article.identity import entry_keys, url_key
from pipeline.types import FeedItem
items = [FeedItem(url=u, guid=g) for u, g in json.loads(sys.stdin.read())]
print(json.dumps([[e.key, e.url_key] for e in entry_keys(items)[0]] + [url_key(items[0].url)]))
"""


def test_n149_keys_are_the_same_in_every_process_whatever_the_hash_seed() -> None:
    """Stored keys must match next year's process: no ``hash()``, no set order."""
    pairs = [
        ("https://www.diario.com.ar/nota/1?utm_source=x", "tag:diario,2021:1"),
        ("https://diario.com.ar/nota/1", None),
        ("http://m.noticias.org.mx/a/caf%c3%a9#top", "ABC"),
        ("http://noticias.org.mx/a/café", "abc"),
    ]
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", KEY_SCRIPT], input=json.dumps(pairs), env=env,
            capture_output=True, text=True, cwd=REPO, check=True, timeout=60,
        )  # fmt: skip
        outputs.add(done.stdout)
    assert len(outputs) == 1
    here = [[e.key, e.url_key] for e in entry_keys([FeedItem(url=u, guid=g) for u, g in pairs])[0]]
    assert json.loads(outputs.pop())[:-1] == here


# ------------------------------------------------------------------ N149: 10k-case tiers


def _reparse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@slow
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=40), min_size=1,
                max_size=5))  # fmt: skip
def test_n149_slow_csv_cells_are_inert_and_round_trip(values: list[str]) -> None:
    data = csv_bytes([f"c{i}" for i in range(len(values))], [[cell(v) for v in values]])
    rows = _reparse(data)
    assert len(rows) == 2  # embedded newlines never add a row
    for value, read in zip(values, rows[1], strict=True):
        assert not read.lstrip(" \t\r\n").startswith(TRIGGERS)
        assert unneutralise(read) == value.replace("\x00", "")


@pytest.mark.parametrize("value", ["'=1+1", "'@SUM(A1)", "'+34 600", "'-", "' =x"])
def test_l135_text_that_starts_with_an_apostrophe_and_a_trigger_round_trips(value: str) -> None:
    (read,) = _reparse(csv_bytes(["note"], [[cell(value)]]))[1]
    assert unneutralise(read) == value


_md = MarkdownIt("commonmark")


@slow
@given(st.text(max_size=80))
def test_n149_slow_markdown_escaping_renders_literal_text(value: str) -> None:
    inline = [t for t in _md.parse(f"- {md_escape(value)}") if t.type == "inline"]
    children = [c for t in inline for c in (t.children or [])]
    assert {c.type for c in children} <= {"text", "softbreak"}
    assert "".join(c.content for c in children) == plain_text(value)


@slow
@given(article_urls(), _noise, _fragment)
def test_n149_slow_canonicalisation_is_idempotent_and_keeps_the_scheme(
    url: str, noise: list[tuple[str, str]], frag: str
) -> None:
    once = urls.canonicalize(_with_noise(url, noise, frag))
    assert urls.canonicalize(once) == once
    assert urlsplit(once).scheme == urlsplit(url).scheme
    assert "#" not in once and "utm_" not in urlsplit(once).query


def test_strategies_produce_what_the_properties_need() -> None:
    """Guard against a strategy that silently stops exercising anything."""
    seen = {"www": 0, "query": 0}

    @settings(max_examples=50, deadline=None)
    @given(article_urls(), _noise, _fragment)
    def probe(url: str, noise: list[tuple[str, str]], frag: str) -> None:
        shared = _with_noise(url, noise, frag)
        seen["www"] += "://www." in shared
        seen["query"] += any(n in shared for n in ("utm_", "fbclid", "gclid", "mc_cid", "_ga"))

    probe()
    assert seen == {"www": 50, "query": 50}
