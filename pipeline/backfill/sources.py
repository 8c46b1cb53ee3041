"""Where an outlet's past articles can be found (pure, from the configuration).

Per outlet: its sitemaps declared in outlets.yaml (``sitemaps:``) or on its
feeds in feeds.yaml, the origins whose robots.txt may list more
(``Sitemap:`` lines, read by the runner), and its feeds, whose archives
(RFC 5005 ``prev-archive``, WordPress ``?paged=N``) can be walked back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote_plus, urlsplit
from zoneinfo import ZoneInfo

from pipeline.config import Config
from pipeline.config.feeds_schema import FeedSpec
from pipeline.types import Period

SEARCH_OUTLET = "agg_google_news"  # the backfill feed row that search entries hang on


@dataclass
class OutletSources:
    outlet: str
    origins: list[str] = field(default_factory=list)  # scheme://host[:port], for robots.txt
    sitemaps: list[str] = field(default_factory=list)  # declared or given (--sitemap)
    feeds: list[FeedSpec] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)  # dated search feed URLs, one page each


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _add(values: list[str], value: str | None) -> None:
    if value and value not in values:
        values.append(value)


def outlet_sources(config: Config, outlet: str) -> OutletSources:
    """What the configuration says about ``outlet``'s sources."""
    found = OutletSources(outlet)
    for spec in config.feeds.feeds:
        if spec.outlet != outlet or not spec.enabled:
            continue
        _add(found.origins, _origin(spec.url))
        for url in spec.sitemaps:
            _add(found.sitemaps, url)
        if spec.kind not in ("sitemap", "news_sitemap"):
            found.feeds.append(spec)
        else:
            _add(found.sitemaps, spec.url)
    for entry in config.outlets.outlets:
        if entry.id != outlet:
            continue
        hosts = {urlsplit(o).hostname for o in found.origins}
        for domain in entry.domains:
            if domain not in hosts and f"www.{domain}" not in hosts:
                _add(found.origins, f"https://{domain}")
        for url in entry.sitemaps:
            _add(found.sitemaps, url)
    return found


def outlets_with_sources(config: Config) -> list[str]:
    """Every outlet with an enabled feed or ``sitemaps:`` in the registry (the
    default set of a backfill)."""
    with_feeds = [s.outlet for s in config.feeds.feeds if s.enabled]
    with_sitemaps = [o.id for o in config.outlets.outlets if o.sitemaps]
    return list(dict.fromkeys(with_feeds + with_sitemaps))


def outlet_for_url(config: Config, url: str) -> str:
    """The registered outlet publishing ``url``, else its host name."""
    match = config.registry.lookup(url)
    if match is not None and match.outlet:
        return match.outlet
    return urlsplit(url).hostname or url


def search_urls(
    queries: dict[str, tuple[str, ...]],
    period: Period,
    *,
    template: str,
    languages: tuple[str, ...],
    window_days: int = 7,
    tz: str = "UTC",
) -> list[str]:
    """Dated search feed URLs: every query, language and ``window_days`` slice
    of the period, as ``<query> after:<day before> before:<day after>``
    (search feeds return a hundred items or so: short windows reach further)."""
    zone = ZoneInfo(tz)
    first = period.start.astimezone(zone).date()
    last = period.end.astimezone(zone).date()  # exclusive
    out: list[str] = []
    for actor_queries in queries.values():
        for query in actor_queries:
            day = first
            while day < last:
                end = min(day + timedelta(days=window_days), last)
                dated = f"{query} after:{day - timedelta(days=1)} before:{end}"
                for lang in languages:
                    url = template.format(query=quote_plus(dated), lang=lang)
                    if url not in out:
                        out.append(url)
                day = end
    return out
