"""Claims and leases on both backends (RELIABILITY #111-#112 at the store level)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.article.identity import entry_keys
from pipeline.store import Store
from pipeline.types import ConfiguredFeed, FeedItem, FeedUpdate

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LEASE = 60.0


def _feeds(store: Store, n: int) -> list[int]:
    specs = [
        ConfiguredFeed(
            key=f"f{i}",
            url=f"http://news{i}.example/rss",
            outlet="ru_rt_es",
            kind="rss",
            language="es",
            allow_private=False,
        )
        for i in range(n)
    ]
    store.sync_feeds(specs, NOW)
    return [f.id for f in store.feeds()]


def _done(store: Store, feed_id: int, urls: list[str]) -> int:
    upd = FeedUpdate(
        attempt_at=NOW,
        success_at=NOW,
        next_due=NOW + timedelta(hours=1),
        state="ok",
        failures=0.0,
        consecutive_failures=0,
        last_status=200,
    )
    new, _ = entry_keys([FeedItem(url=u, guid=u, title="t") for u in urls])
    return store.record_feed_fetch(feed_id, upd, new)


def test_a_claimed_feed_is_invisible_to_others_until_its_lease_ends(store: Store) -> None:
    _feeds(store, 3)
    first = store.claim_feeds("w1", NOW, LEASE, 2)
    second = store.claim_feeds("w2", NOW, LEASE, 10)
    assert len(first) == 2 and len(second) == 1
    assert not {f.id for f in first} & {f.id for f in second}
    assert store.claim_feeds("w3", NOW, LEASE, 10) == []
    # w1 was killed: after the lease its feeds come back to someone else.
    later = NOW + timedelta(seconds=LEASE + 1)
    assert {f.id for f in store.claim_feeds("w3", later, LEASE, 10)} == {
        f.id for f in first + second
    }


def test_a_polled_feed_is_not_due_again_after_release(store: Store) -> None:
    ids = _feeds(store, 2)
    claimed = store.claim_feeds("w1", NOW, LEASE, 10)
    assert {f.id for f in claimed} == set(ids)
    _done(store, ids[0], ["http://news0.example/a"])
    assert store.release_leases("w1") >= 2
    again = store.claim_feeds("w2", NOW, LEASE, 10)
    assert [f.id for f in again] == [ids[1]]  # the polled one waits for next_due


def test_entries_of_the_same_article_are_claimed_together(store: Store) -> None:
    a, b = _feeds(store, 2)
    _done(store, a, ["http://site.example/shared", "http://site.example/a1"])
    _done(store, b, ["http://site.example/b1", "http://site.example/shared"])
    batch = store.claim_entries("w1", NOW, LEASE, 1)  # the lowest id: a's copy of shared
    assert [e.url for e in batch] == ["http://site.example/shared"] * 2
    rest = store.claim_entries("w2", NOW, LEASE, 10)
    assert sorted(e.url for e in rest) == ["http://site.example/a1", "http://site.example/b1"]
    assert store.claim_entries("w3", NOW, LEASE, 10) == []
    holders = {h["owner"]: h for h in store.lease_holders(NOW)}
    assert holders["w1"]["entries"] == 2 and holders["w2"]["entries"] == 2


def test_release_of_one_owner_leaves_the_others(store: Store) -> None:
    _feeds(store, 2)
    store.claim_feeds("w1", NOW, LEASE, 1)
    store.claim_feeds("w2", NOW, LEASE, 1)
    store.release_leases("w1")
    assert [h["owner"] for h in store.lease_holders(NOW)] == ["w2"]
    store.release_leases(None)
    assert store.lease_holders(NOW) == []


def test_concurrent_claimers_never_share_a_feed(store: Store) -> None:
    """Eight threads claim in small batches at once: every feed exactly once."""
    ids = _feeds(store, 40)
    got: dict[str, list[int]] = {}
    barrier = threading.Barrier(8)

    def claim(owner: str) -> None:
        barrier.wait()
        mine: list[int] = []
        while batch := store.claim_feeds(owner, NOW, LEASE, 3):
            mine += [f.id for f in batch]
        got[owner] = mine

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    claimed = [i for mine in got.values() for i in mine]
    assert sorted(claimed) == sorted(ids)


@pytest.mark.postgres
def test_a_session_advisory_lock_excludes_others_and_names_its_holder(pg_url: str) -> None:
    one, two = Store(pg_url), Store(pg_url)
    try:
        with one.advisory_lock("bundle") as got:
            assert got
            with two.advisory_lock("bundle") as other:
                assert not other
            holder = two.advisory_holder("bundle")
            assert holder is not None and holder["pid"] > 0
        with two.advisory_lock("bundle") as again:
            assert again
    finally:
        one.close()
        two.close()
