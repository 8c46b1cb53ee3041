"""Operational settings: defaults, optional ``settings.yaml``, environment.

Precedence, lowest to highest: the defaults below, ``settings.yaml`` in the
config directory (optional), then the ``VRIC_*`` environment variables that
DESIGN.md names as contracts.
"""

from __future__ import annotations

import ipaddress
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator


class FetchSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_agent: str = "vric-pipeline/{version} (+https://github.com/vric-monitor/pipeline)"
    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(15.0, gt=0)
    deadline: float = Field(30.0, gt=0)
    dns_timeout: float = Field(5.0, gt=0)
    max_feed_bytes: int = Field(15 * 2**20, gt=0)
    max_page_bytes: int = Field(5 * 2**20, gt=0)
    max_error_bytes: int = Field(64 * 2**10, gt=0)
    max_redirects: int = Field(5, ge=0, le=20)
    per_host_concurrency: int = Field(2, ge=1)
    min_host_interval: float = Field(1.0, ge=0)
    max_connections: int = Field(40, ge=1, le=64)
    respect_robots: bool = True
    proxy: str | None = None
    ca_file: str | None = None  # extra CA bundle for internal feeds; verification stays on
    # "IP:port" every host name resolves to: the offline demo's server (`vric demo
    # --serve`) for a daemon. Never in production; the address must also be in
    # allow_hosts (VRIC_ALLOW_HOSTS), as loopback is refused otherwise.
    resolve_all_to: str | None = None

    @field_validator("resolve_all_to")
    @classmethod
    def _ip_and_port(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, sep, port = value.rpartition(":")
        try:
            ipaddress.ip_address(host.strip("[]"))
            ok = bool(sep) and 0 < int(port) < 65536
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"not an IP:port address: {value!r} (e.g. 127.0.0.1:8080)")
        return value


class IngestSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_items_per_feed: int = Field(500, ge=1)
    parse_deadline: float = Field(20.0, gt=0)
    parse_recycle_after: int = Field(2000, ge=1)  # feeds per parser process before it is replaced
    extract_deadline: float = Field(20.0, gt=0)
    extract_processes: int = Field(0, ge=0)  # 0 = one per core
    extract_recycle_after: int = Field(200, ge=1)
    min_text_chars: int = Field(300, ge=0)  # shorter extractions fall back to the summary
    accepted_languages: tuple[str, ...] = ("es", "pt", "en")
    articles_per_cycle: int = Field(2000, ge=1)
    keep_raw_html_days: int = Field(0, ge=0)  # 0 = do not keep raw HTML
    max_entry_attempts: int = Field(5, ge=1)


class BackfillSettings(BaseModel):
    """``backfill:`` in settings.yaml (docs/backfill.md). The caps bound a run
    whatever a site serves: a sitemap bomb or an index loop is an error code."""

    model_config = ConfigDict(extra="forbid")

    max_sitemap_bytes: int = Field(50 * 2**20, gt=0)  # decompressed; the protocol's own limit
    max_index_depth: int = Field(3, ge=1, le=10)  # index → index → urlset
    max_sitemaps: int = Field(500, ge=1)  # per outlet and run
    max_feed_pages: int = Field(50, ge=1)  # ?paged=N / prev-archive pages per feed
    max_pages: int = Field(5000, ge=1)  # article pages per run (--max-pages overrides)
    batch: int = Field(50, ge=1)  # pages fetched and stored per batch
    search_url: str = "https://news.google.com/rss/search?q={query}&hl={lang}&gl=US&ceid=US:{lang}"
    search_languages: tuple[str, ...] = ("es",)
    search_window_days: int = Field(7, ge=1, le=62)
    auto: bool = False  # heal gaps after a feed recovers (daemon)
    gap_hours: float = Field(24.0, gt=0)  # an outage longer than this is healed


class PolicySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period_start_month: Literal["even", "odd"] = "even"
    timezone: str = "UTC"

    state_media_cap: float = Field(0.20, ge=0, le=1)
    syndicated_counts_as_state: bool = True
    count_review_outlets: bool = True
    # The digest's order within a section (the rank still decides what the cap keeps).
    digest_order: Literal["newest_first", "oldest_first", "rank"] = "newest_first"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value


class StoriesSettings(BaseModel):
    """``stories:`` in settings.yaml: grouping reports of one event by several
    outlets (pipeline/article/stories.py, docs/tagging.md "Stories")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True  # group after every ingest cycle that stored articles
    window_days: float = Field(3.0, gt=0, le=31)  # most days between two reports of one event
    min_shared: int = Field(2, ge=1)  # entities and country/actor tags two reports share
    min_score: float = Field(0.57, ge=0, le=1)  # entity overlap and title similarity, combined
    entity_weight: float = Field(0.6, ge=0, le=1)  # the entities' share of the score
    max_df: float = Field(
        0.25, gt=0, le=1
    )  # an entity in more of a period's items proposes no pair
    one_per_story: bool = True  # the bundle shows a story once, the others "also reported by"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database_url: str = "sqlite:///vric.db"
    allow_hosts: frozenset[str] = frozenset()
    fetch: FetchSettings = FetchSettings()
    ingest: IngestSettings = IngestSettings()
    policy: PolicySettings = PolicySettings()
    backfill: BackfillSettings = BackfillSettings()
    stories: StoriesSettings = StoriesSettings()


def parse_allow_hosts(value: str | None) -> frozenset[str]:
    """``VRIC_ALLOW_HOSTS``: comma-separated ``host`` or ``host:port`` entries."""
    if not value:
        return frozenset()
    return frozenset(part.strip().lower() for part in value.split(",") if part.strip())
