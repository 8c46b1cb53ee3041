"""A scheduler in its own process, for the SIGSTOP/SIGCONT test (RELIABILITY #119).

``python sched_probe.py INTERVAL [ours|apscheduler-defaults]`` runs one
interval job with the daemon's options (or APScheduler's defaults) and prints
one line per event: ``executed <scheduled epoch> <actual epoch>`` or
``missed <scheduled epoch> <actual epoch>``.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler

from pipeline.daemon.scheduler import add_interval_job, build_scheduler


def main() -> None:
    interval = float(sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else "ours"
    # APScheduler's own defaults: misfire_grace_time=1 s.
    sched = build_scheduler(interval) if mode == "ours" else BackgroundScheduler(timezone="UTC")

    def report(event: Any) -> None:
        kind = "executed" if event.code == EVENT_JOB_EXECUTED else "missed"
        print(kind, event.scheduled_run_time.timestamp(), time.time(), flush=True)

    sched.add_listener(report, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    add_interval_job(sched, lambda: None, interval)
    sched.start()
    print("started", time.time(), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
