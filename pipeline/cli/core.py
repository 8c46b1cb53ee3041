"""Core commands: init, db, config check, run, periods, feeds status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from pipeline.cli.common import (
    EXIT_CONFIG,
    echo_json,
    fail,
    get_config,
    get_settings,
    redact,
    run_guarded,
)
from pipeline.cli.render import print_cycle, print_table
from pipeline.config.settings import Settings
from pipeline.errors import ConfigError


@click.command("init")
def init_command() -> None:
    """Create the database (or bring it to the latest schema)."""

    def act() -> None:
        from pipeline.store import Store

        settings = get_settings()
        store = Store(settings.database_url, mode="create")
        store.upgrade()
        click.echo(f"database ready: {redact(settings.database_url)}")

    run_guarded(act)


@click.group("db")
def db_group() -> None:
    """Database schema management (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Apply pending migrations; safe to run from several processes at once."""

    def act() -> None:
        from pipeline.store import Store

        Store(get_settings().database_url, mode="create").upgrade()
        click.echo("database upgraded")

    run_guarded(act)


@db_group.command("current")
def db_current() -> None:
    """Print the database's revision and the code's head revision."""

    def act() -> None:
        from pipeline.store import Store, migrate

        store = Store(get_settings().database_url, mode="read")
        click.echo(f"database: {migrate.current_revision(store.engine) or 'none'}")
        click.echo(f"code head: {migrate.head_revision()}")

    run_guarded(act)


@click.group("config")
def config_group() -> None:
    """Inspect the configuration files."""


@config_group.command("check")
def config_check() -> None:
    """Validate feeds.yaml, outlets.yaml and rules.yaml; one line per problem, exit 2."""
    config = get_config()
    click.echo(
        f"ok: {len(config.feeds.feeds)} feeds, {len(config.outlets.outlets)} outlets, "
        f"rules version {config.compiled_rules.version}"
    )


@config_group.command("where")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def config_where(as_json: bool) -> None:
    """Which file each configuration comes from: $VRIC_CONFIG_DIR, the
    working directory or the defaults shipped in the package."""
    from pipeline.config import CONFIG_FILES, SETTINGS_FILE, locate

    rows = []
    for name in (*CONFIG_FILES, SETTINGS_FILE):
        found = locate(name)
        origin = found.origin
        if name == SETTINGS_FILE and found.path is None:
            origin = "built-in defaults"
        path = str(found.path.resolve()) if found.path else None
        rows.append({"file": name, "from": origin, "path": path})
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['file']}: {row['from']}" + (f": {row['path']}" if row["path"] else ""))


@config_group.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def config_init(directory: Path) -> None:
    """Write editable copies of the packaged feeds.yaml, outlets.yaml and
    rules.yaml into DIRECTORY (created if missing). Existing files are never
    overwritten: the command refuses (exit 2) and writes nothing.

    Then point VRIC_CONFIG_DIR at DIRECTORY, or run vric from it.
    """
    from pipeline.config import CONFIG_FILES, DEFAULTS_DIR

    if directory.exists() and not directory.is_dir():
        fail(f"{directory} is not a folder", EXIT_CONFIG)
    existing = [name for name in CONFIG_FILES if (directory / name).exists()]
    if existing:
        names = ", ".join(existing)
        fail(f"{directory} already has {names}; nothing written (edit them or pick another folder)",
             EXIT_CONFIG)  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    for name in CONFIG_FILES:
        with (directory / name).open("xb") as out:  # never replaces a file
            out.write((DEFAULTS_DIR / name).read_bytes())
        click.echo(f"wrote {directory / name}")
    click.echo(f"use them with: export VRIC_CONFIG_DIR={directory.resolve()}")


@click.command("run")
@click.option(
    "--once", is_flag=True, help="Run one full cycle and exit (the loop is `vric daemon`)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the cycle report as JSON.")
def run_command(once: bool, as_json: bool) -> None:
    """Run one cycle: every due feed, then the articles it queued.

    Feed and article failures are stored and reported, not an error exit.
    """
    if not once:  # the flag is the contract (`vric run --once`); it names the one mode
        raise click.UsageError("vric run runs one cycle: pass --once (continuously: vric daemon)")

    def act() -> None:
        from pipeline.ingest.runtime import ingestor, open_store
        from pipeline.locks import daemon_lock

        config = get_config()
        store = open_store(config.settings, mode="create")
        # Beside a running daemon on the same SQLite file this would poll the
        # same feeds twice: refuse with exit 4 like a second daemon does.
        lock = daemon_lock(store)
        if lock is not None:
            lock.what = "daemon or run --once"
            lock.acquire()
        try:
            with ingestor(config, store) as ing:
                report = ing.run_once()
        finally:
            if lock is not None:
                lock.release()
        if as_json:
            echo_json(report.as_dict())
        else:
            print_cycle(report.as_dict())

    run_guarded(act)


@click.command("periods")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def periods_command(as_json: bool) -> None:
    """List reporting periods with article, candidate and decision counts.

    ``decided`` counts articles with any analyst decision; ``included`` and
    ``excluded`` count articles whose latest decision has that status.
    """

    def act() -> None:
        from pipeline.ingest.runtime import open_store
        from pipeline.periods import parse_period

        settings = get_settings()
        store = open_store(settings, mode="read")
        rows = store.periods_summary()
        decided = store.decision_counts()
        pol = settings.policy
        for row in rows:
            period = parse_period(row["period"], start=pol.period_start_month, tz=pol.timezone)
            row["label"] = period.label
            counts = decided.get(row["period"], {})
            row["included"] = counts.get("included", 0)
            row["excluded"] = counts.get("excluded", 0)
        if as_json:
            echo_json(rows)
        else:
            cols = ["period", "label", "articles", "candidates", "decided", "included", "excluded"]
            print_table(cols, rows)

    run_guarded(act)


@click.group("feeds")
def feeds_group() -> None:
    """Feed health and discovery."""


@feeds_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def feeds_status(as_json: bool) -> None:
    """Per feed: state, last attempt and success, error, weighted failures, next due."""

    def act() -> None:
        from pipeline.ingest.runtime import open_store

        settings = get_settings()
        store = open_store(settings, mode="read")
        counts = store.entry_counts_since(datetime.now(UTC) - timedelta(days=7))
        rows: list[dict[str, Any]] = [
            {
                "key": f.key,
                "url": redact(f.url),
                "outlet": f.outlet,
                # Synced but never fetched: "new", like a feed not yet in the database.
                "state": "new" if f.last_attempt is None and f.state == "ok" else f.state,
                "error_code": f.last_error_code,
                "error": f.last_error,
                "failures": f.failures,
                "last_attempt": f.last_attempt,
                "last_success": f.last_success,
                "last_status": f.last_status,
                "items_7d": counts.get(f.id, 0),
                "next_due": f.next_due,
                "enabled": f.enabled,
            }
            for f in store.feeds()
        ]
        rows += _unsynced_feeds({str(r["key"]) for r in rows}, settings)
        rows.sort(key=lambda r: str(r["key"]))
        if as_json:
            echo_json(rows)
            return
        cols = ["key", "state", "error_code", "failures", "last_success", "items_7d", "next_due"]
        print_table(cols, rows)

    run_guarded(act)


def _unsynced_feeds(known: set[str], settings: Settings) -> list[dict[str, Any]]:
    """Configured feeds the database has not seen yet (before the first cycle).

    A broken configuration only costs these rows: the database's feeds still show.
    """
    from pipeline.config import load_config

    try:
        config = load_config(settings=settings)
    except ConfigError as exc:
        click.echo(
            f"vric: configuration has {len(exc.problems)} problem(s) (see `vric config check`); "
            "showing the database's feeds only",
            err=True,
        )
        return []
    return [
        {
            "key": f.id,
            "url": redact(f.url),
            "outlet": f.outlet,
            "state": "new",
            "error_code": None,
            "error": None,
            "failures": 0.0,
            "last_attempt": None,
            "last_success": None,
            "last_status": None,
            "items_7d": 0,
            "next_due": None,
            "enabled": f.enabled,
        }
        for f in config.feeds.feeds
        if f.id not in known
    ]


core_commands = [
    init_command,
    db_group,
    config_group,
    run_command,
    periods_command,
    feeds_group,
]
