"""``vric import decisions`` and ``vric bundle``: the analysts' round trip and
the period bundle (the cron job). Thin: the logic lives in pipeline.curate.decisions
and pipeline.curate.bundle."""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from pipeline.cli.common import (
    EXIT_CAP,
    EXIT_CONFLICT,
    EXIT_FAILED,
    echo_json,
    get_config,
    get_settings,
    printable,
    run_guarded,
)
from pipeline.cli.render import working
from pipeline.errors import ImportRowsError

MAX_IMPORT_BYTES = 200 * 2**20


@click.group("import")
def import_group() -> None:
    """Bring analysts' work back into the database."""


@import_group.command("decisions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show, row by row, what would change; write nothing.")
@click.option(
    "--force", is_flag=True,
    help="Apply the file although it would undo decisions made after its export "
    "(the audit trail records what it overrode).",
)  # fmt: skip
@click.option(
    "--analyst", envvar="VRIC_ANALYST", show_envvar=True,
    help="Who made these decisions (kept in the audit trail). Default: the login name.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON document.")
def import_decisions_command(
    file: Path, dry_run: bool, force: bool, analyst: str | None, as_json: bool
) -> None:
    """Import the status, section and note columns of an edited export
    (a CSV from `vric export csv` or a workbook from `vric export xlsx`).

    Rows are matched by id; a column left out of the file leaves that field
    unchanged. Any bad row (unknown id, bad status or section, a changed
    period) is reported with its row number and nothing is applied. A row
    whose version is not the article's current one, and that would change
    it, is a conflict: every conflict is listed and nothing is applied, unless
    --force. Rows equal to what is stored add nothing. Exit 0 when applied
    (or checked with --dry-run), 1 when the file was refused, 5 on
    conflicts.
    """
    name = analyst if dry_run else (analyst or _login_name())

    def act() -> int:
        from pipeline.config import load_rules
        from pipeline.config.rules_schema import section_names
        from pipeline.curate.decisions import import_decisions
        from pipeline.ingest.runtime import open_store

        if file.stat().st_size > MAX_IMPORT_BYTES:
            raise click.BadParameter(f"{file.name} is larger than 200 MiB", param_hint="FILE")
        settings = get_settings()
        sections = section_names(load_rules())
        store = open_store(settings, mode="write")
        try:
            report = import_decisions(
                store, file.read_bytes(), analyst=name, source=file.name, sections=sections,
                now=datetime.now(UTC), dry_run=dry_run, force=force,
            )  # fmt: skip
        except ImportRowsError as exc:
            refuse(exc.problems, as_json=as_json)
        return _print_report(report, as_json=as_json)

    sys.exit(run_guarded(act))


def _login_name() -> str:
    """The login name as getpass finds it ($LOGNAME, $USER..., then the password
    database), so cron jobs and containers have one; usage error if none."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no such variables and no passwd entry for the uid
        name = ""
    if not name.strip():
        raise click.UsageError("no analyst name: pass --analyst NAME (or set $VRIC_ANALYST)")
    return name


def _print_report(report: Any, *, as_json: bool) -> int:
    from pipeline.curate.decisions_report import report_json, report_lines

    for line in report.warnings:
        click.echo(f"warning: {printable(line)}", err=True)
    if as_json:
        echo_json(report_json(report))
    else:
        out = report_lines(report, each_change=report.dry_run or len(report.changed) <= 50)
        for line in out:
            click.echo(printable(line))
    if report.refused:
        hint = ("nothing was imported: export again and redo these rows, "
                "or import with --force to override them")  # fmt: skip
        click.echo(f"vric: {hint}", err=True)
        return EXIT_CONFLICT
    return 0


def refuse(problems: list[str], *, as_json: bool = False) -> NoReturn:
    if as_json:
        echo_json({"problems": problems, "applied": False})
    for line in problems:
        click.echo(printable(line), err=True)
    click.echo("vric: nothing was imported; fix the rows above and import again", err=True)
    sys.exit(EXIT_FAILED)


@click.command("bundle")
@click.option("--period", required=True, help="Period name, e.g. 2021-08.")
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
    help="Folder that receives PERIOD/ (and PERIOD.zip).",
)  # fmt: skip
@click.option("--zip", "as_zip", is_flag=True, help="Also write OUT/PERIOD.zip.")
@click.option(
    "--wait", type=click.FloatRange(min=0), metavar="SECONDS",
    help="If another run is writing this bundle, wait up to SECONDS instead of exiting 4.",
)  # fmt: skip
@click.option(
    "--formats", metavar="LIST",
    help="Comma-separated subset of html,md,pdf,docx,csv (default: all that can be made; "
    "without WeasyPrint's libraries the PDF is skipped with a warning, unless asked for here).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
def bundle_command(
    period: str, out_dir: Path, as_zip: bool, wait: float | None, formats: str | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Write the period bundle OUT/PERIOD/: a CSV per section, the digest as
    digest.html, digest.pdf, digest.docx and digest.md with its SVG charts,
    audit.csv, coverage.csv and manifest.json.

    Exit codes: 0 written; 1 failed (database, disk); 2 bad configuration or
    period; 3 written, but analyst inclusions alone break the state-media
    cap; 4 another run holds the lock.
    """

    def act() -> int:
        from pipeline.curate.bundle import build_bundle
        from pipeline.curate.bundle.build import parse_formats
        from pipeline.ingest.runtime import open_store

        wanted = parse_formats(formats)
        config = get_config()
        store = open_store(config.settings, mode="write")
        with working(f"building the {period} bundle"):
            result = build_bundle(store, config, period, out_dir, now=datetime.now(UTC),
                                  zip=as_zip, wait=wait, formats=wanted)  # fmt: skip
        for reason in result.unavailable.values():
            click.echo(f"vric: {printable(reason)}; the other files were written", err=True)
        m = result.manifest
        if as_json:
            echo_json(m)
        else:
            counts = ", ".join(f"{s} {n}" for s, n in m["counts"].items())
            click.echo(f"bundle: {result.path} ({m['total']} items: {counts})")
            click.echo(f"state-media share {m['state_media_share']:.0%} "
                       f"(cap {m['state_media_cap']:.0%})")  # fmt: skip
            if result.zip_path:
                click.echo(f"zip: {result.zip_path}")
        if result.exit_code == EXIT_CAP:
            click.echo("vric: analyst inclusions alone break the state-media cap "
                       "(bundle written; see manifest.json)", err=True)  # fmt: skip
        return result.exit_code

    sys.exit(run_guarded(act))
