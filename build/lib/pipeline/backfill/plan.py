"""Which sitemaps and URLs can belong to a period (pure).

A date in a URL (``sitemap-2021-08.xml``, ``/2021/08/``, ``/2021/08/14/``,
``?yyyy=2021&mm=08``) names the span it covers: a month, or a day. A sitemap
index child is fetched when that span overlaps the period; without one, when
its ``lastmod`` (the newest change inside it) is not before the period
starts. A URL is kept when its date (``news:publication_date``, ``lastmod``,
else its URL date) falls in the period, or when it has none: then the page's
own date decides whether the article is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from pipeline.types import Period

# A date in a URL is a calendar day or month of the site; it is compared with
# the period's calendar days (its bounds in the configured time zone).

_PATH_DATE = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})[-/_.]?(0[1-9]|1[0-2])(?:[-/_.]?(0[1-9]|[12][0-9]|3[01]))?(?![0-9])"
)
_YEAR_KEYS = ("yyyy", "year", "y")
_MONTH_KEYS = ("mm", "month", "m")
_DAY_KEYS = ("dd", "day", "d")


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime  # exclusive

    def overlaps(self, window: tuple[datetime, datetime]) -> bool:
        return self.start < window[1] and window[0] < self.end


def calendar_window(period: Period, tz: str) -> tuple[datetime, datetime]:
    """The period's first and after-last local days, as UTC-labelled midnights
    (the scale URL dates are read on)."""
    zone = ZoneInfo(tz)
    start, end = period.start.astimezone(zone), period.end.astimezone(zone)
    return start.replace(tzinfo=UTC), end.replace(tzinfo=UTC)


def _span(year: int, month: int, day: int | None) -> Span | None:
    try:
        if day is not None:
            first = datetime(year, month, day, tzinfo=UTC)
            return Span(first, first + timedelta(days=1))
        first = datetime(year, month, 1, tzinfo=UTC)
    except ValueError:
        return None
    nxt = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return Span(first, nxt)


def _query_int(query: dict[str, list[str]], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        values = query.get(key)
        if values and values[0].isdigit():
            return int(values[0])
    return None


def url_span(url: str) -> Span | None:
    """The month or day a URL's own date names, if it names one."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    year, month = _query_int(query, _YEAR_KEYS), _query_int(query, _MONTH_KEYS)
    if year and month and 1900 <= year <= 2100 and 1 <= month <= 12:
        return _span(year, month, _query_int(query, _DAY_KEYS))
    found = None
    for match in _PATH_DATE.finditer(parts.path):
        found = match  # the last one: /archive/2019/sitemap-2021-08.xml is August 2021
    if found is None:
        return None
    return _span(int(found[1]), int(found[2]), int(found[3]) if found[3] else None)


def child_may_overlap(loc: str, lastmod: datetime | None, period: Period, tz: str = "UTC") -> bool:
    """Whether an index child can hold URLs of ``period`` (else it is never fetched)."""
    span = url_span(loc)
    if span is not None:
        return span.overlaps(calendar_window(period, tz))
    if lastmod is not None:
        return lastmod >= period.start
    return True


def url_verdict(loc: str, date: datetime | None, period: Period, tz: str = "UTC") -> str | None:
    """None when a URL is kept for ``period``, else the reason it is skipped."""
    if date is not None:
        return None if period.start <= date < period.end else "out_of_period"
    span = url_span(loc)
    if span is not None and not span.overlaps(calendar_window(period, tz)):
        return "out_of_period"
    return None


def item_verdict(published: datetime | None, period: Period) -> str | None:
    """A feed item: kept in the period, or undated (the page decides)."""
    if published is None or period.start <= published < period.end:
        return None
    return "out_of_period"
