"""Date policy (RELIABILITY F79-F84): feed, then page, then first seen; always UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipeline.article import dates

SEEN = datetime(2021, 8, 15, 12, 0, tzinfo=UTC)
NOW = SEEN + timedelta(minutes=5)


def _eff(
    feed: datetime | None = None, feed_raw: str | None = None, page_raw: str | None = None
) -> dates.EffectiveDate:
    return dates.effective_date(feed, feed_raw, page_raw, SEEN, NOW)


def test_feed_date_wins_when_plausible() -> None:
    feed = datetime(2021, 8, 15, 9, 0, tzinfo=UTC)
    result = _eff(feed, "Sun, 15 Aug 2021 09:00:00 GMT", "2021-08-14T10:00:00Z")
    assert (result.value, result.source, result.flags) == (feed, "feed", ())
    assert result.raw == "Sun, 15 Aug 2021 09:00:00 GMT"


def test_page_date_when_the_feed_has_none() -> None:
    result = _eff(page_raw="2021-08-14T21:45:00-03:00")
    assert result.value == datetime(2021, 8, 15, 0, 45, tzinfo=UTC)
    assert result.source == "page"


def test_missing_everywhere_is_first_seen() -> None:
    """F79."""
    result = _eff()
    assert (result.value, result.source, result.raw, result.flags) == (SEEN, "first_seen", None, ())


@pytest.mark.parametrize("raw", ["garbage", "Sun, 31 Feb 2021 10:00:00 GMT", "2021-13-45", "  "])
def test_unparseable_is_first_seen_with_raw_kept(raw: str) -> None:
    """F80."""
    result = _eff(feed_raw=raw)
    assert result.value == SEEN
    assert result.source == "first_seen"
    if raw.strip():
        assert result.raw == raw
        assert result.flags == ("date_unparseable",)


@pytest.mark.parametrize(
    "raw", ["Fri, 01 Jan 9999 00:00:00 GMT", (SEEN + timedelta(days=30)).isoformat()]
)
def test_future_is_not_used_first_seen_is_and_flagged(raw: str) -> None:
    """F81: beyond one day after first seen (issue 18: implausible, not clamped)."""
    result = _eff(feed=dates.parse_date(raw), feed_raw=raw)
    assert result.value == SEEN
    assert result.source == "first_seen"
    assert result.flags == ("date_implausible",)
    assert result.raw == raw


def test_less_than_a_day_ahead_is_accepted() -> None:
    """Time-zone slips: a feed stamped a few hours after first seen is not 'future'."""
    ahead = SEEN + timedelta(hours=20)
    assert _eff(feed=ahead).value == ahead


def test_a_plausible_page_date_beats_a_future_feed_date() -> None:
    result = _eff(feed_raw="Fri, 01 Jan 9999 00:00:00 GMT", page_raw="2021-08-14T10:00:00Z")
    assert (result.source, result.value) == ("page", datetime(2021, 8, 14, 10, tzinfo=UTC))
    assert result.flags == ("date_implausible",)  # the feed's date was passed over


@pytest.mark.parametrize(
    "raw", ["0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "1989-12-31", "1994-12-31T23:59:59Z"]
)
def test_ancient_is_implausible(raw: str) -> None:
    """F82: before 1995 is invalid; no overflow."""
    result = _eff(feed_raw=raw)
    assert (result.value, result.source, result.flags, result.raw) == (
        SEEN, "first_seen", ("date_implausible",), raw,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021-08-15T10:00:00+14:00", datetime(2021, 8, 14, 20, tzinfo=UTC)),
        ("2021-08-15T10:00:00-12:00", datetime(2021, 8, 15, 22, tzinfo=UTC)),
        ("2021-08-15T10:00:00Z", datetime(2021, 8, 15, 10, tzinfo=UTC)),
        ("2021-08-15T10:00:00", datetime(2021, 8, 15, 10, tzinfo=UTC)),
        ("2021-08-15T10:00:00-0300", datetime(2021, 8, 15, 13, tzinfo=UTC)),
        ("Sun, 15 Aug 2021 10:00:00 -0400", datetime(2021, 8, 15, 14, tzinfo=UTC)),
        ("Sun, 15 Aug 2021 10:00:00 GMT", datetime(2021, 8, 15, 10, tzinfo=UTC)),
        ("2021-08-15", datetime(2021, 8, 15, tzinfo=UTC)),
        ("15/08/2021", datetime(2021, 8, 15, tzinfo=UTC)),
    ],
)
def test_offsets_normalise_to_utc(raw: str, expected: datetime) -> None:
    """F84."""
    parsed = dates.parse_date(raw)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


def test_aware_inputs_in_other_zones_come_back_in_utc() -> None:
    caracas = timezone(timedelta(hours=-4))
    result = _eff(feed=datetime(2021, 8, 15, 6, 0, tzinfo=caracas))
    assert result.value == datetime(2021, 8, 15, 10, 0, tzinfo=UTC)
    assert result.value.tzinfo == UTC


def test_clamp_target_is_stable_when_reprocessed_later() -> None:
    """Re-extracting months later gives the same effective date."""
    raw = "Fri, 01 Jan 9999 00:00:00 GMT"
    later = dates.effective_date(None, raw, None, SEEN, SEEN + timedelta(days=90))
    assert later.value == _eff(feed_raw=raw).value == SEEN


def test_from_struct_handles_feedparser_structs() -> None:
    assert dates.from_struct(None) is None
    assert dates.from_struct(datetime(2021, 8, 15, 10, tzinfo=UTC).utctimetuple()) == datetime(
        2021, 8, 15, 10, tzinfo=UTC
    )


# ---------------------------------------------------------------- the gate (issue 18)

LATEST = SEEN + dates.FUTURE_TOLERANCE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1628985600", datetime(2021, 8, 15, tzinfo=UTC)),  # Unix seconds
        ("1628985600000", datetime(2021, 8, 15, tzinfo=UTC)),  # milliseconds
        (" 1628985600 ", datetime(2021, 8, 15, tzinfo=UTC)),
        ("20210815", datetime(2021, 8, 15, tzinfo=UTC)),  # not plausible as seconds: ISO basic
    ],
)
def test_all_digit_values_are_unix_time_only_when_plausible(raw: str, expected: datetime) -> None:
    assert dates.read_date(raw, latest=LATEST) == dates.DateReading(expected, raw)


@pytest.mark.parametrize("raw", ["1700000000", "1700000000000", "0", "42", "9999999999999999"])
def test_all_digit_values_that_are_no_plausible_time_are_implausible(raw: str) -> None:
    """1700000000 is 2023-11-14: a day after SEEN + 1 is the future here."""
    assert dates.read_date(raw, latest=LATEST) == dates.DateReading(None, raw, "date_implausible")


def test_the_gate_ignores_what_feedparser_made_of_digits() -> None:
    """feedparser reads the pubDate 1700000000 as 1699-11-30."""
    bogus = datetime(1699, 11, 30, tzinfo=UTC)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    reading = dates.read_date("1700000000", latest=now, parsed=bogus)
    assert reading.value == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_the_window_is_1995_to_a_day_after_seen() -> None:
    assert dates.read_date("1995-01-01T00:00:00Z", latest=LATEST).value is not None
    assert dates.read_date(LATEST.isoformat(), latest=LATEST).value == LATEST
    late = (LATEST + timedelta(seconds=1)).isoformat()
    assert dates.read_date(late, latest=LATEST) == dates.DateReading(None, late, "date_implausible")
    assert dates.read_date("", latest=LATEST) == dates.DateReading(None, None, None)
    assert dates.read_date("soon", latest=LATEST).flag == "date_unparseable"


def test_the_first_plausible_page_date_counts_after_an_implausible_one() -> None:
    """Page metadata says 1970 (a CMS default), JSON-LD has the real time."""
    result = _eff(page_raw=["1970-01-01T00:00:00Z", "2021-08-14T21:45:00-03:00"])
    assert (result.source, result.value) == ("page", datetime(2021, 8, 15, 0, 45, tzinfo=UTC))
    assert result.flags == ("date_implausible",)
    assert result.raw == "2021-08-14T21:45:00-03:00"
