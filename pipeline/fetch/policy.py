"""The fetch budgets and politeness settings, as one frozen value.

Defaults follow ``docs/fetching.md`` (and RELIABILITY.md 2.0). Tests shrink
them (a 0.5 s deadline, a 64 KiB cap) so hostile-server cases stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline import __version__

DEFAULT_USER_AGENT = f"vric-pipeline/{__version__} (+https://github.com/vric-monitor/pipeline)"

# Product token matched against robots.txt ``User-agent`` lines.
ROBOTS_TOKEN = "vric-pipeline"  # noqa: S105 - not a secret

ACCEPT_BY_KIND = {
    "feed": (
        "application/rss+xml, application/atom+xml, application/feed+json, "
        "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
    ),
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.8",
    "robots": "text/plain, */*;q=0.5",
}
KINDS = frozenset({"feed", "page"})

# A connection pool above ~20 connections burns CPU (PERFORMANCE.md pitfall).
MAX_POOL_CONNECTIONS = 20  # per httpx pool (FetchPolicy.shards)
ROBOTS_MAX_BYTES = 512 * 1024  # Google reads the first 500 KiB of a robots.txt
MAX_URL_CHARS = 8192


@dataclass(frozen=True)
class FetchPolicy:
    """Everything that bounds one fetch and the load put on one host."""

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 15.0  # idle time between two reads
    deadline: float = 30.0  # DNS + connect + every hop + the whole body
    dns_timeout: float = 5.0
    max_feed_bytes: int = 15 * 2**20  # decoded
    max_page_bytes: int = 5 * 2**20  # decoded
    max_error_bytes: int = 64 * 2**10  # read at most this much of a 4xx/5xx body
    max_redirects: int = 5
    per_host_concurrency: int = 2
    min_host_interval: float = 1.0  # seconds between two paced request starts on one host
    max_connections: int = 40  # in all, over pools of at most MAX_POOL_CONNECTIONS
    allow_hosts: frozenset[str] = frozenset()  # "host" or "host:port" allowed although private
    proxy: str | None = None  # when None, proxy environment variables are ignored
    respect_robots: bool = True  # robots.txt, for kind="page" only
    robots_ttl: float = 12 * 3600.0
    robots_error_ttl: float = 30 * 60.0  # how long a 5xx robots.txt disallows the host
    max_crawl_delay: float = 60.0  # a larger robots Crawl-delay is clamped to this
    dns_threads: int = 8  # resolver threads; a hung resolver cannot take more
    ca_file: str | None = None  # extra CA bundle (a corporate CA), added to certifi's
    resolve_all_to: str | None = None  # "IP:port" for every host (the demo server), else DNS
    accept_feed: str = ACCEPT_BY_KIND["feed"]  # some CDNs block on headers: configurable
    accept_page: str = ACCEPT_BY_KIND["page"]

    @staticmethod
    def paced(kind: str) -> bool:
        """Whether requests of ``kind`` keep ``min_host_interval`` (and a robots
        Crawl-delay) between their starts on one host.

        Pages and sitemaps are: a cycle or a backfill can ask one host for
        hundreds. Feeds are bounded by ``per_host_concurrency`` alone, as in
        Miniflux (``POLLING_LIMIT_PER_HOST``): the operator chose them, a host
        carries a handful, and most polls are conditional requests answered
        with 304. Pacing them made a poll of 150 feeds wait 2 s for the three
        feeds of one host.
        """
        return kind != "feed"

    def max_bytes(self, kind: str) -> int:
        if kind == "robots":
            return ROBOTS_MAX_BYTES
        return self.max_feed_bytes if kind in ("feed", "sitemap") else self.max_page_bytes

    def accept_for(self, kind: str, override: str | None = None) -> str:
        if override:
            return override
        if kind in ("feed", "sitemap"):
            return self.accept_feed
        return self.accept_page if kind == "page" else ACCEPT_BY_KIND["robots"]

    @property
    def pool_size(self) -> int:
        """Requests in flight at most (``fetch_many``'s threads): ``max_connections``."""
        return max(1, self.max_connections)

    @property
    def shards(self) -> int:
        """Connection pools the connections are split over, at most
        ``MAX_POOL_CONNECTIONS`` each: an httpx pool burns CPU above about 20
        connections (PERFORMANCE.md), so 40 connections are two pools of 20,
        each host always in the same one (keep-alive)."""
        return -(-self.pool_size // MAX_POOL_CONNECTIONS)

    @property
    def shard_size(self) -> int:
        """Connections of each of the :attr:`shards` pools (the total split evenly)."""
        return -(-self.pool_size // self.shards)


def policy_from_settings(settings: Any, allow_hosts: frozenset[str]) -> FetchPolicy:
    """Build a policy from ``pipeline.config`` fetch settings (duck-typed: any
    object with the same attribute names), so the caller need not map fields."""
    names = [n for n in FetchPolicy.__dataclass_fields__ if hasattr(settings, n)]
    values = {n: getattr(settings, n) for n in names}
    if "user_agent" in values:
        values["user_agent"] = str(values["user_agent"]).replace("{version}", __version__)
    return FetchPolicy(**values, allow_hosts=allow_hosts)
