"""Fuzzing the parse → normalise → store-model path (RELIABILITY N150).

Hypothesis generates feed bodies (random bytes, RSS/Atom/JSON Feed with
hostile field values, valid feeds with flipped bytes or cut short) and each
one goes the way a fetched body goes in ``Ingestor``: ``parse.parse_feed``,
``identity.entry_keys``, the store's entry queue, ``assemble.assemble`` and
``Store.save_article`` on a real SQLite file. Nothing may raise, every stored
string must be clean, and each example must finish well inside a deadline.

The fast tier runs a short campaign; ``-m slow`` runs a long one. (The
catalog names atheris; hypothesis covers the same path without a native
build and shrinks failures to a readable feed.)
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import parse
from pipeline.article.assemble import AssembleContext, PageOutcome, assemble
from pipeline.article.identity import entry_keys
from pipeline.config import Config
from pipeline.errors import ERROR_CODES
from pipeline.store import Store
from pipeline.types import ConfiguredFeed, FeedUpdate

NOW = datetime(2021, 8, 20, 12, 0, tzinfo=UTC)
BASE = "http://feed.test/feed.xml"
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EXAMPLE_DEADLINE_S = 10.0  # hang detection per example; typical examples take milliseconds
FAST_EXAMPLES, SLOW_EXAMPLES = 100, 5000
_quiet = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


@dataclass
class FuzzTarget:
    store: Store
    ctx: AssembleContext
    feed_id: int
    examples: int = 0
    parsed_ok: int = 0
    articles: int = 0

    def run(self, body: bytes, content_type: str) -> None:
        started = time.monotonic()
        self.examples += 1
        parsed = parse.parse_feed(body, {"content-type": content_type}, BASE, max_items=40, now=NOW)
        if parsed.error_code is not None:
            assert parsed.error_code in ERROR_CODES
            assert not parsed.items
            return
        self.parsed_ok += 1
        new, _dupes = entry_keys(parsed.items)
        for item in parsed.items:
            _assert_clean(item)
            assert item.url.startswith(("http://", "https://"))
        update = FeedUpdate(attempt_at=NOW, next_due=NOW, state="ok", failures=0.0,
                            consecutive_failures=0, success_at=NOW)  # fmt: skip
        self.store.record_feed_fetch(self.feed_id, update, new)
        for entry in self.store.queued_entries(NOW, 500):
            outcome = PageOutcome(entry.url, None, "not_fetched", None, NOW)
            record = assemble(entry, outcome, self.ctx, NOW)
            _assert_clean(record)
            assert len(record.title) <= 1000 and len(record.url_key) == 64
            self.store.save_article(record, [entry.id], NOW)
            self.articles += 1
        assert time.monotonic() - started < EXAMPLE_DEADLINE_S


def _assert_clean(value: Any) -> None:
    for f in fields(value):
        v = getattr(value, f.name)
        if isinstance(v, str):
            assert not FORBIDDEN.search(v), (f.name, v[:80])
            v.encode("utf-8")  # what SQLite and Postgres drivers will do


@pytest.fixture
def target(base_config: Config, tmp_path: Path) -> Iterator[FuzzTarget]:
    store = Store(f"sqlite:///{tmp_path / 'fuzz.db'}")
    store.upgrade()
    store.sync_feeds([ConfiguredFeed(key="fuzz", url=BASE)], NOW)
    ctx = AssembleContext(registry=base_config.registry, rules=base_config.compiled_rules)
    yield FuzzTarget(store, ctx, store.feeds()[0].id)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    store.close()


# ------------------------------------------------------------------ strategies

_hostile = st.text(
    alphabet=st.one_of(
        st.characters(),  # anything, lone surrogates included
        st.sampled_from(list("<>&\"'\x00\x0b\x1b\r\n\t\u202e\u200b\ufeff\uffff")),
    ),
    max_size=40,
)
_links = st.one_of(
    st.sampled_from([
        "http://news.test/a/1", "https://www.news.test/a/1?utm_source=x#f", "/relative/path",
        "//proto.test/x", "javascript:alert(1)", "data:text/html,hi", " http://news.test/ws ",
        "http://[::1", "http://news.test/" + "a" * 5000, "ftp://x.test/", "",
    ]),
    _hostile,
)  # fmt: skip
_dates = st.one_of(
    st.sampled_from(["Mon, 16 Aug 2021 08:00:00 GMT", "Fri, 01 Jan 9999 00:00:00 GMT",
                     "0001-01-01T00:00:00Z", "garbage", "Sun, 31 Feb 2021 10:00:00 +1400", ""]),
    _hostile,
)  # fmt: skip


def _field(draw: st.DrawFn, value: str) -> str:
    """Escaped most of the time; raw (malformed XML) sometimes."""
    return value if draw(st.integers(0, 4)) == 0 else escape(value)


@st.composite
def rss_bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    parts = ['<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>']
    for _ in range(draw(st.integers(0, 6))):
        parts.append(
            f"<item><title>{_field(draw, draw(_hostile))}</title>"
            f"<link>{_field(draw, draw(_links))}</link>"
            f"<guid>{_field(draw, draw(st.one_of(_hostile, _links)))}</guid>"
            f"<author>{_field(draw, draw(_hostile))}</author>"
            f"<pubDate>{_field(draw, draw(_dates))}</pubDate>"
            f"<description>{_field(draw, draw(_hostile))}</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8", "surrogatepass"), "application/rss+xml"


@st.composite
def atom_bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    parts = ['<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>']
    for _ in range(draw(st.integers(0, 6))):
        parts.append(
            f'<entry><title type="html">{_field(draw, draw(_hostile))}</title>'
            f'<link href="{escape(draw(_links), {chr(34): "&quot;"})}"/>'
            f"<id>{_field(draw, draw(_hostile))}</id>"
            f"<updated>{_field(draw, draw(_dates))}</updated>"
            f"<summary>{_field(draw, draw(_hostile))}</summary></entry>"
        )
    parts.append("</feed>")
    return "".join(parts).encode("utf-8", "surrogatepass"), "application/atom+xml"


_json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _hostile),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)  # fmt: skip
_json_item = st.one_of(
    _json_values,
    st.fixed_dictionaries(
        {"id": st.one_of(_hostile, st.integers()), "url": _links, "title": _json_values},
        optional={"summary": _json_values, "date_published": _dates, "authors": _json_values,
                  "content_html": _hostile, "tags": _json_values},
    ),
)  # fmt: skip


@st.composite
def json_bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": draw(_hostile),
           "items": draw(st.lists(_json_item, max_size=6))}  # fmt: skip
    return json.dumps(doc).encode(), "application/feed+json"


@st.composite
def mutated_bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    """A valid feed with flipped bytes, then maybe cut short."""
    body, ctype = draw(st.one_of(rss_bodies(), atom_bodies(), json_bodies()))
    data = bytearray(body)
    for _ in range(draw(st.integers(1, 8))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    cut = draw(st.integers(0, len(data)))
    return bytes(data[: cut or len(data)]), ctype


_raw = st.tuples(st.binary(max_size=2048), st.sampled_from(["application/xml", "text/html", ""]))
bodies = st.one_of(rss_bodies(), atom_bodies(), json_bodies(), mutated_bodies(), _raw)


# ------------------------------------------------------------------ campaigns


def _campaign(target: FuzzTarget, examples: int) -> None:
    @settings(max_examples=examples, deadline=None, suppress_health_check=_quiet)
    @given(bodies)
    def one(case: tuple[bytes, str]) -> None:
        target.run(*case)

    one()
    # The campaign must have exercised the whole path, not only parse errors.
    assert target.examples >= examples // 2
    assert target.parsed_ok > 0 and target.articles > 0, target
    assert target.store.count_articles() > 0


def test_n150_short_fuzz_of_parse_normalise_store(target: FuzzTarget) -> None:
    _campaign(target, FAST_EXAMPLES)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_n150_long_fuzz_of_parse_normalise_store(target: FuzzTarget) -> None:
    _campaign(target, SLOW_EXAMPLES)
