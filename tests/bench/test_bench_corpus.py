"""The benchmark corpus is deterministic and looks like what it stands for."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import feedparser
import trafilatura

from bench.corpus import Corpus, synthetic_hosts


def test_same_seed_same_bytes_whatever_the_corpus_size() -> None:
    small, large = Corpus(40, seed=3), Corpus(400, seed=3)
    for i in (0, 7, 39):
        assert small.spec(i) == large.spec(i)
        assert small.page(i) == large.page(i)
    host = small.spec(7).outlet.host
    assert small.feed(host, [0, 7]) == large.feed(host, [0, 7])
    assert small.headline_feed("www.x.com", 2, 30) == large.headline_feed("www.x.com", 2, 30)


def test_another_seed_gives_another_corpus() -> None:
    assert Corpus(5, seed=1).page(2) != Corpus(5, seed=2).page(2)
    assert synthetic_hosts(20, seed=1) != synthetic_hosts(20, seed=2)
    assert len(set(synthetic_hosts(500))) == 500


def test_mix_of_languages_actors_and_copies() -> None:
    specs = list(Corpus(400, seed=7).specs())
    languages = Counter(s.language for s in specs)
    assert set(languages) == {"es", "pt", "en"} and languages["es"] > languages["en"]
    relevant = sum(s.actor is not None for s in specs if s.copy_of is None)
    assert 0.35 < relevant / sum(s.copy_of is None for s in specs) < 0.65
    assert {s.copy_kind for s in specs} == {None, "canonical", "exact", "syndicated"}


def test_copies_reuse_their_source_as_the_dedup_paths_expect() -> None:
    corpus = Corpus(400, seed=7)
    specs = list(corpus.specs())
    by_kind = {s.copy_kind: s for s in specs if s.copy_kind}
    exact, amp, syndicated = by_kind["exact"], by_kind["canonical"], by_kind["syndicated"]
    assert exact.text == corpus.spec(exact.copy_of or 0).text
    assert exact.outlet.host != corpus.spec(exact.copy_of or 0).outlet.host
    source = corpus.spec(amp.copy_of or 0)
    assert amp.url != source.url
    assert f'<link rel="canonical" href="{source.url}">' in corpus.page(amp.index).decode()
    shared = set(syndicated.paragraphs) & set(corpus.spec(syndicated.copy_of or 0).paragraphs)
    assert len(shared) >= len(syndicated.paragraphs) - 2


def test_trafilatura_finds_the_article_in_the_boilerplate() -> None:
    corpus = Corpus(3, seed=7)
    spec = corpus.spec(1)
    page = corpus.page(1)
    assert len(page) > 40_000  # menus, rivers, comments, footer around the text
    doc = trafilatura.bare_extraction(page, url=spec.url, with_metadata=True)
    assert doc is not None
    assert spec.paragraphs[0][:80] in doc.text
    assert doc.title == spec.title


def test_feeds_parse_and_list_the_articles() -> None:
    corpus = Corpus(60, seed=7)
    host, indices = next(iter(corpus.by_host().items()))
    parsed = feedparser.parse(io.BytesIO(corpus.feed(host, indices)))
    assert not parsed.bozo
    assert {e.link for e in parsed.entries} == {corpus.spec(i).url for i in indices}
    atom = feedparser.parse(io.BytesIO(corpus.headline_feed("www.y.com", 0, 30, "atom")))
    assert atom.version == "atom10" and len(atom.entries) == 30


def test_write_puts_pages_feeds_and_a_manifest_on_disk(tmp_path: Path) -> None:
    manifest = json.loads(Corpus(12, seed=7).write(tmp_path).read_text())
    assert len(manifest["pages"]) == 12
    for page in manifest["pages"]:
        assert (tmp_path / page["file"]).read_bytes().startswith(b"<!DOCTYPE html>")
    assert all((tmp_path / f["file"]).exists() for f in manifest["feeds"])
