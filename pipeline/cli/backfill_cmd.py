"""``vric backfill``: fill a past period from sitemaps, feed archives and
dated search feeds (docs/backfill.md)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from pipeline.cli.common import EXIT_CONFIG, echo_json, fail, get_config, run_guarded
from pipeline.logs import printable


@click.command("backfill")
@click.option("--period", "period_name", required=True, help="The period to fill, e.g. 2021-08.")
@click.option(
    "--outlet", "outlets", multiple=True, metavar="ID",
    help="Only this outlet (repeatable). Default: every outlet with a feed or with "
    "sitemaps: in outlets.yaml.",
)  # fmt: skip
@click.option(
    "--sitemap", "sitemaps", multiple=True, metavar="URL",
    help="Also read this sitemap or sitemap index (repeatable); its outlet is the "
    "--outlet given, else the registry's match for the URL.",
)  # fmt: skip
@click.option("--search", is_flag=True, help="Also read dated search feeds (rules.yaml queries).")
@click.option(
    "--dry-run", is_flag=True,
    help="Read sitemaps and feeds only and list each source with the URLs it gives; "
    "fetch no article page, store nothing.",
)  # fmt: skip
@click.option("--max-pages", type=click.IntRange(min=0), help="Fetch at most N article pages.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def backfill_command(
    period_name: str,
    outlets: tuple[str, ...],
    sitemaps: tuple[str, ...],
    search: bool,
    dry_run: bool,
    max_pages: int | None,
    as_json: bool,
) -> None:
    """Collect the articles an outlet published in a past period.

    Sources: the sitemaps listed in the outlet's robots.txt, the `sitemaps:`
    of the outlet (outlets.yaml) or of its feeds (feeds.yaml), --sitemap URLs,
    the outlet's feeds walked back (RFC 5005 prev-archive, ?paged=N), and with
    --search dated Google News search feeds. Articles go through the same
    stages as the cycle and are marked discovered_via=backfill:<source>.
    Progress is stored: a killed run continues where it stopped, and a second
    run adds nothing.
    """

    def act() -> None:
        from pipeline.backfill.jobs import plan_sources, run_backfill
        from pipeline.ingest.runtime import ingestor, open_store
        from pipeline.periods import parse_period

        config = get_config()
        policy = config.settings.policy
        try:
            period = parse_period(period_name, start=policy.period_start_month, tz=policy.timezone)
        except ValueError as exc:
            fail(str(exc), EXIT_CONFIG)
        unknown = [o for o in outlets if o not in config.registry.outlet_ids]
        if unknown:
            fail(f"backfill: unknown outlet {', '.join(unknown)} (see outlets.yaml)", EXIT_CONFIG)
        if search and not config.rules.search:
            fail("backfill: --search needs queries: rules.yaml has no `search:` block "
                 "(see docs/backfill.md, Search feeds)", EXIT_CONFIG)  # fmt: skip
        sources = plan_sources(config, list(outlets), list(sitemaps), search=search, period=period)
        store = open_store(config.settings, mode="create")
        with ingestor(config, store, owner="backfill") as ing, _progress(as_json) as progress:
            report = run_backfill(
                config, store, ing, period, sources,
                dry_run=dry_run, max_pages=max_pages, progress=progress,
            )  # fmt: skip
        if as_json:
            echo_json(report.as_dict())
        else:
            print_report(report.as_dict())

    run_guarded(act)


@contextmanager
def _progress(quiet: bool) -> Iterator[Any]:
    """A rich progress bar on a terminal; nothing otherwise."""
    if quiet or not sys.stderr.isatty():
        yield lambda what, n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        console=Console(stderr=True), transient=True,
    )  # fmt: skip
    task = bar.add_task("sitemaps and feed pages read", total=None)

    def advance(what: str, n: int) -> None:
        if what == "plan":
            bar.update(task, description="article pages", total=n, completed=0)
        else:  # "read" before the plan, "pages" after it
            bar.advance(task, n)

    with bar:
        yield advance


def print_report(doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    title = f"backfill {doc['period']}" + (" (dry run: no page fetched)" if doc["dry_run"] else "")
    table = Table(title=title)
    for name in ("outlet", "sources", "URLs seen", "in period", "stored", "skipped", "errors"):
        table.add_column(
            name, justify="left" if name in ("outlet", "skipped", "errors") else "right"
        )
    for o in doc["outlets"]:
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(o["skipped"].items())) or "-"
        errors = ", ".join(f"{k} {v}" for k, v in sorted(o["errors"].items())) or "-"
        table.add_row(
            printable(o["outlet"]), str(len(o["sources"])), str(o["urls_seen"]),
            str(o["in_period"]), "-" if doc["dry_run"] else str(o["stored"]), skipped, errors,
        )  # fmt: skip
    Console().print(table)
    if doc["dry_run"]:
        print_sources(doc)
    if doc.get("max_pages_reached"):
        click.echo("stopped at --max-pages; run again to continue", err=True)


def print_sources(doc: dict[str, Any]) -> None:
    """The dry run's answer: every source and how many URLs it gives for the period."""
    from pipeline.cli.render import print_table

    rows = [
        {
            "outlet": o["outlet"],
            **src,
            "errors": ", ".join(f"{k} {v}" for k, v in src["errors"].items()),
        }
        for o in doc["outlets"]
        for src in o["sources"]
    ]
    cols = ["outlet", "kind", "url", "urls_seen", "in_period", "read", "errors"]
    print_table(cols, rows, title="sources (URLs each gives for the period)")
