"""APScheduler job options, asserted (RELIABILITY #117, #119-#121)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from pipeline.daemon.scheduler import (
    DAILY_GRACE_S,
    JobEvents,
    add_daily_job,
    add_interval_job,
    build_scheduler,
)

PROBE = Path(__file__).with_name("sched_probe.py")
REPO = Path(__file__).resolve().parents[2]


def _noop() -> None:
    pass


def test_cycle_job_options_are_the_daemons_not_apschedulers_defaults() -> None:
    """#120: the effective per-job options (catches options passed outside job_defaults)."""
    sched = build_scheduler(300)
    now = datetime.now(UTC)
    add_interval_job(sched, _noop, 300, now=now)
    sched.start(paused=True)
    try:
        job = sched.get_job("cycle")
        assert job.misfire_grace_time == 300
        assert job.coalesce is True
        assert job.max_instances == 1
        # #121: the first run is at start-up, not one interval later.
        assert abs((job.next_run_time - now).total_seconds()) < 1
    finally:
        sched.shutdown(wait=False)


def test_apscheduler_defaults_would_drop_late_runs_after_one_second() -> None:
    """The trap the options above avoid: a 1 s grace (S10)."""
    sched = BackgroundScheduler(timezone=UTC)
    sched.add_job(_noop, "interval", seconds=300, id="x")
    sched.start(paused=True)
    try:
        assert sched.get_job("x").misfire_grace_time == 1
    finally:
        sched.shutdown(wait=False)


def test_daily_jobs_keep_an_hour_of_grace() -> None:
    sched = build_scheduler(300)
    add_daily_job(sched, _noop, "maintenance", dtime(3, 30))
    sched.start(paused=True)
    try:
        job = sched.get_job("maintenance")
        assert job.misfire_grace_time == DAILY_GRACE_S
        assert (job.coalesce, job.max_instances) == (True, 1)
        fire = job.trigger.get_next_fire_time(None, datetime(2026, 1, 1, 4, 0, tzinfo=UTC))
        assert (fire.hour, fire.minute, fire.day) == (3, 30, 2)
    finally:
        sched.shutdown(wait=False)


def test_a_cycle_longer_than_the_interval_never_overlaps(caplog: pytest.LogCaptureFixture) -> None:
    """#117: runs due while one is running are skipped and logged with a count."""
    events = JobEvents()
    sched = build_scheduler(1, events)
    state = {"active": 0, "max_active": 0, "runs": 0}
    lock = threading.Lock()

    def slow() -> None:
        with lock:
            state["active"] += 1
            state["runs"] += 1
            state["max_active"] = max(state["max_active"], state["active"])
        time.sleep(1.3)
        with lock:
            state["active"] -= 1

    caplog.set_level(logging.WARNING, logger="pipeline.daemon.scheduler")
    add_interval_job(sched, slow, 0.5)
    sched.start()
    # Until a fire time came while the slow run was active (not a fixed sleep:
    # a busy machine may start the scheduler thread late).
    deadline = time.monotonic() + 30
    while events.count("cycle", "overlap_skipped") < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    sched.shutdown(wait=True)
    assert state["max_active"] == 1
    assert state["runs"] >= 1
    skipped = events.count("cycle", "overlap_skipped")
    assert skipped >= 1
    warnings = [r for r in caplog.records if getattr(r, "outcome", None) == "overlap_skipped"]
    assert warnings and warnings[-1].count == skipped  # type: ignore[attr-defined]


def _start_probe(mode: str, interval: float) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, str(PROBE), str(interval), mode],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


_PARTIAL: dict[int, str] = {}  # per probe pid: the start of a line not yet complete


def _read(proc: subprocess.Popen[str]) -> list[tuple[str, float, float]]:
    """Probe lines available now (non-blocking). A non-blocking read can end in the
    middle of a line the probe is still writing: that part waits for the rest."""
    assert proc.stdout is not None
    out = []
    while chunk := proc.stdout.readline():
        line = _PARTIAL.pop(proc.pid, "") + chunk
        if not line.endswith("\n"):
            _PARTIAL[proc.pid] = line
            break
        kind, *nums = line.split()
        if kind in ("executed", "missed"):
            out.append((kind, float(nums[0]), float(nums[1])))
    return out


def _stop_and_resume(proc: subprocess.Popen[str], interval: float) -> tuple[list, float, float]:
    """SIGSTOP right after the second run, SIGCONT 1.25 s after the third fire
    time missed while stopped: later than APScheduler's 1 s default grace,
    within ours. Returns the events, the last fire time before the stop and
    the resume time."""
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    events: list[tuple[str, float, float]] = []
    deadline = time.time() + 10
    while len(events) < 2 and time.time() < deadline:
        events += _read(proc)
        time.sleep(0.01)
    assert len(events) >= 2, events
    proc.send_signal(signal.SIGSTOP)
    ref = events[-1][1]
    resume_at = ref + 3 * interval + 1.25
    return events, ref, resume_at


def test_a_stopped_process_gets_exactly_one_catch_up_run() -> None:
    """#119: SIGSTOP across three intervals, then SIGCONT: one coalesced run, not
    dropped (our grace is the interval) and not a burst. APScheduler's defaults,
    run alongside, drop that run as missed."""
    interval = 1.5
    probes = {mode: _start_probe(mode, interval) for mode in ("ours", "apscheduler-defaults")}
    try:
        plan = {mode: _stop_and_resume(proc, interval) for mode, proc in probes.items()}
        for mode in sorted(plan, key=lambda m: plan[m][2]):
            time.sleep(max(0.0, plan[mode][2] - time.time()))
            probes[mode].send_signal(signal.SIGCONT)
        time.sleep(0.8)
        events = {mode: plan[mode][0] + _read(proc) for mode, proc in probes.items()}
    finally:
        for proc in probes.values():
            proc.kill()
            proc.wait()
    for mode, (_, ref, resume_at) in plan.items():
        stopped = [e for e in events[mode] if ref < e[1] < resume_at - 0.5]
        kinds = sorted(k for k, _, _ in stopped)
        if mode == "ours":
            assert kinds == ["executed"], events[mode]
            assert stopped[0][2] >= resume_at - 0.2  # it ran after the resume
        else:
            assert kinds == ["missed"], events[mode]
