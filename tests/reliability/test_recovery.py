"""Issue 3, done-when: a feed that fails 50 times in a row and then recovers
is fetched again and its new items stored (never silently dropped)."""

from __future__ import annotations

from pipeline.store import Store
from tests.reliability.conftest import START, MakeHarness
from tests.reliability.docs import Item, page, rss
from tests.reliability.scriptserver import Reply, ScriptServer


def test_a_feed_failing_50_times_then_recovering_is_polled_and_its_items_stored(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store
) -> None:
    fresh = rss([Item("http://news.test/a/new", guid="new", published=START)])
    server.script("/f.xml", *([Reply(503, b"down")] * 50), Reply(body=fresh))
    server.serve("/a/new", page("Rusia y México firman un acuerdo"), content_type="text/html")
    h = make_harness(sqlite_store, [{"id": "f", "url": "http://feed.test/f.xml"}])
    states = []
    for _ in range(50):
        h.run_later(25)  # past the 24 h backoff cap every time
        (feed,) = sqlite_store.feeds()
        states.append(feed.state)
    assert server.served("/f.xml") == 50
    assert feed.last_error_code == "http_5xx" and feed.consecutive_failures == 50
    assert feed.failures == 25.0  # weighted: a 5xx is a soft failure (0.5)
    assert set(states) == {"backing-off"}  # slowed down, never dropped
    h.run_later(25)
    (feed,) = sqlite_store.feeds()
    assert server.served("/f.xml") == 51
    assert feed.state == "ok" and feed.failures == 0 and feed.last_error_code is None
    assert h.scalar("SELECT count(*) FROM articles") == 1
    assert h.scalar("SELECT canonical_url FROM articles") == "http://news.test/a/new"
