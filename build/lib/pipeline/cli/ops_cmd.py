"""Operations commands: ``vric daemon``, ``vric worker``, ``vric status``."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

import click

from pipeline.cli.common import echo_json, get_settings, redact, run_guarded

DEFAULT_INTERVAL = 300.0
DEFAULT_WORKER_INTERVAL = 60.0


def _parse_at(_ctx: click.Context, _param: click.Parameter, value: str) -> dtime | None:
    if value.lower() in ("off", "none", "no"):
        return None
    try:
        hour, minute = (int(part) for part in value.split(":"))
        return dtime(hour, minute)
    except ValueError:
        raise click.BadParameter("expected HH:MM (UTC) or 'off'") from None


def _common_options(default_interval: float) -> Any:
    options = [
        click.option(
            "--interval",
            type=click.FloatRange(min=1),
            default=default_interval,
            show_default=True,
            help="Seconds between cycles; each cycle polls only the feeds that are due.",
        ),
        click.option(
            "--cycle-timeout",
            type=click.FloatRange(min=1),
            default=1800.0,
            show_default=True,
            help="Watchdog: kill a cycle running longer (seconds).",
        ),
        click.option(
            "--grace",
            type=click.FloatRange(min=0),
            default=30.0,
            show_default=True,
            help="On SIGTERM/SIGINT, seconds to let in-flight work finish.",
        ),
        click.option(
            "--lease",
            type=click.FloatRange(min=1),
            default=900.0,
            show_default=True,
            help="Seconds a claimed feed or article stays reserved to this process.",
        ),
        click.option(
            "--batch",
            type=click.IntRange(min=1),
            default=10,
            show_default=True,
            help="Feeds claimed at a time (articles: five times as many).",
        ),
        click.option(
            "--metrics-port",
            type=click.IntRange(0, 65535),
            default=None,
            help="Serve /metrics and /healthz on this port.",
        ),
        click.option(
            "--metrics-host",
            default="127.0.0.1",
            show_default=True,
            help="Address for the metrics endpoint (0.0.0.0 in a container).",
        ),
        click.option(
            "--health-max-age",
            type=click.FloatRange(min=1),
            default=None,
            help="/healthz fails when no cycle succeeded for this long "
            "[default: interval + cycle timeout + 60 s].",
        ),
    ]

    def wrap(func: Any) -> Any:
        for option in reversed(options):
            func = option(func)
        return func

    return wrap


def _log_setup() -> tuple[int, bool]:
    """Daemons log cycle events at INFO unless -v asked for more."""
    root = logging.getLogger()
    level = min(root.level or logging.INFO, logging.INFO)
    root.setLevel(level)
    params = click.get_current_context().find_root().params
    return level, bool(params.get("log_json"))


def _serve(role: str, owner: str, kwargs: dict[str, Any], **extra: Any) -> None:
    from pipeline.daemon import Service, ServiceOptions, finish

    level, as_json = _log_setup()
    opts = ServiceOptions(
        role=role,  # type: ignore[arg-type]
        owner=owner,
        interval_s=kwargs["interval"],
        cycle_timeout_s=kwargs["cycle_timeout"],
        grace_s=kwargs["grace"],
        lease_s=kwargs["lease"],
        feed_batch=kwargs["batch"],
        entry_batch=kwargs["batch"] * 5,
        metrics_port=kwargs["metrics_port"],
        metrics_host=kwargs["metrics_host"],
        health_max_age_s=kwargs["health_max_age"],
        log_level=level,
        log_json=as_json,
        **extra,
    )
    finish(run_guarded(Service(opts).run))


@click.command("daemon")
@_common_options(DEFAULT_INTERVAL)
@click.option("--id", "owner", default=None, help="Name in runs and leases [default: host:pid].")
@click.option(
    "--maintenance-at",
    default="03:30",
    show_default=True,
    callback=_parse_at,
    help="UTC time of the nightly maintenance, or 'off'.",
)
@click.option("--vacuum", is_flag=True, help="SQLite: VACUUM during the nightly maintenance.")
@click.option(
    "--bundle-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the bundle of each period just closed here (runs after maintenance).",
)
@click.option(
    "--scheduler-only",
    is_flag=True,
    help="Only maintenance and bundles; `vric worker` processes do the cycles.",
)
@click.option(
    "--wait-for-lock",
    is_flag=True,
    help="Stand by until the running daemon exits instead of refusing (exit 4).",
)
def daemon_command(
    owner: str | None,
    maintenance_at: dtime | None,
    vacuum: bool,
    bundle_dir: Path | None,
    scheduler_only: bool,
    wait_for_lock: bool,
    **kwargs: Any,
) -> None:
    """Run the collector: a cycle every --interval, nightly maintenance,
    optionally the bundle of each closed period.

    On SQLite only one daemon runs per database (a second one exits 4 naming
    the running one). SIGTERM or SIGINT: finish in-flight work within
    --grace, release leases, exit 0; a second signal exits at once.
    """
    from pipeline.daemon import default_owner

    _serve(
        "daemon",
        owner or default_owner(),
        kwargs,
        maintenance_at=maintenance_at,
        vacuum=vacuum,
        bundle_dir=bundle_dir,
        run_cycles=not scheduler_only,
        wait_for_lock=wait_for_lock,
    )


@click.command("worker")
@_common_options(DEFAULT_WORKER_INTERVAL)
@click.option("--id", "owner", required=True, help="This worker's unique name (leases, runs).")
def worker_command(owner: str, **kwargs: Any) -> None:
    """One of several processes sharing a Postgres database: claims due feeds and
    queued articles with leases (SELECT ... FOR UPDATE SKIP LOCKED).

    Run any number of them, plus one `vric daemon --scheduler-only` for the
    nightly jobs. A killed worker's leases expire after --lease seconds.
    """
    _serve("worker", owner, kwargs, maintenance_at=None)


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option(
    "--runs",
    "limit",
    type=click.IntRange(1, 200),
    default=10,
    show_default=True,
    help="How many recent runs to show.",
)
def status_command(as_json: bool, limit: int) -> None:
    """Last runs, queue depth, failing feeds, database size, the current period."""

    def act() -> dict[str, Any]:
        from pipeline.ingest.runtime import open_store

        settings = get_settings()
        store = open_store(settings, mode="read")
        try:
            return collect_status(store, settings, datetime.now(UTC), limit)
        finally:
            store.close()

    doc = run_guarded(act)
    if as_json:
        echo_json(doc)
    else:
        _print_status(doc)


def collect_status(store: Any, settings: Any, now: datetime, limit: int) -> dict[str, Any]:
    from pipeline.periods import period_for

    pol = settings.policy
    period = period_for(now, start=pol.period_start_month, tz=pol.timezone)
    counts = {r["period"]: r for r in store.periods_summary()}.get(period.name, {})
    failing = [
        f for f in store.feeds() if f.enabled and (f.consecutive_failures or f.state != "ok")
    ]
    return {
        "database": {
            "url": redact(store.url),
            "backend": store.dialect,
            "size_bytes": store.database_size(),
        },
        "daemon": _daemon_state(store),
        "workers": store.lease_holders(now),
        "runs": [_run_row(r) for r in store.recent_runs(limit)],
        "queue_depth": store.queue_depth(),
        "failing_feeds": [
            {
                "key": f.key,
                "url": redact(f.url),
                "state": f.state,
                "error_code": f.last_error_code,
                "failures": f.failures,
                "last_success": f.last_success,
                "next_due": f.next_due,
            }
            for f in failing
        ],
        "period": {
            "name": period.name,
            "label": period.label,
            "articles": counts.get("articles", 0),
            "candidates": counts.get("candidates", 0),
        },
        # Hours of the period each feed was failing or not polled (vric backfill heals them).
        "coverage_gaps": [
            {"key": key, "gap_hours": hours}
            for key, hours in sorted(store.gap_hours(period.start, period.end, now).items())
        ],
    }


def _daemon_state(store: Any) -> dict[str, Any] | None:
    """The daemon recorded in the lock file (SQLite), checked without touching the lock."""
    from pipeline.locks import daemon_lock

    lock = daemon_lock(store)
    if lock is None or not lock.path.exists():
        return None
    holder = lock.holder(retries=1)
    alive = holder.pid is not None and _pid_alive(holder.pid, holder.host)
    return {
        "running": alive,
        "pid": holder.pid,
        "host": holder.host,
        "since": holder.since,
        "lock_file": str(lock.path),
    }


def _pid_alive(pid: int, host: str | None) -> bool:
    import socket

    if host != socket.gethostname():
        return True  # another machine: trust the record
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run_row(run: dict[str, Any]) -> dict[str, Any]:
    started, finished = run.get("started_at"), run.get("finished_at")
    seconds = (finished - started).total_seconds() if started and finished else None
    return {**run, "seconds": seconds}


def _print_status(doc: dict[str, Any]) -> None:
    from pipeline.cli.render import print_table

    db, period = doc["database"], doc["period"]
    click.echo(f"database: {db['url']} ({db['backend']}, {_size(db['size_bytes'])})")
    daemon = doc["daemon"]
    if daemon is not None:
        state = "running" if daemon["running"] else "not running"
        click.echo(
            f"daemon: {state} (pid {daemon['pid']} on {daemon['host']} since {daemon['since']})"
        )
    click.echo(
        f"period: {period['name']} ({period['label']}): {period['candidates']} candidates "
        f"of {period['articles']} articles"
    )
    click.echo(f"queue depth: {doc['queue_depth']}")
    runs = [
        {**r, "counts": _brief(r.get("counts")), "errors": _brief(r.get("errors"))}
        for r in doc["runs"]
    ]
    print_table(
        ["id", "kind", "worker", "started_at", "seconds", "status", "counts", "errors"],
        runs,
        title="recent runs",
    )
    if doc["workers"]:
        print_table(["owner", "feeds", "entries", "until"], doc["workers"], title="leases")
    if doc["failing_feeds"]:
        print_table(
            ["key", "state", "error_code", "failures", "last_success"],
            doc["failing_feeds"],
            title="failing feeds",
        )
    if doc.get("coverage_gaps"):
        print_table(
            ["key", "gap_hours"], doc["coverage_gaps"],
            title="coverage gaps this period (hours failing or not polled; see vric backfill)",
        )  # fmt: skip


def _brief(counts: Any) -> str:
    if not isinstance(counts, dict):
        return ""
    return " ".join(f"{k}={v}" for k, v in counts.items() if v and not isinstance(v, dict))


def _size(n: int | None) -> str:
    if n is None:
        return "size unknown"
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"


ops_commands = [daemon_command, worker_command, status_command]
