"""The daemon's singleton jobs: nightly maintenance and the bundle of a period
just closed. Both run at most once at a time across every process sharing the
database (:func:`pipeline.locks.job_lock`); maintenance records a row in
``runs``."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.config.settings import Settings
from pipeline.errors import LockHeld, StoreError
from pipeline.locks import job_lock
from pipeline.periods import period_for
from pipeline.store import Store
from pipeline.types import Period

logger = logging.getLogger(__name__)

BUNDLE_TIMEOUT_S = 3600.0
EXIT_CAP_BROKEN = 3  # `vric bundle`: written, but analyst inclusions break the cap
EXIT_LOCKED = 4  # `vric bundle`: another run holds DIR/.PERIOD.lock


def run_maintenance(
    store: Store, owner: str, clock: Callable[[], datetime], *, vacuum: bool = False
) -> dict[str, Any] | None:
    """Raw-HTML retention, then checkpoint/VACUUM (SQLite) or ANALYZE (Postgres).

    Returns the counts, or None when another process is already doing it.
    """
    try:
        with job_lock(store, "maintenance"):
            return _maintain(store, owner, clock, vacuum)
    except LockHeld as exc:
        logger.info("maintenance skipped", extra={"outcome": "skipped", "reason": str(exc)})
        return None


def _maintain(
    store: Store, owner: str, clock: Callable[[], datetime], vacuum: bool
) -> dict[str, Any]:
    run_id = store.start_run("maintenance", owner, clock())
    counts: dict[str, Any] = {"size_before": store.database_size()}
    status, errors = "failed", {}
    try:
        counts["raw_html_purged"] = store.purge_raw_html(clock())
        store.optimize(vacuum=vacuum)
        counts["size_after"] = store.database_size()
        status = "ok"
    except StoreError as exc:
        errors = {exc.code: 1}
        logger.error("maintenance failed", extra={"outcome": "failed", "reason": exc.code})
    finally:
        store.finish_run(run_id, clock(), status, counts, errors)
    logger.info("maintenance finished", extra={"outcome": status, **counts})
    return counts


def closed_period(now: datetime, settings: Settings) -> Period:
    """The most recent period that has ended before ``now``."""
    pol = settings.policy
    current = period_for(now, start=pol.period_start_month, tz=pol.timezone)
    return period_for(
        current.start - timedelta(seconds=1), start=pol.period_start_month, tz=pol.timezone
    )


def bundle_closed_period(
    store: Store,
    settings: Settings,
    out_dir: Path,
    now: datetime,
    *,
    timeout: float = BUNDLE_TIMEOUT_S,
) -> str | None:
    """Write the bundle of the period just closed, once (skipped when its manifest exists).

    Runs ``vric bundle --period P --out DIR`` as a child process: the CLI is the
    stable contract (DESIGN) and the child is bounded by ``timeout``. The
    ``bundle`` job lock keeps daemons on other machines from doing it too; the
    bundle command also locks its output folder (exit 4 when held).
    Returns the period name when a bundle was written.
    """
    period = closed_period(now, settings).name
    if (out_dir / period / "manifest.json").exists():
        return None
    try:
        with job_lock(store, "bundle"):
            return _run_bundle(period, out_dir, timeout)
    except LockHeld as exc:
        logger.info(
            "bundle skipped", extra={"period": period, "outcome": "skipped", "reason": str(exc)}
        )
        return None


def _run_bundle(period: str, out_dir: Path, timeout: float) -> str | None:
    cmd = [sys.executable, "-m", "pipeline", "bundle", "--period", period, "--out", str(out_dir)]
    try:
        # Our own interpreter and CLI with a validated period name: no untrusted input.
        done = subprocess.run(  # noqa: S603
            cmd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        logger.error("bundle timed out", extra={"period": period, "outcome": "timeout"})
        return None
    if done.returncode == EXIT_LOCKED:
        logger.info(
            "bundle skipped: another run is writing it",
            extra={"period": period, "outcome": "skipped"},
        )
        return None
    ok = done.returncode in (0, EXIT_CAP_BROKEN)
    logger.log(
        logging.INFO if ok else logging.ERROR,
        "bundle run",
        extra={
            "period": period,
            "outcome": "ok" if ok else "failed",
            "exit_code": done.returncode,
            "reason": done.stderr.strip()[-500:] or None,
        },
    )
    return period if ok else None
