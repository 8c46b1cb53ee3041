"""The corpus description: it loads, it is complete, and it covers what the demo needs."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.demo import CORPUS_DIR, Manifest, load_manifest
from pipeline.demo.manifest import ACTORS, FEED_FORMATS, TOPICS
from pipeline.errors import ConfigError

PERIOD_START = datetime(2021, 8, 1, tzinfo=UTC)
PERIOD_END = datetime(2021, 10, 1, tzinfo=UTC)


def test_the_corpus_is_big_enough_and_in_three_languages(manifest: Manifest) -> None:
    articles = manifest.articles
    assert len(articles) >= 52
    share = {lang: n / len(articles) for lang, n in Counter(a.language for a in articles).items()}
    assert 0.45 <= share["es"] <= 0.58, share
    assert 0.20 <= share["pt"] <= 0.30, share
    assert 0.20 <= share["en"] <= 0.30, share


def test_there_are_feeds_of_every_format(manifest: Manifest) -> None:
    assert len(manifest.feeds) >= 5
    assert {f.format for f in manifest.feeds} == set(FEED_FORMATS)


def test_every_article_is_in_a_feed_and_every_feed_lists_articles(manifest: Manifest) -> None:
    assert all(a.feeds for a in manifest.articles)
    empty = [f.id for f in manifest.feeds if not manifest.articles_in(f.id)]
    assert empty == []


def test_every_page_file_exists(manifest: Manifest) -> None:
    missing = [a.file for a in manifest.articles if not manifest.article_path(a).is_file()]
    assert missing == []


def test_negatives_include_every_kind_of_trap(manifest: Manifest) -> None:
    negatives = [a for a in manifest.articles if not a.expect.relevant]
    assert len(negatives) >= 12
    assert all(a.expect.trap for a in negatives)
    # VRIC actors outside LAC and LAC news without a VRIC actor are both present.
    assert any(a.expect.actors and not a.expect.countries for a in negatives)
    assert any(a.expect.countries and not a.expect.actors for a in negatives)


def test_relevant_items_cover_all_actors_topics_and_many_countries(manifest: Manifest) -> None:
    relevant = [a.expect for a in manifest.articles if a.expect.relevant]
    assert {x for e in relevant for x in e.actors} == set(ACTORS)
    assert {x for e in relevant for x in e.topics} == set(TOPICS)
    countries = {c for e in relevant for c in e.countries} - {"lac_regional"}
    assert len(countries) >= 8, countries
    assert all(e.actors and e.topics and e.countries for e in relevant)


def test_state_media_share_makes_the_cap_matter(manifest: Manifest) -> None:
    relevant = [a.expect for a in manifest.articles if a.expect.relevant]
    share = sum(e.state_media for e in relevant) / len(relevant)
    assert 0.20 < share <= 0.30, share


def test_dates_fall_in_the_period_except_three_boundary_cases(manifest: Manifest) -> None:
    stamps = {a.id: a.published_at for a in manifest.articles if a.published_at is not None}
    outside = [i for i, when in stamps.items() if not PERIOD_START <= when < PERIOD_END]
    assert len(outside) == 3, outside
    first, last = datetime(2021, 7, 1, tzinfo=UTC), datetime(2021, 11, 1, tzinfo=UTC)
    assert all(first <= when < last for when in stamps.values())


def test_the_special_cases_are_present(manifest: Manifest) -> None:
    arts = manifest.articles
    clusters = Counter(a.expect.cluster for a in arts if a.expect.cluster)
    assert max(clusters.values()) >= 3
    members = [a for a in arts if a.expect.cluster == clusters.most_common(1)[0][0]]
    assert len({a.outlet for a in members}) == len(members)
    assert sum(a.expect.opinion for a in arts) >= 3
    anti = [a for a in arts if a.expect.anti_us]
    assert len(anti) >= 2 and all(a.expect.state_media for a in anti)
    assert any(a.expect.syndicated_from and not a.expect.state_media for a in arts)
    assert any(len(a.feeds) >= 2 and a.feed_url_variant is None for a in arts)
    assert any(a.feed_url_variant and "utm_" in a.feed_url_variant.url for a in arts)
    assert [a.published for a in arts].count(None) == 1
    assert [a.encoding for a in arts].count("latin-1") == 1


def test_opinion_pieces_are_marked_in_three_different_ways(manifest: Manifest) -> None:
    """By URL path, by article:section and by title prefix, each alone on some page."""
    markers: dict[str, set[str]] = {"path": set(), "section": set(), "title": set()}
    for article in (a for a in manifest.articles if a.expect.opinion):
        page = manifest.article_path(article).read_text(encoding="utf-8")
        if "/opinion/" in article.path:
            markers["path"].add(article.id)
        if 'property="article:section" content="Opinión"' in page:
            markers["section"].add(article.id)
        if article.title.lower().startswith(("opinión:", "opinião |")):
            markers["title"].add(article.id)
    for name, ids in markers.items():
        others = set().union(*(v for k, v in markers.items() if k != name))
        assert ids - others, f"no opinion piece marked only by its {name}"


def test_a_broken_manifest_reports_every_problem(tmp_path: Path) -> None:
    shutil.copytree(CORPUS_DIR, tmp_path / "corpus")
    path = tmp_path / "corpus" / "manifest.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("format: rdf", "format: rss3", 1)
    text = text.replace("file: articles/a002.html", "file: articles/nope.html", 1)
    text = text.replace("    feeds: [rt-es]\n", "    feeds: [no-such-feed]\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_manifest(tmp_path / "corpus")
    problems = caught.value.problems
    assert any(".format: 'rss3' is not one of" in p for p in problems), problems
    assert any(p.endswith("file: no such file: articles/nope.html") for p in problems), problems
    assert any("unknown feed 'no-such-feed'" in p for p in problems), problems
    assert all(p.startswith("manifest.yaml: ") for p in problems)
