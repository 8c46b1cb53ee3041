"""What the local server serves in each scenario, built from the corpus.

Factories are module-level and take plain arguments, so a
:class:`~bench.server.ServerProcess` can pickle them and build the site in
its own process (the same seed gives the same bytes on both sides).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Final

from bench.corpus import START, Corpus, synthetic_hosts
from bench.feeds import FeedEntry, render_feed
from bench.server import Resource, StaticSite, resource

RSS_TYPE: Final = "application/rss+xml; charset=utf-8"
ATOM_TYPE: Final = "application/atom+xml; charset=utf-8"
HTML_TYPE: Final = "text/html; charset=utf-8"


# ---------------------------------------------------------------- P3: many feeds


@dataclass(frozen=True)
class PolledFeed:
    url: str
    host: str
    path: str
    number: int  # the feed's number on its host
    fmt: str
    validators: bool  # ETag/Last-Modified sent (304 on the next poll) or not (same body)


def polled_feeds(count: int, seed: int) -> list[PolledFeed]:
    """``count`` feeds like the real list: nearly all alone on their host, a few
    hosts with three feeds; every other feed without validators; one in five Atom."""
    shared = max(1, count // 50)  # hosts carrying three feeds each
    single = count - 3 * shared
    hosts = synthetic_hosts(single + shared, seed)
    layout = [(h, 0) for h in hosts[:single]] + [(h, k) for h in hosts[single:] for k in range(3)]
    out = []
    for n, (host, k) in enumerate(layout[:count]):
        fmt = "atom" if n % 5 == 4 else "rss"
        path = f"/feed{k}.{'atom' if fmt == 'atom' else 'xml'}"
        out.append(PolledFeed(f"http://{host}{path}", host, path, k, fmt, validators=n % 2 == 0))
    return out


def feed_body(corpus: Corpus, feed: PolledFeed, items: int) -> bytes:
    return corpus.headline_feed(feed.host, feed.number, items, feed.fmt)


def polling_site(count: int, items: int, seed: int) -> StaticSite:
    corpus = Corpus(1, seed)
    resources = {}
    for feed in polled_feeds(count, seed):
        ctype = ATOM_TYPE if feed.fmt == "atom" else RSS_TYPE
        body = feed_body(corpus, feed, items)
        resources[(feed.host, feed.path)] = resource(body, ctype, validators=feed.validators)
    return StaticSite(resources)


# ---------------------------------------------------------------- P5: feeds that move


ROLLING_STEP: Final = timedelta(hours=6)  # one feed interval per cycle


class RollingSite:
    """``feeds`` feeds whose window of ``window`` items moves one item per tick
    on the first ``moving`` feeds (the others never change); item ``k`` of
    feed ``f`` is corpus article ``k * feeds + f``, published ``k`` steps after
    the start, and its page is rendered on first request."""

    def __init__(self, feeds: int, moving: int, window: int, seed: int, capacity: int) -> None:
        self.feeds, self.moving, self.window = feeds, moving, window
        self.corpus = Corpus(capacity, seed)
        self.hosts = [f"www.rolling{f}.com.ar" for f in range(feeds)]
        self._pages: dict[str, bytes] = {}
        self._feeds: dict[tuple[int, int], Resource] = {}

    def feed_url(self, f: int) -> str:
        return f"http://{self.hosts[f]}/feed.xml"

    def _spec(self, f: int, k: int):  # type: ignore[no-untyped-def]
        base = self.corpus.spec((k * self.feeds + f) % self.corpus.size)
        published = START + ROLLING_STEP * k
        url = f"http://{self.hosts[f]}/n/{k}/{base.url.rsplit('/', 1)[-1]}"
        outlet = replace(base.outlet, host=self.hosts[f], name=f"Rolling {f}")
        return replace(base, url=url, canonical=url, published=published, outlet=outlet)

    def _feed(self, f: int, tick: int) -> Resource:
        last = tick if f < self.moving else self.window
        key = (f, last)
        if key not in self._feeds:
            specs = [self._spec(f, k) for k in range(max(0, last - self.window + 1), last + 1)]
            entries = [FeedEntry.of(s) for s in reversed(specs)]
            body = render_feed(self.hosts[f], f"Rolling {f}", specs[0].language, entries, "rss")
            self._feeds = {k: v for k, v in self._feeds.items() if k[0] != f}  # keep memory flat
            self._feeds[key] = resource(body, RSS_TYPE, validators=f % 2 == 0)
        return self._feeds[key]

    def lookup(self, host: str, path: str, tick: int) -> Resource | None:
        if host not in self.hosts:
            return None
        f = self.hosts.index(host)
        if path == "/feed.xml":
            return self._feed(f, tick)
        if path.startswith("/n/"):
            k = int(path.split("/")[2])
            return Resource(self.corpus.render(self._spec(f, k)), HTML_TYPE)
        return None


def rolling_site(feeds: int, moving: int, window: int, seed: int, capacity: int) -> RollingSite:
    return RollingSite(feeds, moving, window, seed, capacity)
