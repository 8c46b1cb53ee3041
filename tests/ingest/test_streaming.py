"""Ingest streams (issue 17): an article is assembled and stored while later
pages are still being fetched, not after the whole batch is fetched and
extracted; feed bodies are parsed side by side as they arrive."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from pipeline import isolation
from pipeline.config import DEFAULTS_DIR, load_config
from pipeline.extract import ExtractorPool
from pipeline.fetch import FetchRequest
from pipeline.ingest import feeds
from pipeline.ingest.cycle import CycleReport, Ingestor
from pipeline.parse import ParserPool, parse_task
from pipeline.store import Store
from pipeline.types import ConfiguredFeed, FeedItem, FetchResult
from tests.curate.factory import queue_items

NOW = datetime(2021, 8, 20, 12, 0, tzinfo=UTC)
PAGES = 12
SENTENCE = (
    "El canciller ruso Serguéi Lavrov recibió en Moscú a su par venezolano para revisar "
    "los acuerdos de cooperación energética y militar firmados el año pasado. "
)


def _page(i: int) -> bytes:
    body = "".join(f"<p>{SENTENCE} Nota {i}, párrafo {p}.</p>" for p in range(4))
    return (
        f"<html lang='es'><head><title>Nota {i}</title></head><body><article>"
        f"<h1>Lavrov y Venezuela, nota {i}</h1>{body}</article></body></html>"
    ).encode()


class SlowFeedOfPages:
    """Serves pages one by one, and notes how many articles were stored when
    each page was handed over."""

    def __init__(self, store: Store, pages: dict[str, bytes]) -> None:
        self.store, self.pages = store, pages
        self.stored_at_fetch: list[int] = []

    def fetch_many(
        self, requests: Iterable[FetchRequest], concurrency: int | None = None
    ) -> Iterator[tuple[FetchRequest, FetchResult]]:
        for request in requests:
            time.sleep(0.05)  # the network
            self.stored_at_fetch.append(len(self.store.articles_by_ids(list(range(1, 100)))))
            yield request, FetchResult(
                request.url, request.url, status=200,
                headers={"content-type": "text/html; charset=utf-8"},
                body=self.pages[request.url],
            )  # fmt: skip


@pytest.fixture(scope="module")
def config():  # type: ignore[no-untyped-def]
    return load_config({"VRIC_CONFIG_DIR": str(DEFAULTS_DIR)})


def _queue(store: Store, urls: list[str]) -> None:
    queue_items(store, [FeedItem(url=u, title=f"t{i}") for i, u in enumerate(urls)], NOW)


def test_articles_are_stored_while_later_pages_are_still_arriving(store: Store, config) -> None:  # type: ignore[no-untyped-def]
    pages = {
        f"https://www.infobae.com/america/2021/08/20/nota-{i}/": _page(i) for i in range(PAGES)
    }
    _queue(store, list(pages))
    client = SlowFeedOfPages(store, pages)
    with ExtractorPool(1) as extractor, ParserPool(1) as parser:
        ing = Ingestor(config, store, client, extractor=extractor, parser=parser,  # type: ignore[arg-type]
                       clock=lambda: NOW)  # fmt: skip
        report = CycleReport()
        ing.process_entries(report, store.queued_entries(NOW + timedelta(days=1), 100))

    assert report.articles_new == PAGES
    # Before the last page arrived, earlier ones were already stored articles.
    assert client.stored_at_fetch[-1] > 0
    assert client.stored_at_fetch == sorted(client.stored_at_fetch)


RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>F{i}</title>'
    "<item><title>Nota {i}</title><link>https://www.infobae.com/a/{i}/</link></item>"
    "</channel></rss>"
)


class Feeds:
    def fetch_many(
        self, requests: Iterable[FetchRequest], concurrency: int | None = None
    ) -> Iterator[tuple[FetchRequest, FetchResult]]:
        for i, request in enumerate(requests):
            body = RSS.format(i=i).encode()
            headers = {"content-type": "application/rss+xml"}
            yield request, FetchResult(request.url, request.url, 200, headers, body)


def test_feed_bodies_are_parsed_side_by_side(store: Store, config) -> None:  # type: ignore[no-untyped-def]
    store.sync_feeds(
        [ConfiguredFeed(key=f"f{i}", url=f"http://feeds{i}.example/rss", outlet=None,
                        kind="rss", language="es", allow_private=False) for i in range(4)],
        NOW,
    )  # fmt: skip
    slow = functools.partial(isolation.sleep_then_call, 0.8, parse_task)
    with ExtractorPool(1) as extractor, ParserPool(2, task=slow) as parser:
        ing = Ingestor(config, store, Feeds(), extractor=extractor, parser=parser,  # type: ignore[arg-type]
                       clock=lambda: NOW)  # fmt: skip
        report = CycleReport()
        started = time.monotonic()
        ing.poll_feeds(report, store.due_feeds(NOW))
        elapsed = time.monotonic() - started
    assert (report.feeds_ok, report.entries_new) == (4, 4)
    # Four parses of 0.8 s each, two processes: about 1.6 s side by side, 3.2 s one by one.
    assert elapsed < 2.8


class SlowFeeds:
    """Feeds that arrive one by one; notes how many feeds were stored as each arrives."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.stored_at_fetch: list[int] = []

    def fetch_many(
        self, requests: Iterable[FetchRequest], concurrency: int | None = None
    ) -> Iterator[tuple[FetchRequest, FetchResult]]:
        for i, request in enumerate(requests):
            time.sleep(0.03)  # the network
            self.stored_at_fetch.append(sum(f.last_success is not None for f in self.store.feeds()))
            body = RSS.format(i=i).encode()
            headers = {"content-type": "application/rss+xml"}
            yield request, FetchResult(request.url, request.url, 200, headers, body)


def test_a_slow_poll_commits_its_feeds_as_it_goes(
    store: Store, config, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(feeds, "FEED_BATCH_WAIT_S", 0.1)  # a batch waits at most 0.1 s
    store.sync_feeds(
        [ConfiguredFeed(key=f"f{i}", url=f"http://feeds{i}.example/rss", outlet=None,
                        kind="rss", language="es", allow_private=False) for i in range(12)],
        NOW,
    )  # fmt: skip
    client = SlowFeeds(store)
    with ExtractorPool(1) as extractor, ParserPool(1) as parser:
        ing = Ingestor(config, store, client, extractor=extractor, parser=parser,  # type: ignore[arg-type]
                       clock=lambda: NOW)  # fmt: skip
        report = CycleReport()
        ing.poll_feeds(report, store.due_feeds(NOW))
    assert (report.feeds_ok, report.entries_new) == (12, 12)
    # Fewer than FEED_BATCH feeds, yet stored before the last one arrived.
    assert 0 < client.stored_at_fetch[-1] < 12
    assert client.stored_at_fetch == sorted(client.stored_at_fetch)


class DatedFeed:
    """One feed whose six items were published three hours apart; the same body every poll."""

    BODY = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        + "".join(
            f"<item><title>Nota {i}</title><link>https://www.infobae.com/d/{i}/</link>"
            f"<pubDate>Thu, 19 Aug 2021 {23 - 3 * i:02d}:00:00 GMT</pubDate></item>"
            for i in range(6)
        )
        + "</channel></rss>"
    ).encode()

    def fetch_many(
        self, requests: Iterable[FetchRequest], concurrency: int | None = None
    ) -> Iterator[tuple[FetchRequest, FetchResult]]:
        for request in requests:
            headers = {"content-type": "application/rss+xml"}
            yield request, FetchResult(request.url, request.url, 200, headers, self.BODY)


def test_the_poll_interval_follows_the_feeds_entry_dates(store: Store, config) -> None:  # type: ignore[no-untyped-def]
    store.sync_feeds(
        [ConfiguredFeed(key="dated", url="http://dated.example/rss", outlet=None, kind="rss",
                        language="es", allow_private=False)],
        NOW,
    )  # fmt: skip
    later = NOW + timedelta(hours=3)
    with ExtractorPool(1) as extractor, ParserPool(1) as parser:
        for now in (NOW, later):
            ing = Ingestor(config, store, DatedFeed(), extractor=extractor, parser=parser,  # type: ignore[arg-type]
                           clock=lambda now=now: now)  # fmt: skip
            ing.poll_feeds(CycleReport(), store.feeds())
    (feed,) = store.feeds()
    # The second poll (the same body: unchanged) reads the six stored dates, 3 h apart:
    # half the gap (not the default hour), so a new item waits on average a quarter of it.
    assert feed.interval_s == 5400
    assert feed.next_due == later + timedelta(minutes=90)
