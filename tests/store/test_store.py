"""The store on SQLite and Postgres: idempotent entries, validators committed
with entries, articles stored once, the same row on both backends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from pipeline.article.duplicates import duplicate_probes
from pipeline.article.identity import entry_keys
from pipeline.store import Store, migrate
from pipeline.store.schema import metadata
from pipeline.types import (
    ArticleRecord,
    ConfiguredFeed,
    EntrySpan,
    FeedItem,
    FeedUpdate,
    Match,
    Tag,
)

NOW = datetime(2021, 8, 14, 12, 0, tzinfo=UTC)
FEED = ConfiguredFeed(
    key="rt-es",
    url="http://actualidad.rt.com/feeds/all.rss",
    outlet="ru_rt_es",
    kind="rss",
    language="es",
    allow_private=False,
)


def _ok_update(etag: str = '"v1"') -> FeedUpdate:
    return FeedUpdate(
        attempt_at=NOW,
        success_at=NOW,
        next_due=NOW + timedelta(hours=1),
        state="ok",
        failures=0.0,
        consecutive_failures=0,
        last_status=200,
        etag=etag,
        last_modified=None,
        body_hash="h1",
    )


def _items(n: int) -> list[FeedItem]:
    return [
        FeedItem(url=f"http://actualidad.rt.com/a/{i}", guid=f"g{i}", title=f"T{i}")
        for i in range(n)
    ]


def _record(url_key: str = "k" * 64, title: str = "Rusia y Venezuela") -> ArticleRecord:
    return ArticleRecord(
        url_key=url_key,
        canonical_url="http://actualidad.rt.com/a/1",
        original_url="http://actualidad.rt.com/a/1?utm_source=x",
        title=title,
        published_at=NOW,
        date_source="feed",
        first_seen=NOW,
        period="2021-08",
        extraction_status="ok",
        outlet="ru_rt_es",
        text="Texto \u00e9 con acentos",
        state_media=True,
        controlling_state="russia",
        relevant=True,
        score=3.5,
        section="russia",
        rules_version="r1",
        tags=(Tag("actor", "russia", 3.5, (Match("Rusia", "title", 0, 5, "Rusia y", 2.0),)),),
    )


def test_migrations_create_every_table_of_the_schema(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    store.check_schema()  # does not raise


def test_sqlite_pragmas_are_set_for_a_concurrent_writer(tmp_path) -> None:
    s = Store(f"sqlite:///{tmp_path / 'p.db'}")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    s.close()


def test_same_feed_stored_twice_adds_no_entries(store: Store) -> None:
    store.sync_feeds([FEED], NOW)
    feed = store.due_feeds(NOW)[0]
    new, _ = entry_keys(_items(3))
    assert store.record_feed_fetch(feed.id, _ok_update(), new) == 3
    assert store.record_feed_fetch(feed.id, _ok_update(), new) == 0
    assert store.queue_depth() == 3


def test_validators_are_committed_with_the_entries(store: Store) -> None:
    store.sync_feeds([FEED], NOW)
    feed = store.due_feeds(NOW)[0]
    new, _ = entry_keys(_items(2))
    store.record_feed_fetch(feed.id, _ok_update('"abc"'), new)
    (after,) = store.feeds()
    assert after.etag == '"abc"' and after.body_hash == "h1"
    assert after.next_due == NOW + timedelta(hours=1)
    assert store.due_feeds(NOW) == []  # not due until next_due


def _feeds(store: Store, n: int) -> list[int]:
    store.sync_feeds([replace(FEED, key=f"f{i}", url=f"{FEED.url}?f={i}") for i in range(n)], NOW)
    return [f.id for f in store.feeds()]


def test_several_feeds_are_recorded_in_one_transaction(store: Store) -> None:
    first, second = _feeds(store, 2)
    new, _ = entry_keys(_items(3))
    broken = replace(_ok_update(), state=None)  # type: ignore[arg-type]  # NOT NULL column
    with pytest.raises(Exception):  # noqa: B017 -- the backend's integrity error, mapped or not
        store.record_feed_fetches([(first, _ok_update('"a"'), new), (second, broken, [])])
    assert store.queue_depth() == 0  # the first feed's entries went with the batch
    assert {f.etag for f in store.feeds()} == {None}
    counts = store.record_feed_fetches(
        [(first, _ok_update('"a"'), new), (second, _ok_update(), new)]
    )
    assert counts == [3, 3]
    assert store.queue_depth() == 6
    assert {f.etag for f in store.feeds()} == {'"a"', '"v1"'}


def test_a_batch_skips_a_link_only_the_feed_that_listed_it_knows(store: Store) -> None:
    first, second = _feeds(store, 2)
    store.record_feed_fetch(first, _ok_update(), entry_keys(_items(1))[0])
    # The same link under a new GUID: old news for the first feed, new for the second.
    minted = entry_keys([FeedItem(url="http://actualidad.rt.com/a/0", guid="new-guid")])[0]
    assert store.record_feed_fetches(
        [(first, _ok_update(), minted), (second, _ok_update(), minted)]
    ) == [0, 1]
    # One feed twice in a batch: the second sees the first's entries.
    again = entry_keys([FeedItem(url="http://actualidad.rt.com/a/9", guid=g) for g in "xy"])[0]
    assert store.record_feed_fetches(
        [(second, _ok_update(), again[:1]), (second, _ok_update(), again[1:])]
    ) == [1, 0]
    assert store.queue_depth() == 3


def test_entry_spans_of_several_feeds_cover_each_feeds_newest_entries(store: Store) -> None:
    ids = _feeds(store, 3)
    for n, feed_id in enumerate(ids[:2]):
        items = [
            FeedItem(url=f"http://x.test/{n}/{i}", guid=f"{n}-{i}",
                     published=NOW - timedelta(hours=i % 4))
            for i in range(6)
        ]  # fmt: skip
        store.record_feed_fetch(feed_id, _ok_update(), entry_keys(items)[0])
    spans = store.entry_spans_of([*ids, ids[0]], limit=3)
    # Entries are numbered in document order, so the newest three rows are the last
    # three (hours 3, 0, 1 back: item 4 repeats item 0's date, so 3 distinct of 3).
    assert spans[ids[0]] == EntrySpan(NOW - timedelta(hours=3), NOW, 3)
    assert spans[ids[1]] == spans[ids[0]]
    assert ids[2] not in spans  # no entries: the feed keeps its default interval
    wider = store.entry_spans_of([ids[0]], limit=6)[ids[0]]
    assert wider == EntrySpan(NOW - timedelta(hours=3), NOW, 4)  # 6 entries, 4 dates


def test_guids_differing_in_case_are_two_entries(store: Store) -> None:
    store.sync_feeds([FEED], NOW)
    feed = store.due_feeds(NOW)[0]
    items = [
        FeedItem(url="http://x.test/a", guid="ABC"),
        FeedItem(url="http://x.test/b", guid="abc"),
    ]
    new, _ = entry_keys(items)
    assert store.record_feed_fetch(feed.id, _ok_update(), new) == 2


def test_feed_removed_from_config_is_disabled_not_deleted(store: Store) -> None:
    store.sync_feeds([FEED], NOW)
    store.sync_feeds([], NOW)
    (feed,) = store.feeds()
    assert feed.enabled is False
    assert store.due_feeds(NOW) == []


def test_article_is_stored_once_and_entries_point_to_it(store: Store) -> None:
    store.sync_feeds([FEED], NOW)
    feed = store.due_feeds(NOW)[0]
    new, _ = entry_keys(_items(2))
    store.record_feed_fetch(feed.id, _ok_update(), new)
    queued = store.queued_entries(NOW, 10)
    first = store.save_article(_record(), [queued[0].id], NOW)
    second = store.save_article(_record(title="other"), [queued[1].id], NOW)
    assert first == second
    assert store.count_articles() == 1
    assert store.queue_depth() == 0


def test_the_same_row_reads_back_identically(store: Store) -> None:
    article_id = store.save_article(_record(), [], NOW)
    (view,) = store.articles_by_ids([article_id])
    assert view.title == "Rusia y Venezuela"
    assert view.published_at == NOW  # aware UTC on both backends
    assert view.state_media is True and view.controlling_state == "russia"
    (tag,) = view.tags
    assert (tag.kind, tag.name, tag.score) == ("actor", "russia", 3.5)
    assert tag.matches[0]["term"] == "Rusia" and tag.matches[0]["field"] == "title"


def test_bundle_candidates_carry_tags_without_their_match_explanations(store: Store) -> None:
    """The bundle reads tags by name and score only (its memory); the export's
    `why` column and rework still get every match."""
    article_id = store.save_article(_record(), [], NOW)
    (candidate,) = store.iter_candidates("2021-08")
    (tag,) = candidate.tags
    assert (candidate.id, tag.kind, tag.name, tag.score) == (article_id, "actor", "russia", 3.5)
    assert tag.matches == ()
    (exported,) = store.iter_period("2021-08")
    assert [m["term"] for m in exported.tags[0].matches] == ["Rusia"]
    assert candidate.tags == tuple(replace(t, matches=()) for t in exported.tags)


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        store.start_run("cycle", None, datetime(2021, 8, 1))


def test_failed_entries_wait_for_their_retry_time(store: Store) -> None:
    store.sync_feeds([FEED], NOW)
    feed = store.due_feeds(NOW)[0]
    new, _ = entry_keys(_items(1))
    store.record_feed_fetch(feed.id, _ok_update(), new)
    (entry,) = store.queued_entries(NOW, 10)
    store.fail_entries([entry.id], "timeout", "slow", NOW, NOW + timedelta(minutes=10))
    assert store.queued_entries(NOW, 10) == []
    (again,) = store.queued_entries(NOW + timedelta(minutes=11), 10)
    assert again.attempts == 1


def test_runs_are_recorded(store: Store) -> None:
    run_id = store.start_run("cycle", "w1", NOW)
    store.finish_run(run_id, NOW + timedelta(seconds=5), "ok", {"articles_new": 3}, {"timeout": 1})
    (run,) = store.recent_runs()
    assert run["status"] == "ok" and run["counts"] == {"articles_new": 3}


def _queued(store: Store, n: int) -> list[int]:
    store.sync_feeds([FEED], NOW)
    feed = store.due_feeds(NOW)[0]
    new, _ = entry_keys(_items(n))
    store.record_feed_fetch(feed.id, _ok_update(), new)
    return [e.id for e in store.queued_entries(NOW, 10)]


def _entry_states(store: Store) -> dict[int, tuple[str, int | None]]:
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, state, article_id FROM entries"))
        return {r.id: (r.state, r.article_id) for r in rows}


def test_a_batch_of_articles_is_one_transaction_that_sees_its_own_saves(store: Store) -> None:
    """Two entries with the same text in one batch: the second finds the first."""
    first_entry, second_entry, third_entry = _queued(store, 3)
    copy = replace(_record("c" * 64), content_hash="h" * 64)
    with store.article_batch(NOW) as batch:
        first = batch.save(replace(_record(), content_hash="h" * 64), [first_entry])
        assert batch.find_duplicate(duplicate_probes(copy, NOW)) == first
        batch.link([second_entry], first)
        batch.skip([third_entry], "out_of_period")
    assert store.count_articles() == 1
    assert _entry_states(store) == {
        first_entry: ("done", first),
        second_entry: ("done", first),
        third_entry: ("skipped", None),
    }


def test_a_batch_that_fails_midway_writes_nothing(store: Store) -> None:
    ids = _queued(store, 2)
    with pytest.raises(RuntimeError), store.article_batch(NOW) as batch:
        batch.save(_record(), [ids[0]])
        raise RuntimeError("killed between two articles")
    assert store.count_articles() == 0
    assert [e.id for e in store.queued_entries(NOW, 10)] == ids  # both still to do


def test_the_dedup_chain_takes_the_earliest_step_that_finds_an_article(store: Store) -> None:
    """One statement asks every step; the URL step beats a content hit, and the
    title step keeps to its outlet and window."""
    by_content = replace(_record("a" * 64), content_hash="h" * 64, title_key="t" * 64)
    by_url = replace(_record("b" * 64), content_hash="other", title_key="u" * 64)
    old_title = replace(
        _record("c" * 64), first_seen=NOW - timedelta(days=30), title_key="old" + "t" * 61
    )
    content_id = store.save_article(by_content, [], NOW)
    url_id = store.save_article(by_url, [], NOW)
    store.save_article(old_title, [], NOW)
    probe = replace(_record("b" * 64), content_hash="h" * 64, title_key="t" * 64)
    assert store.find_duplicate(duplicate_probes(probe, NOW)) == url_id
    unknown_url = replace(probe, url_key="z" * 64)
    assert store.find_duplicate(duplicate_probes(unknown_url, NOW)) == content_id
    title_only = replace(unknown_url, content_hash="none")
    assert store.find_duplicate(duplicate_probes(title_only, NOW)) == content_id
    elsewhere = replace(title_only, outlet="ve_telesur")
    assert store.find_duplicate(duplicate_probes(elsewhere, NOW)) is None
    stale = replace(title_only, title_key="old" + "t" * 61)
    assert store.find_duplicate(duplicate_probes(stale, NOW)) is None
