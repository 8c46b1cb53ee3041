"""APScheduler 3.x set-up, with every job option chosen on purpose.

APScheduler's defaults are traps for a collector that runs for months
(RELIABILITY 1.9, S10):

- ``misfire_grace_time`` defaults to 1 s: on a loaded or suspended box a run
  that starts 2 s late is silently dropped. We set it to the interval, and we
  pass it through ``job_defaults`` (a scheduler keyword is ignored, #146).
- ``coalesce=True``: after a stop (SIGSTOP, a suspended VM) the missed runs
  collapse into one catch-up run, not a burst.
- ``max_instances=1``: cycles never overlap. This alone would turn a hung
  cycle into "skipped: maximum number of running instances reached" forever;
  the watchdog (:mod:`pipeline.daemon.watchdog`) bounds every cycle so the
  job always returns.
- ``next_run_time=now``: the first cycle runs at start-up, not one interval
  later; with the in-memory job store a restart never replays old runs.

Missed and overlapping runs are logged as warnings with a running count.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from datetime import time as dtime
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

logger = logging.getLogger(__name__)

CYCLE_JOB = "cycle"
MAINTENANCE_JOB = "maintenance"
BUNDLE_JOB = "bundle"
DAILY_GRACE_S = 3600  # a nightly job that wakes up to an hour late still runs


def job_defaults(interval_s: float) -> dict[str, Any]:
    """The options every job gets unless it overrides them."""
    return {
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": max(1, round(interval_s)),
    }


class JobEvents:
    """Counts and logs missed, skipped (overlapping), failed and finished runs."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def __call__(self, event: JobEvent) -> None:
        kind = {
            EVENT_JOB_MISSED: "missed",
            EVENT_JOB_MAX_INSTANCES: "overlap_skipped",
            EVENT_JOB_ERROR: "error",
            EVENT_JOB_EXECUTED: "executed",
        }.get(event.code)
        if kind is None:
            return
        with self._lock:
            self.counts[(event.job_id, kind)] += 1
            count = self.counts[(event.job_id, kind)]
        if kind == "executed":
            return
        level = logging.ERROR if kind == "error" else logging.WARNING
        logger.log(
            level,
            "scheduled run %s",
            kind.replace("_", " "),
            extra={"job": event.job_id, "outcome": kind, "count": count},
        )

    def count(self, job_id: str, kind: str) -> int:
        with self._lock:
            return self.counts[(job_id, kind)]


def build_scheduler(interval_s: float, events: JobEvents | None = None) -> BackgroundScheduler:
    """A background scheduler (UTC, in-memory store, a small thread pool)."""
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults=job_defaults(interval_s),
        timezone=UTC,
    )
    mask = EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR | EVENT_JOB_EXECUTED
    scheduler.add_listener(events or JobEvents(), mask)
    return scheduler


def add_interval_job(
    scheduler: BackgroundScheduler,
    func: Callable[[], Any],
    interval_s: float,
    *,
    job_id: str = CYCLE_JOB,
    now: datetime | None = None,
) -> Job:
    """Every ``interval_s`` seconds, first run at once (``next_run_time=now``)."""
    return scheduler.add_job(
        func,
        IntervalTrigger(seconds=interval_s, timezone=UTC),
        id=job_id,
        name=job_id,
        next_run_time=now or datetime.now(UTC),
    )


def add_daily_job(
    scheduler: BackgroundScheduler, func: Callable[[], Any], job_id: str, at: dtime
) -> Job:
    """Once a day at ``at`` (UTC); the grace is an hour, not the cycle interval."""
    return scheduler.add_job(
        func,
        CronTrigger(hour=at.hour, minute=at.minute, timezone=UTC),
        id=job_id,
        name=job_id,
        misfire_grace_time=DAILY_GRACE_S,
    )
