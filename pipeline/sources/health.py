"""Retry, backoff and health policy for feeds (pure: ``now`` and ``rng`` passed in).

A feed is never silently dropped. Each failure adds its *weight* to a
counter that resets on success; the delay to the next attempt doubles per
unit of weight from the poll interval, with ±20 % jitter, capped at 24 h. A
feed whose counter reaches ``FAILING_WEIGHT`` is ``failing``: it keeps being
tried at the cap and stands out in ``vric feeds status``. ``gone`` (410)
stops polling until an operator acts.

Failure weights come from the one table of error codes
(:data:`pipeline.errors.CODES`, documented in docs/fetching.md): 1 for codes
that stay wrong until someone acts (``http_4xx``, ``gone``, ``not_a_feed``...),
0.5 for broken servers that are often repaired within days (``http_5xx``,
``tls``, ``dns``...) and for any code the table does not know, 0.25 for
network weather (``timeout``, ``connect``, ``reset``, ``rate_limited``), 0 for
our own faults (``db_busy``, ``disk_full``...).

Pages: a page whose fetch failed with a transient code (the table's
``transient`` column) is fetched again after 5 min × 2^attempts, up to
``max_entry_attempts``; any other failure falls back to the feed summary at once.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Final

from pipeline.errors import code_info, is_transient
from pipeline.types import EntrySpan, FeedRow, FeedUpdate, FetchResult

MAX_BACKOFF_S: Final = 24 * 3600.0
MAX_RETRY_AFTER_S: Final = 7 * 24 * 3600.0
JITTER: Final = 0.2
FAILING_WEIGHT: Final = 30.0

STATES: Final = ("ok", "backing-off", "failing", "gone", "disabled")
PAGE_RETRY_BASE: Final = timedelta(minutes=5)
MAX_ERROR_CHARS: Final = 2000


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or an
    HTTP date). Garbage and negative numbers give None; a date in the past 0."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    if text[0] in "+-" or text.replace(".", "", 1).isdigit():
        return None  # signed or fractional: not delay-seconds
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP dates are GMT
    return max(0.0, (when - now).total_seconds())


def failure_weight(error_code: str | None) -> float:
    """How much one failure with this code adds to the feed's counter (0 for None)."""
    return 0.0 if error_code is None else code_info(error_code).weight


def backoff_seconds(interval_s: float, failures_weight: float) -> float:
    """The delay before jitter: the interval doubled per unit of weight, capped."""
    cap = max(MAX_BACKOFF_S, interval_s)
    if failures_weight <= 0:
        return interval_s
    exponent = min(failures_weight, 64.0)  # 2**64 intervals is far beyond any cap
    return min(cap, interval_s * 2.0**exponent)


def next_due(
    now: datetime,
    interval_s: float,
    failures_weight: float,
    retry_after_s: float | None,
    rng: random.Random,
) -> datetime:
    """When to fetch the feed next.

    Backoff grows with the weighted failure counter (``backoff_seconds``),
    jittered by ±20 % and never beyond 24 h (or the interval, if longer), so
    feeds at the cap spread over its last fifth. A server's Retry-After is
    clamped to [interval, 7 days] and wins when later.
    """
    cap = max(MAX_BACKOFF_S, interval_s)
    delay = min(
        cap, backoff_seconds(interval_s, failures_weight) * rng.uniform(1 - JITTER, 1 + JITTER)
    )
    if retry_after_s is not None:
        delay = max(delay, min(max(retry_after_s, interval_s), MAX_RETRY_AFTER_S))
    return now + timedelta(seconds=delay)


def feed_state(
    *,
    enabled: bool = True,
    gone: bool = False,
    failures: float = 0.0,
    now: datetime | None = None,
    next_due: datetime | None = None,
    failing_weight: float = FAILING_WEIGHT,
) -> str:
    """``ok`` / ``backing-off`` / ``failing`` / ``gone`` / ``disabled`` from the
    feed's stored columns: ``failures`` is the weighted counter, ``gone`` the
    last attempt's 410. ``now`` and ``next_due`` are accepted for the caller's
    convenience but do not change the answer: a feed whose next attempt is
    already due still counts as backing off until it succeeds."""
    if not enabled:
        return "disabled"
    if gone:
        return "gone"
    if failures >= failing_weight:
        return "failing"
    if failures > 0:
        return "backing-off"
    return "ok"


def is_polled(state: str) -> bool:
    """Whether the scheduler keeps fetching a feed in this state (failing: yes)."""
    return state not in ("gone", "disabled")


def adaptive_interval(
    span: EntrySpan | None, default_s: float, min_s: float = 300.0, max_s: float = 86400.0
) -> float:
    """A poll interval from the feed's entry frequency: half the average gap
    between its newest entries (``span``, the store's newest 50), so a new item
    waits on average a quarter of a gap, clamped to [min_s, max_s]. With fewer
    than two distinct dates, the (clamped) default."""
    if span is None or span.distinct < 2 or span.last <= span.first:
        return _clamp(default_s, min_s, max_s)
    average_gap = (span.last - span.first).total_seconds() / (span.distinct - 1)
    return _clamp(average_gap / 2, min_s, max_s)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


# ---------------------------------------------------------------- feed outcomes


def succeeded(
    feed: FeedRow, result: FetchResult, body_hash: str, interval_s: int, now: datetime
) -> FeedUpdate:
    """The feed's new state after a fetch that worked (changed or not)."""
    return FeedUpdate(
        attempt_at=now,
        success_at=now,
        next_due=now + timedelta(seconds=interval_s),
        state="ok",
        failures=0.0,
        consecutive_failures=0,
        last_status=result.status,
        etag=result.etag if not result.not_modified else (result.etag or feed.etag),
        last_modified=result.last_modified or feed.last_modified,
        body_hash=body_hash,
        effective_url=result.final_url if result.final_url != feed.url else None,
        interval_s=interval_s,
    )


def failed(
    feed: FeedRow,
    code: str,
    message: str | None,
    result: FetchResult,
    now: datetime,
    rng: random.Random,
) -> FeedUpdate:
    """The feed's new state after a failed fetch or parse: weight, backoff, state."""
    failures = feed.failures + failure_weight(code)
    retry_after = parse_retry_after(result.retry_after, now)
    due = next_due(now, feed.interval_s, failures, retry_after, rng)
    return FeedUpdate(
        attempt_at=now,
        next_due=due,
        state=feed_state(enabled=feed.enabled, gone=code == "gone", failures=failures),
        failures=failures,
        consecutive_failures=feed.consecutive_failures + 1,
        last_status=result.status,
        error_code=code,
        error=(message or code)[:MAX_ERROR_CHARS],
    )


# ---------------------------------------------------------------- pages


def page_retry_at(
    error_code: str | None, attempts: int, max_attempts: int, now: datetime
) -> datetime | None:
    """When to fetch a failed page again, or None to give up on it now.

    ``attempts`` counts this one. Only transient codes are retried, after
    5 min × 2^attempts, while fewer than ``max_attempts`` were made.
    """
    if not is_transient(error_code) or attempts >= max_attempts:
        return None
    return now + PAGE_RETRY_BASE * 2**attempts
