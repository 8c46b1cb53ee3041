"""Retry, backoff and health policy (RELIABILITY B33-B35, B37-B39, B41)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.errors import CODES, ERROR_CODES
from pipeline.sources.health import (
    FAILING_WEIGHT,
    MAX_BACKOFF_S,
    MAX_RETRY_AFTER_S,
    adaptive_interval,
    failed,
    failure_weight,
    feed_state,
    is_polled,
    next_due,
    page_retry_at,
    parse_retry_after,
    succeeded,
)
from pipeline.types import EntrySpan, FeedRow, FetchResult

NOW = datetime(2021, 8, 15, 12, 0, tzinfo=UTC)
HOUR = 3600.0


def delay(interval: float, weight: float, retry_after: float | None = None, seed: int = 1) -> float:
    due = next_due(NOW, interval, weight, retry_after, random.Random(seed))
    return (due - NOW).total_seconds()


def at_cap(seconds: float) -> bool:
    """At the 24 h cap, jitter still spreads feeds over its last fifth."""
    return MAX_BACKOFF_S * 0.8 <= seconds <= MAX_BACKOFF_S


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0), ("0", 0.0), (" 30 ", 30.0), ("999999999", 999999999.0),
        ("Sun, 15 Aug 2021 12:02:00 GMT", 120.0), ("Sun, 15 Aug 2021 11:00:00 GMT", 0.0),
        ("-5", None), ("1.5", None), ("soon", None), ("", None), (None, None),
        ("Sun, 99 Foo 2021 99:99:99 GMT", None), ("+30", None),
    ],
)  # fmt: skip
def test_b35_retry_after_seconds_dates_and_garbage(
    value: str | None, expected: float | None
) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_b34_retry_after_120_moves_the_next_fetch_at_least_that_far() -> None:
    assert delay(60.0, 0.25, retry_after=120.0) >= 120.0


def test_b35_retry_after_is_clamped_to_the_interval_and_to_seven_days() -> None:
    assert delay(HOUR, 0.0, retry_after=5.0) >= HOUR * 0.8  # never sooner than a normal poll
    assert delay(HOUR, 0.0, retry_after=999999999.0) == MAX_RETRY_AFTER_S


def test_b33_backoff_doubles_with_the_weighted_counter_with_jitter_and_a_cap() -> None:
    samples = [delay(HOUR, w, seed=s) for w in (0, 1, 2, 3) for s in range(50)]
    for weight, chunk in zip(
        (0, 1, 2, 3), (samples[i : i + 50] for i in range(0, 200, 50)), strict=True
    ):
        base = HOUR * 2**weight
        assert min(chunk) >= base * 0.8 and max(chunk) <= base * 1.2
        assert max(chunk) - min(chunk) > base * 0.1  # jitter actually spreads the load
    assert at_cap(delay(HOUR, 40.0))


def test_b33_counter_reset_after_success_gives_the_plain_interval_back() -> None:
    assert HOUR * 0.8 <= delay(HOUR, 0.0) <= HOUR * 1.2


def test_every_error_code_weighs_what_the_code_table_says() -> None:
    for code in ERROR_CODES:
        assert failure_weight(code) == CODES[code].weight in {0.0, 0.25, 0.5, 1.0}
    assert failure_weight("gone") == 1.0 and failure_weight("timeout") == 0.25
    assert failure_weight("http_5xx") == 0.5 and failure_weight("disk_full") == 0.0
    assert failure_weight("a_code_from_an_old_release") == 0.5
    assert failure_weight(None) == 0.0


def test_a_transient_page_failure_is_retried_with_doubling_delays_then_given_up() -> None:
    delays = [page_retry_at("timeout", n, 5, NOW) for n in (1, 2, 3, 4)]
    assert [(d - NOW).total_seconds() / 60 for d in delays if d] == [10, 20, 40, 80]
    assert page_retry_at("timeout", 5, 5, NOW) is None  # the last attempt: give up
    assert page_retry_at("http_5xx", 1, 5, NOW) is not None
    assert page_retry_at("http_4xx", 1, 5, NOW) is None  # not transient: summary at once
    assert page_retry_at("robots_disallowed", 1, 5, NOW) is None
    assert page_retry_at(None, 1, 5, NOW) is None


FEED = FeedRow(
    id=1, key="f", url="http://a.test/rss", outlet=None, kind="rss", language=None,
    interval_s=3600, allow_private=False, enabled=True, state="ok", etag='"old"',
)  # fmt: skip


def test_a_failed_fetch_adds_its_weight_and_backs_off_from_the_interval() -> None:
    result = FetchResult(url=FEED.url, final_url=FEED.url, status=503, retry_after="7200")
    update = failed(
        FEED, "http_5xx", "fetch: the server failed (503)", result, NOW, random.Random(1)
    )
    assert (update.failures, update.consecutive_failures, update.state) == (0.5, 1, "backing-off")
    assert update.next_due - NOW >= timedelta(hours=2)  # Retry-After wins when later
    assert update.success_at is None and update.error_code == "http_5xx"
    gone = failed(FEED, "gone", None, result, NOW, random.Random(1))
    assert gone.state == "gone" and gone.error == "gone"


def test_a_304_keeps_the_stored_etag_and_resets_the_counter() -> None:
    backing_off = FeedRow(**{**FEED.__dict__, "failures": 3.0, "consecutive_failures": 4})
    result = FetchResult(url=FEED.url, final_url=FEED.url, status=304, not_modified=True)
    update = succeeded(backing_off, result, "hash", 1800, NOW)
    assert (update.failures, update.consecutive_failures, update.state) == (0.0, 0, "ok")
    assert update.etag == '"old"' and update.next_due == NOW + timedelta(seconds=1800)
    assert update.effective_url is None


def test_b37_b38_states_for_the_health_report() -> None:
    assert feed_state() == "ok"
    assert feed_state(failures=1.0, now=NOW, next_due=NOW + timedelta(hours=2)) == "backing-off"
    assert feed_state(gone=True, failures=1.0) == "gone"
    assert feed_state(enabled=False, gone=True) == "disabled"
    assert not is_polled("gone") and not is_polled("disabled")


def test_b41_a_feed_failing_for_long_is_flagged_but_still_polled_at_the_cap() -> None:
    weight = sum(failure_weight("timeout") for _ in range(200))  # 200 timeouts: weight 50
    assert feed_state(failures=weight) == "failing"
    assert is_polled("failing")
    assert at_cap(delay(15 * 60.0, weight))
    assert feed_state(failures=FAILING_WEIGHT - 0.25) == "backing-off"
    assert feed_state(failures=10.0, failing_weight=10.0) == "failing"


def test_b39_fifty_failures_then_success_returns_to_the_normal_interval() -> None:
    weight = sum(failure_weight("http_5xx") for _ in range(50))
    assert at_cap(delay(HOUR, weight))
    assert feed_state(failures=0.0) == "ok"
    assert delay(HOUR, 0.0) <= HOUR * 1.2


def test_a_long_interval_is_not_shortened_by_the_cap() -> None:
    assert delay(2 * 86400.0, 0.0) >= 2 * 86400.0 * 0.8


def test_adaptive_interval_follows_entry_frequency_within_bounds() -> None:
    def interval(times: list[datetime], default_s: float = HOUR) -> float:
        # the span the store would return for these dates (naive ones are UTC)
        aware = {t if t.tzinfo else t.replace(tzinfo=UTC) for t in times}
        span = EntrySpan(min(aware), max(aware), len(aware)) if aware else None
        return adaptive_interval(span, default_s=default_s)

    assert interval([NOW - timedelta(hours=i) for i in range(24)]) == pytest.approx(1800.0)
    assert interval([NOW - timedelta(minutes=i) for i in range(60)]) == 300.0
    assert interval([NOW - timedelta(days=30 * i) for i in range(5)]) == 86400.0
    assert interval([]) == HOUR
    assert interval([NOW, NOW], default_s=10.0) == 300.0
    # a repeated date is one date: 3 distinct over 2 h is an hour apart, half of it
    assert interval([NOW, NOW, NOW - timedelta(hours=1), NOW - timedelta(hours=2)]) == 1800.0
    naive = [datetime(2021, 8, 15, h) for h in range(0, 24, 2)]
    assert interval(naive) == pytest.approx(3600.0)
