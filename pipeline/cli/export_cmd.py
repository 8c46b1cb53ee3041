"""``vric export csv`` and ``vric export xlsx``: the analysts' files, with the
same filters, each value checked against the configuration before the
database is opened. Thin: the logic lives in pipeline.curate.export,
pipeline.curate.filters and pipeline.curate.workbook."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline.cli.common import EXIT_CONFIG, get_config, one_line, run_guarded
from pipeline.cli.render import working

F = TypeVar("F", bound=Callable[..., Any])
STATUSES = ("candidate", "included", "excluded")


@click.group("export")
def export_group() -> None:
    """Export candidates for analysts."""


def _filter_options(command: F) -> F:
    """The filters both exports take (docs/csv.md, "Filters")."""
    options = [
        click.option("--period", required=True, help="Period name, e.g. 2021-08."),
        click.option("--actor", help="Only items tagged with this actor (rules.yaml)."),
        click.option("--topic", help="Only items tagged with this topic (rules.yaml)."),
        click.option(
            "--section",
            help="Only items in this section (the analyst's, else the "
            "automatic one); one of the sections of rules.yaml.",
        ),
        click.option("--status", type=click.Choice(STATUSES)),
        click.option("--state-media", type=click.Choice(["yes", "no"])),
        click.option("--min-score", type=float),
        click.option("--lang", help="Only items in this language (es, pt, en...)."),
        click.option("--outlet", help="Only items of this outlet (an id of outlets.yaml)."),
        click.option(
            "--all", "include_all", is_flag=True, help="Include items not tagged relevant."
        ),
        click.option(
            "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _checked_filter(config: Any, period: str, values: dict[str, Any]) -> Any:
    """The export filter, after checking the period and every value; exit 2 otherwise."""
    from pipeline.curate.filters import ExportFilter, unknown_values, vocabulary
    from pipeline.periods import parse_period

    pol = config.settings.policy
    try:
        parse_period(period, start=pol.period_start_month, tz=pol.timezone)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    state_media = values["state_media"]
    flt = ExportFilter(
        actor=_folded(values["actor"]),
        topic=_folded(values["topic"]),
        section=_folded(values["section"]),
        status=values["status"],
        state_media=None if state_media is None else state_media == "yes",
        min_score=values["min_score"],
        language=_folded(values["lang"]),
        outlet=_folded(values["outlet"]),
    )
    problems = unknown_values(flt, vocabulary(config))
    for line in problems:
        click.echo(f"vric: {one_line(line)}", err=True)
    if problems:
        sys.exit(EXIT_CONFIG)
    return flt


def _folded(value: str | None) -> str | None:
    return value.strip().lower() if value is not None else None


def _say_result(result: Any, flt: Any) -> None:
    files = ", ".join(str(f) for f in result.files)
    click.echo(f"{result.rows} rows written to {files}", err=True)
    if result.rows == 0:
        click.echo(f"vric: {result.counts.nothing_matched(flt)}", err=True)


@export_group.command("csv")
@_filter_options
@click.option("--plain", is_flag=True, help="Plain UTF-8 with LF (no BOM, no CRLF).")
def export_csv(period: str, include_all: bool, plain: bool, output: Path, **values: Any) -> None:
    """Write one row per article of PERIOD (clusters once) to an Excel-safe CSV.

    Columns are documented in docs/csv.md; the last, version, lets the
    import detect decisions made after the export. Edit status, section and
    note in a spreadsheet, then `vric import decisions FILE`. Past Excel's
    row limit the export continues in OUTPUT-2.csv, OUTPUT-3.csv... Filter
    values are checked (exit 2 for an unknown one); an export that matches
    nothing still writes the header and says so on stderr.
    """

    def act() -> None:
        from pipeline.curate.export import export_period
        from pipeline.ingest.runtime import open_store

        config = get_config()
        flt = _checked_filter(config, period, values)
        store = open_store(config.settings, mode="read")
        with working(f"exporting {period}"):
            result = export_period(
                store,
                period,
                output,
                relevant_only=not include_all,
                registry=config.registry,
                flt=flt,
                plain=plain,
            )
        _say_result(result, flt)

    run_guarded(act)


@export_group.command("xlsx")
@_filter_options
def export_xlsx(period: str, include_all: bool, output: Path, **values: Any) -> None:
    """Write PERIOD as an Excel workbook: a sheet per section plus "all".

    The same rows, columns and filters as `vric export csv`, title and outlet
    first, a frozen header, linked URLs, drop-downs for status and section,
    state-media rows shaded; text never becomes a formula. Edit it and bring
    it back with `vric import decisions FILE.xlsx`.
    """

    def act() -> None:
        from pipeline.config.rules_schema import section_names
        from pipeline.curate.workbook import export_workbook
        from pipeline.ingest.runtime import open_store

        config = get_config()
        flt = _checked_filter(config, period, values)
        store = open_store(config.settings, mode="read")
        with working(f"exporting {period}"):
            result = export_workbook(
                store,
                period,
                output,
                sections=section_names(config.rules),
                relevant_only=not include_all,
                registry=config.registry,
                flt=flt,
            )
        _say_result(result, flt)

    run_guarded(act)
