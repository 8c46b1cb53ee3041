"""Publication dates: parsing raw strings and choosing the effective date.

Policy (docs/articles.md, "Date policy"):

1. The feed date if it is plausible, else the page's metadata date if it is
   plausible, else the first-seen fetch time.
2. Plausible means on or after 1990-01-01 and not later than one day after
   the time the item was first seen (a feed cannot announce an article more
   than a day before it exists; the day absorbs time-zone mistakes).
3. When no candidate is plausible but one lay in the future, the date is
   clamped to the first-seen time and flagged ``future_clamped``. When the
   candidates were ancient or unparseable, first seen is used and flagged
   ``implausible`` / ``unparseable``. The raw string is always kept.

Everything returned is timezone-aware UTC; naive values are read as UTC.
"""

from __future__ import annotations

import calendar
import email.utils
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

EARLIEST_PLAUSIBLE: Final = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE: Final = timedelta(days=1)

_EXTRA_FORMATS: Final = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%Y%m%dT%H%M%S%z",
)
_ISO_COMPACT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


@dataclass(frozen=True)
class EffectiveDate:
    """The date an article is filed under, and how it was chosen."""

    value: datetime  # UTC
    source: str  # feed | page | first_seen
    raw: str | None = None
    flags: tuple[str, ...] = ()


_RFC822_YEAR = re.compile(r"\b\d{1,2}\s+[A-Za-z]{3,}\.?\s+(\d{2,4})\b")


def to_utc(value: datetime) -> datetime:
    """Aware UTC datetime; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def from_struct(value: time.struct_time | None) -> datetime | None:
    """feedparser's ``*_parsed`` (a UTC struct_time) as an aware datetime."""
    if value is None:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (ValueError, TypeError, OverflowError):
        return None


def parse_date(raw: str | None) -> datetime | None:
    """Parse ISO 8601, RFC 822/1123 and a few common numeric forms; None if unsure."""
    if not raw:
        return None
    text = raw.strip()
    if not text or len(text) > 64:
        return None
    for parser in (_parse_iso, _parse_rfc822, _parse_formats):
        parsed = parser(text)
        if parsed is not None:
            try:
                return to_utc(parsed)
            except (OverflowError, ValueError):  # 9999-12-31T23:59-12:00 has no UTC
                return None
    return None


def _parse_iso(text: str) -> datetime | None:
    candidate = _ISO_COMPACT_OFFSET.sub(r"\1:\2", text) if "T" in text else text
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        return None


def _parse_rfc822(text: str) -> datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # email.utils reads years below 100 as 19xx/20xx: "0001" must not become 2001.
    year = _RFC822_YEAR.search(text)
    if year and len(year.group(1)) == 4 and int(year.group(1)) != parsed.year:
        try:
            return parsed.replace(year=int(year.group(1)))  # kept, and judged implausible
        except ValueError:
            return None
    return parsed


def _parse_formats(text: str) -> datetime | None:
    for fmt in _EXTRA_FORMATS:
        try:
            return datetime.strptime(text, fmt)  # naive on purpose: to_utc() adds UTC
        except ValueError:
            continue
    return None


def effective_date(
    feed_date: datetime | None,
    feed_raw: str | None,
    page_raw: str | None,
    first_seen: datetime,
    now: datetime,
) -> EffectiveDate:
    """Choose the publication date per the module policy."""
    seen = min(to_utc(first_seen), to_utc(now))
    latest = seen + FUTURE_TOLERANCE
    feed_value = to_utc(feed_date) if feed_date is not None else parse_date(feed_raw)
    candidates = (
        ("feed", feed_value, feed_raw),
        ("page", parse_date(page_raw), page_raw),
    )
    rejected: list[tuple[str, str | None, str]] = []
    for source, value, raw in candidates:
        verdict = _judge(value, raw, latest)
        if verdict == "ok" and value is not None:
            return EffectiveDate(value=value, source=source, raw=raw or _iso(value))
        if verdict != "absent":
            rejected.append((source, raw or (_iso(value) if value else None), verdict))
    return _fallback(seen, rejected)


def _judge(value: datetime | None, raw: str | None, latest: datetime) -> str:
    if value is None:
        return "unparseable" if raw and raw.strip() else "absent"
    if value < EARLIEST_PLAUSIBLE:
        return "implausible"
    if value > latest:
        return "future"
    return "ok"


def _fallback(seen: datetime, rejected: list[tuple[str, str | None, str]]) -> EffectiveDate:
    for source, raw, verdict in rejected:
        if verdict == "future":
            return EffectiveDate(value=seen, source=source, raw=raw, flags=("future_clamped",))
    if rejected:
        _, raw, verdict = rejected[0]
        return EffectiveDate(value=seen, source="first_seen", raw=raw, flags=(verdict,))
    return EffectiveDate(value=seen, source="first_seen")


def _iso(value: datetime) -> str:
    return value.isoformat()


def sort_key(value: datetime | None) -> float:
    """Seconds since the epoch for ordering; None sorts first (oldest)."""
    if value is None:
        return float("-inf")
    return float(calendar.timegm(value.utctimetuple()))
