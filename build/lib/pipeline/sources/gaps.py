"""Coverage gaps of a feed (pure): the hours it was failing or not polled.

A feed lists its last items; if it is not read for much longer than its
interval, items published meanwhile can scroll off it unseen. So a gap is the
time between two successful reads that are further apart than
:func:`gap_threshold` allows (two intervals and an hour): ``failing`` when
the reads in between failed, ``not_polled`` when nothing read it (the daemon
was down). A feed failing now has an open gap from its last success.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Gap:
    start: datetime
    end: datetime
    reason: str  # failing | not_polled | open

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def gap_threshold(interval_s: int) -> timedelta:
    return timedelta(seconds=2 * max(interval_s, 60)) + timedelta(hours=1)


def closed_gap(
    last_success: datetime | None,
    failures_since: int,
    success_at: datetime,
    interval_s: int,
) -> Gap | None:
    """The gap a success at ``success_at`` ends, if the previous one is too far back."""
    if last_success is None or success_at - last_success <= gap_threshold(interval_s):
        return None
    return Gap(last_success, success_at, "failing" if failures_since else "not_polled")


def open_gap(
    last_success: datetime | None, since: datetime, interval_s: int, now: datetime
) -> Gap | None:
    """The gap still running at ``now`` (no success for too long); ``since`` is
    when the feed was first configured, for a feed that never succeeded."""
    start = last_success or since
    if now - start <= gap_threshold(interval_s):
        return None
    return Gap(start, now, "open")


def hours_within(gaps: Iterable[Gap], start: datetime, end: datetime) -> float:
    """Hours of ``gaps`` inside ``[start, end)``, overlaps counted once."""
    spans = sorted((max(g.start, start), min(g.end, end)) for g in gaps)
    total = timedelta()
    cursor = start
    for a, b in spans:
        begin = max(a, cursor)
        if b > begin:
            total += b - begin
            cursor = b
    return round(total.total_seconds() / 3600, 1)
