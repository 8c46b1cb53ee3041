"""End to end: the demo corpus served on 127.0.0.1, one real cycle into a
fresh database, checked against the corpus's ground truth."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.article.identity import url_key
from pipeline.cli import cli
from pipeline.config import DEFAULTS_DIR, load_config
from pipeline.demo.cycle import DEMO_PERIOD, DemoSummary, run_demo
from pipeline.demo.manifest import load_manifest
from pipeline.store import ArticleView, Store

pytestmark = pytest.mark.xdist_group("demo")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoSummary, Store]:
    out = tmp_path_factory.mktemp("demo") / "demo-output"
    summary = run_demo(out, base=load_config({"VRIC_CONFIG_DIR": str(DEFAULTS_DIR)}))
    return summary, Store(f"sqlite:///{summary.database}")


def _by_url(store: Store) -> dict[str, ArticleView]:
    views = list(store.iter_period(DEMO_PERIOD, relevant_only=False))
    for other in ("2021-06", "2021-10"):
        views += list(store.iter_period(other, relevant_only=False))
    return {v.url: v for v in views}


def test_every_distinct_article_is_stored_exactly_once(demo) -> None:  # type: ignore[no-untyped-def]
    summary, store = demo
    manifest = load_manifest()
    stored = _by_url(store)
    distinct = {url_key(a.url) for a in manifest.articles}
    assert store.count_articles() <= len(distinct)
    missing = [
        a.id for a in manifest.articles if not any(url_key(u) == url_key(a.url) for u in stored)
    ]
    # A member of a near-duplicate cluster or an exact copy may be linked, not stored.
    assert len(missing) <= 2, missing
    assert summary.report.feeds_failed == 0


def test_state_media_flags_match_the_registry(demo) -> None:  # type: ignore[no-untyped-def]
    _, store = demo
    stored = {url_key(u): v for u, v in _by_url(store).items()}
    for article in load_manifest().articles:
        view = stored.get(url_key(article.url))
        if view is not None:
            assert view.state_media == article.expect.state_media, article.id


def test_actor_tags_agree_with_the_analysts_labels(demo) -> None:  # type: ignore[no-untyped-def]
    _, store = demo
    stored = {url_key(u): v for u, v in _by_url(store).items()}
    tp = fp = fn = 0
    for article in load_manifest().articles:
        view = stored.get(url_key(article.url))
        if view is None:
            continue
        got = set(view.tag_names("actor")) if view.relevant else set()
        want = set(article.expect.actors) if article.expect.relevant else set()
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.85 and recall >= 0.85, (precision, recall)


def test_traps_and_negatives_are_not_candidates(demo) -> None:  # type: ignore[no-untyped-def]
    _, store = demo
    stored = {url_key(u): v for u, v in _by_url(store).items()}
    negatives = [a for a in load_manifest().articles if not a.expect.relevant]
    wrong = [
        a.id for a in negatives if (v := stored.get(url_key(a.url))) is not None and v.relevant
    ]
    assert len(wrong) <= 1, wrong


def test_csv_has_one_row_per_candidate_cluster(demo) -> None:  # type: ignore[no-untyped-def]
    summary, _ = demo
    assert summary.csv_path is not None
    raw = summary.csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == summary.csv_rows > 10
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert {
        "id",
        "period",
        "section",
        "actors",
        "topics",
        "title",
        "outlet",
        "state_media",
        "url",
        "status",
    } <= set(rows[0])
    assert all(r["period"] == DEMO_PERIOD and r["status"] == "candidate" for r in rows)


def test_running_the_cycle_again_adds_nothing(demo) -> None:  # type: ignore[no-untyped-def]
    summary, store = demo
    from pipeline.demo.cycle import demo_config
    from pipeline.demo.server import DemoServer
    from pipeline.ingest.runtime import ingestor

    before = store.count_articles()
    with DemoServer() as server:
        config = demo_config(
            load_config({"VRIC_CONFIG_DIR": str(DEFAULTS_DIR)}), server, summary.database.parent
        )
        # Every feed due again, validators forgotten: a full second fetch and parse.
        for feed in store.feeds():
            store.record_feed_fetch(feed.id, _due_now(feed), [])
        with ingestor(config, store, resolver=server.resolve) as ing:
            report = ing.run_once()
    assert report.feeds_polled == summary.feeds
    assert report.entries_new == 0
    assert store.count_articles() == before


def _due_now(feed):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from pipeline.types import FeedUpdate

    now = datetime.now(UTC)
    return FeedUpdate(
        attempt_at=now,
        next_due=now,
        state="ok",
        failures=0.0,
        consecutive_failures=0,
        success_at=now,
        etag=None,
        last_modified=None,
        body_hash=None,
    )


def test_vric_demo_command_prints_the_summary(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VRIC_CONFIG_DIR", str(DEFAULTS_DIR))
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "state-media candidates" in result.output
    assert (tmp_path / "out" / f"candidates-{DEMO_PERIOD}.csv").exists()


def test_the_demo_cycle_gives_the_same_articles_on_both_backends(  # type: ignore[no-untyped-def]
    demo, store: Store, tmp_path: Path
) -> None:
    """The full cycle into the parametrised store (SQLite and real Postgres)."""
    from pipeline.config import Config
    from pipeline.demo.cycle import demo_config
    from pipeline.demo.server import DemoServer
    from pipeline.ingest.runtime import ingestor

    _summary, reference = demo
    with DemoServer() as server:
        base = demo_config(load_config({"VRIC_CONFIG_DIR": str(DEFAULTS_DIR)}), server, tmp_path)
        settings = base.settings.model_copy(update={"database_url": store.url})
        config = Config(settings=settings, feeds=base.feeds, outlets=base.outlets,
                        rules=base.rules)  # fmt: skip
        with ingestor(config, store, resolver=server.resolve) as ing:
            report = ing.run_once()
    assert report.feeds_failed == 0
    assert store.count_articles() == reference.count_articles()
    want = {(v.url, v.state_media, tuple(v.tag_names("actor"))) for v in
            reference.iter_period(DEMO_PERIOD)}  # fmt: skip
    got = {(v.url, v.state_media, tuple(v.tag_names("actor"))) for v in
           store.iter_period(DEMO_PERIOD)}  # fmt: skip
    assert got == want


def test_the_cycle_groups_the_labelled_stories_across_outlets(demo) -> None:  # type: ignore[no-untyped-def]
    summary, store = demo
    manifest = {a.path: a for a in load_manifest().articles}

    def label(url: str) -> str | None:
        from urllib.parse import urlsplit

        return manifest[urlsplit(url).path].expect.story

    stories = store.stories(DEMO_PERIOD)
    assert stories, "ingest groups the period's stories after the cycle"
    for story in stories:  # no false story: every member carries the same label
        assert len({label(m.url) for m in story.members}) == 1, story
        assert all(m.reason for m in story.members)
    langs = {label(s.members[0].url): {m.language for m in s.members} for s in stories}
    assert langs["essequibo-clause-mexico-talks"] == {"pt", "en"}
    assert langs["hijazi-arrest-ciudad-del-este"] == {"es", "en"}
    assert summary.csv_path is not None
    rows = list(csv.DictReader(summary.csv_path.read_bytes().decode("utf-8-sig").splitlines()))
    (folha,) = [r for r in rows if "Essequibo irrita" in r["title"]]
    assert folha["story"] and folha["also_reported_by"] == "gy_kaieteur"
