"""Publication dates: parsing raw strings, the plausibility gate that every
date passes where it enters, and choosing the effective date.

Policy (docs/articles.md, "Date policy"):

1. Every date passes :func:`read_date` where it enters: feed items (RSS, Atom,
   RDF, JSON Feed), sitemaps, and the page (metadata, JSON-LD, microdata).
   Plausible means on or after 1995-01-01 and at most one day after the moment
   it was seen (a feed cannot announce an article more than a day before it
   exists; the day absorbs time-zone mistakes). An all-digit value is Unix
   seconds, or milliseconds, when that reading is plausible (``1700000000`` is
   2023-11-14, never feedparser's 1699-11-30); otherwise it is parsed like any
   other string (``20210815``).
2. The effective date is the feed date if plausible, else the first plausible
   page date, else the first-seen fetch time.
3. A candidate passed over because it was implausible adds the flag
   ``date_implausible``; one that could not be read, ``date_unparseable``. The
   raw string is kept: on the entry always, on the article when no candidate
   was usable.

Everything returned is timezone-aware UTC; naive values are read as UTC.
"""

from __future__ import annotations

import calendar
import email.utils
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

EARLIEST_PLAUSIBLE: Final = datetime(1995, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE: Final = timedelta(days=1)
IMPLAUSIBLE: Final = "date_implausible"
UNPARSEABLE: Final = "date_unparseable"
_DIGITS = re.compile(r"^[0-9]{1,16}$")

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
class DateReading:
    """One date as it entered: its plausible value, or why there is none."""

    value: datetime | None  # UTC and plausible; None when absent, unreadable or implausible
    raw: str | None
    flag: str | None = None  # IMPLAUSIBLE | UNPARSEABLE | None


def read_date(raw: str | None, *, latest: datetime, parsed: datetime | None = None) -> DateReading:
    """The one gate for a date entering the pipeline (feeds, sitemaps, pages, JSON-LD).

    ``latest`` is the last plausible moment (when the date was seen plus
    :data:`FUTURE_TOLERANCE`). ``parsed`` is what a library already read from
    ``raw`` (feedparser's struct); an all-digit ``raw`` is read here instead.
    """
    text = raw.strip() if raw else ""
    raw = raw or None
    if _DIGITS.match(text):
        value = _from_epoch(int(text), latest) or parse_date(text)
        if value is None:  # a number, but no plausible moment in either unit
            return DateReading(None, raw, IMPLAUSIBLE)
    else:
        value = to_utc(parsed) if parsed is not None else parse_date(text)
    if value is None:
        return DateReading(None, raw, UNPARSEABLE if text else None)
    if not is_plausible(value, latest):
        return DateReading(None, raw or value.isoformat(), IMPLAUSIBLE)
    return DateReading(value, raw)


def is_plausible(value: datetime, latest: datetime) -> bool:
    """On or after :data:`EARLIEST_PLAUSIBLE` and not after ``latest``."""
    return EARLIEST_PLAUSIBLE <= to_utc(value) <= to_utc(latest)


def _from_epoch(number: int, latest: datetime) -> datetime | None:
    """Unix seconds, else milliseconds, whichever is plausible (None: neither)."""
    for divisor in (1, 1000):
        try:
            value = datetime.fromtimestamp(number / divisor, tz=UTC)
        except (OverflowError, OSError, ValueError):
            continue
        if is_plausible(value, latest):
            return value
    return None


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
    page_raw: str | Sequence[str] | None,
    first_seen: datetime,
    now: datetime,
) -> EffectiveDate:
    """Choose the publication date per the module policy.

    ``page_raw`` is the page's date, or every date it declares in order
    (metadata, JSON-LD, microdata, trafilatura's): the first plausible one counts.
    """
    seen = min(to_utc(first_seen), to_utc(now))
    latest = seen + FUTURE_TOLERANCE
    pages = [page_raw] if page_raw is None or isinstance(page_raw, str) else list(page_raw)
    readings = [
        ("feed", read_date(feed_raw, latest=latest, parsed=feed_date)),
        *(("page", read_date(raw, latest=latest)) for raw in pages),
    ]
    flags: list[str] = []
    kept: str | None = None
    for source, reading in readings:
        if reading.value is not None:
            raw = reading.raw or _iso(reading.value)
            return EffectiveDate(reading.value, source, raw, tuple(flags))
        if reading.flag is not None:
            flags += [] if reading.flag in flags else [reading.flag]
            kept = kept or reading.raw
    return EffectiveDate(value=seen, source="first_seen", raw=kept, flags=tuple(flags))


def _iso(value: datetime) -> str:
    return value.isoformat()


def sort_key(value: datetime | None) -> float:
    """Seconds since the epoch for ordering; None sorts first (oldest)."""
    if value is None:
        return float("-inf")
    return float(calendar.timegm(value.utctimetuple()))
