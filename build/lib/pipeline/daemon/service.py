"""The long-running process behind ``vric daemon`` and ``vric worker``.

Life of a service:

1. load and validate the configuration; open the store (schema checked);
2. daemon on SQLite: take the file lock beside the database, or refuse
   (exit 4, naming the holder) or stand by (``--wait-for-lock``); then drop
   every lease left by a killed predecessor (only one daemon can exist);
   worker or daemon on Postgres: hold a session lock on its own id, so two
   processes never share an id, then drop that id's stale leases;
3. start the metrics endpoint and the scheduler (cycle, maintenance, bundle);
4. wait for SIGTERM or SIGINT. The first one stops the scheduler, asks the
   running cycle to take no new work, waits up to the grace for it (and for a
   running maintenance or bundle job), kills what is left, releases the
   leases and returns 0. A second signal kills the cycle and exits at once
   with 128 + the signal number.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path
from types import FrameType
from typing import Literal

from apscheduler.schedulers.background import BackgroundScheduler

from pipeline.config import load_config, load_settings
from pipeline.config.settings import Settings
from pipeline.daemon import jobs, scheduler
from pipeline.daemon.metrics import Metrics, MetricsServer
from pipeline.daemon.watchdog import CycleOutcome, CycleRunner
from pipeline.errors import ConfigError, LockHeld, StoreError, VricError
from pipeline.locks import daemon_lock, job_lock
from pipeline.store import Store

logger = logging.getLogger(__name__)

# Imported once in the cycle fork server: a cycle then starts in milliseconds.
CHILD_PRELOAD = ("pipeline.daemon.child", "pipeline.ingest.runtime", "pipeline.config")


@dataclass(frozen=True)
class ServiceOptions:
    role: Literal["daemon", "worker"]
    owner: str
    interval_s: float = 300.0
    cycle_timeout_s: float = 1800.0
    grace_s: float = 30.0
    lease_s: float = 900.0
    feed_batch: int = 10
    entry_batch: int = 50
    run_cycles: bool = True
    maintenance_at: dtime | None = dtime(3, 30)
    vacuum: bool = False
    bundle_dir: Path | None = None
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    health_max_age_s: float | None = None
    wait_for_lock: bool = False
    log_level: int = logging.INFO
    log_json: bool = False

    @property
    def health_limit(self) -> float | None:
        if not self.run_cycles:
            return None
        return self.health_max_age_s or self.interval_s + self.cycle_timeout_s + 60


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Service:
    def __init__(self, opts: ServiceOptions, clock: Callable[[], datetime] = utcnow) -> None:
        self.opts, self.clock = opts, clock
        self.stop_requested = threading.Event()
        self.work_lock = threading.Lock()  # one job at a time in this process
        self.events = scheduler.JobEvents()
        self.metrics = Metrics(opts.health_limit)
        self.runner = _cycle_runner(opts)
        self.store: Store | None = None
        self.metrics_server: MetricsServer | None = None

    # ------------------------------------------------------------ start-up
    def run(self) -> int:
        """Run until a signal; the exit code (0 after a clean or graceful stop).

        The lock is tried before anything slow, so that a second daemon refuses
        at once; the full configuration is validated right after it.
        """
        self._install_signals()
        quiet_libraries()
        settings = load_settings()
        with ExitStack() as stack:
            opened = self._wait_for_store(settings.database_url)
            if opened is None:
                return 0  # stopped while waiting for the database
            self.store = store = opened
            stack.callback(store.close)
            self._check_backend(store)
            try:
                stack.enter_context(self._exclusive(store))
            except LockHeld:
                if self.stop_requested.is_set():
                    return 0  # stopped while standing by for the lock
                raise
            config = load_config(settings=settings)
            self._start_metrics(stack)
            sched = self._start_scheduler(config.settings)
            logger.info(
                "service started",
                extra={"outcome": "started", "role": self.opts.role, "worker": self.opts.owner},
            )
            while not self.stop_requested.wait(0.5):
                pass
            return self._shutdown(sched, store)
        return 0  # pragma: no cover - the with block always returns

    def _wait_for_store(self, url: str) -> Store | None:
        """Open the store; while the database is down, retry with a capped backoff
        (1 s doubling to 60 s) instead of exiting, until it answers or a signal."""
        delay = 1.0
        while True:
            try:
                return _open_store(url)
            except StoreError as exc:
                if exc.code != "db_unavailable":
                    raise
                logger.warning(
                    "database unavailable; retrying",
                    extra={"outcome": "waiting", "reason": exc.code, "retry_in_s": delay},
                )
            if self.stop_requested.wait(delay):
                return None
            delay = min(delay * 2, 60.0)

    def _check_backend(self, store: Store) -> None:
        if self.opts.role == "worker" and store.dialect != "postgresql":
            raise ConfigError(
                [
                    "vric worker: needs Postgres (VRIC_DATABASE_URL=postgresql+psycopg://...); "
                    "on SQLite run a single `vric daemon`"
                ]
            )

    @contextlib.contextmanager
    def _exclusive(self, store: Store) -> Iterator[None]:
        lock = daemon_lock(store) if self.opts.role == "daemon" else None
        if lock is not None:
            lock.acquire(wait=self.opts.wait_for_lock, should_stop=self.stop_requested.is_set)
            try:
                dropped = store.release_leases(None)  # the sole daemon: leases are stale
                logger.info(
                    "lock taken",
                    extra={
                        "outcome": "locked",
                        "stale_leases": dropped,
                        "lock_file": str(lock.path),
                    },
                )
                yield
            finally:
                lock.release()
            return
        with job_lock(store, f"owner-{self.opts.owner}", what=f"process with id {self.opts.owner}"):
            store.release_leases(self.opts.owner)
            yield

    def _start_metrics(self, stack: ExitStack) -> None:
        host, port = self.opts.metrics_host, self.opts.metrics_port
        if port is None:
            return
        try:
            server = MetricsServer(self.metrics, host, port)
        except OSError as exc:
            raise VricError(
                f"{self.opts.role}: cannot serve metrics on {host}:{port}: {exc}"
            ) from exc
        self.metrics_server = server.start()
        stack.callback(server.stop)

    def _start_scheduler(self, settings: Settings) -> BackgroundScheduler:
        o = self.opts
        sched = scheduler.build_scheduler(o.interval_s, self.events)
        if o.run_cycles:
            scheduler.add_interval_job(sched, self.cycle_job, o.interval_s, now=self.clock())
        if o.role == "daemon" and o.maintenance_at is not None:
            scheduler.add_daily_job(
                sched, self.maintenance_job, scheduler.MAINTENANCE_JOB, o.maintenance_at
            )
        if o.role == "daemon" and o.bundle_dir is not None:
            at = o.maintenance_at or dtime(3, 30)
            later = dtime((at.hour + 1) % 24, at.minute)
            scheduler.add_daily_job(
                sched, lambda: self.bundle_job(settings), scheduler.BUNDLE_JOB, later
            )
        sched.start()
        return sched

    # ------------------------------------------------------------ jobs
    def cycle_job(self) -> CycleOutcome | None:
        if self.stop_requested.is_set():
            return None
        with self.work_lock:
            outcome = self.runner.run()
        if outcome.status != "skipped":
            self._after_cycle(outcome)
        return outcome

    def _after_cycle(self, outcome: CycleOutcome) -> None:
        store = self.store
        assert store is not None
        if not outcome.child_finished:
            self._clean_up_after(store, outcome)
        self.metrics.observe_cycle(outcome.status, outcome.seconds, outcome.report)
        level = logging.INFO if outcome.status in ("ok", "stopped") else logging.ERROR
        logger.log(
            level,
            "cycle finished",
            extra={
                "outcome": outcome.status,
                "reason": outcome.detail or None,
                "seconds": round(outcome.seconds, 2),
                "run_id": outcome.run_id,
                **{k: v for k, v in outcome.report.items() if isinstance(v, int)},
            },
        )
        self._refresh_gauges(store)

    def _clean_up_after(self, store: Store, outcome: CycleOutcome) -> None:
        """The child was killed or died: close its run row and free its leases."""
        try:
            if outcome.run_id is not None:
                store.finish_run(
                    outcome.run_id, self.clock(), outcome.status, {}, {outcome.status: 1}
                )
            store.release_leases(self.opts.owner)
        except StoreError as exc:
            logger.warning("clean-up after the cycle failed", extra={"reason": exc.code})

    def _refresh_gauges(self, store: Store) -> None:
        try:
            self.metrics.set_state(
                store.queue_depth(), store.failing_feed_count(), store.database_size()
            )
        except (StoreError, OSError) as exc:
            logger.warning("metrics not refreshed", extra={"reason": str(exc)})

    def maintenance_job(self) -> None:
        store = self.store
        assert store is not None
        with self.work_lock:
            if not self.stop_requested.is_set():
                jobs.run_maintenance(store, self.opts.owner, self.clock, vacuum=self.opts.vacuum)

    def bundle_job(self, settings: Settings) -> None:
        store, out = self.store, self.opts.bundle_dir
        assert store is not None and out is not None
        with self.work_lock:
            if not self.stop_requested.is_set():
                jobs.bundle_closed_period(store, settings, out, self.clock())

    # ------------------------------------------------------------ signals and shutdown
    def _install_signals(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if not self.stop_requested.is_set():
            logger.info("stopping: no new work", extra={"outcome": "stopping", "reason": name})
            self.stop_requested.set()
            return
        logger.warning("second signal: exiting now", extra={"outcome": "killed", "reason": name})
        self.runner.kill("killed")
        hard_exit(128 + signum)

    def _shutdown(self, sched: BackgroundScheduler, store: Store) -> int:
        t0 = time.monotonic()
        sched.shutdown(wait=False)
        self.runner.request_stop()
        if self.work_lock.acquire(timeout=self.opts.grace_s):
            self.work_lock.release()
            outcome = "finished"
        else:
            logger.warning(
                "grace expired: abandoning in-flight work",
                extra={"outcome": "abandoned", "grace_s": self.opts.grace_s},
            )
            self.runner.kill("abandoned")
            self.work_lock.acquire(timeout=5)  # the cycle job notices the kill and returns
            outcome = "abandoned"
        with contextlib.suppress(StoreError):
            store.release_leases(self.opts.owner)
        logger.info(
            "stopped", extra={"outcome": outcome, "seconds": round(time.monotonic() - t0, 2)}
        )
        return 0


def _cycle_runner(opts: ServiceOptions) -> CycleRunner:
    # The cycle code (and the whole pipeline behind it) is imported by the fork
    # server, not here: the supervisor stays small and starts fast.
    from pipeline.daemon.child import ChildOptions, cycle_main
    from pipeline.ingest.claimed import ClaimOptions

    claim = ClaimOptions(opts.owner, opts.lease_s, opts.feed_batch, opts.entry_batch)
    child = ChildOptions(claim, opts.log_level, opts.log_json)
    return CycleRunner(cycle_main, (child,), opts.cycle_timeout_s, preload=CHILD_PRELOAD)


def quiet_libraries() -> None:
    # Our scheduler listener logs missed, overlapping and failed runs with stable
    # keys; APScheduler's own lines would repeat them once per interval. Alembic
    # announces its dialect on every schema check.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _open_store(url: str) -> Store:
    store = Store(url)
    try:
        store.check_schema()
    except BaseException:
        store.close()
        raise
    return store


def hard_exit(code: int) -> None:
    """Exit now, without waiting for stuck threads (APScheduler #567)."""
    logging.shutdown()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def finish(code: int) -> None:
    """Leave the process: normally, unless a job thread is stuck (then hard)."""
    stuck = [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and t.is_alive() and not t.daemon
    ]
    if stuck:
        logger.warning("job threads still running at exit", extra={"count": len(stuck)})
        hard_exit(code)
    sys.exit(code)


__all__ = ["LockHeld", "Service", "ServiceOptions", "default_owner", "finish"]
