"""Commands that re-apply automation or inspect the registry:
``outlets lookup|reflag|unknown``, ``retag``, ``reextract``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import click

from pipeline.cli.common import echo_json, get_config, printable, run_guarded
from pipeline.cli.render import print_table, track
from pipeline.cli.stories_cmd import regroup


@click.group("outlets")
def outlets_group() -> None:
    """The outlet registry: lookups, re-flagging, unknown domains."""


@outlets_group.command("lookup")
@click.argument("url")
@click.option("--source-url", help="For aggregator items: the publisher's <source url>.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def outlets_lookup(url: str, source_url: str | None, as_json: bool) -> None:
    """Which outlet publishes URL, and is it state media?

    JSON keys: outlet, name, state_media, controlling_state, ownership,
    cap_policy, matched (all null when no registry entry matches).
    """

    def act() -> None:
        match = get_config().registry.lookup(url, source_url=source_url)
        keys = ("outlet", "name", "state_media", "controlling_state", "ownership",
                "cap_policy", "matched")  # fmt: skip
        doc: dict[str, Any] = {k: (getattr(match, k) if match else None) for k in keys}
        if as_json:
            echo_json(doc)
        elif match is None:
            click.echo(f"{printable(url)}: no registry entry matches")
        else:
            print_table(list(keys), [doc])

    run_guarded(act)


@outlets_group.command("reflag")
@click.option("--period", help="Only articles of this period (e.g. 2021-08).")
def outlets_reflag(period: str | None) -> None:
    """Re-apply the current registry to stored articles; print what changed."""

    def act() -> None:
        from pipeline.curate.rework import reflag
        from pipeline.ingest.runtime import open_store

        config = get_config()
        store = open_store(config.settings, mode="write")
        changes = list(track(reflag(store, config.registry, period), "re-flagging"))
        for c in changes:
            click.echo(f"{c.article_id}\t{printable(c.url)}\t{'; '.join(c.lines)}")
        click.echo(f"{len(changes)} articles changed (registry {config.registry.version})",
                   err=True)  # fmt: skip

    run_guarded(act)


@outlets_group.command("unknown")
@click.option("--period", help="Only articles of this period.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def outlets_unknown(period: str | None, as_json: bool) -> None:
    """Domains seen in stored articles but absent from the registry, with hints."""

    def act() -> None:
        from pipeline.ingest.runtime import open_store
        from pipeline.outlets import unknown_domain_hint

        rows = open_store(get_config().settings, mode="read").unknown_domains(period)
        for row in rows:
            row["hint"] = unknown_domain_hint(row["domain"])
        if as_json:
            echo_json(rows)
        else:
            print_table(["domain", "articles", "newest", "hint"], rows)

    run_guarded(act)


@click.command("retag")
@click.option("--period", help="Only articles of this period (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def retag_command(period: str | None, as_json: bool) -> None:
    """Re-apply the current rules.yaml to stored articles and print what changed.

    Analyst decisions are never touched.
    """

    def act() -> None:
        from pipeline.curate.rework import retag
        from pipeline.ingest.runtime import open_store

        config = get_config()
        store = open_store(config.settings, mode="write")
        changes = list(track(retag(store, config.compiled_rules, period), "re-tagging"))
        _print_changes(changes, as_json, f"rules {config.compiled_rules.version}")
        if changes:  # stories rest on the tags and on relevance
            periods = [period] if period else [p["period"] for p in store.periods_summary()]
            regroup(store, config, periods)

    run_guarded(act)


@click.command("reextract")
@click.option("--period", required=True, help="Period whose kept raw HTML is re-extracted.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def reextract_command(period: str, as_json: bool) -> None:
    """Re-run extraction on the raw HTML kept for PERIOD (ingest.keep_raw_html_days),
    then re-tag; for after an extractor upgrade."""

    def act() -> None:
        from pipeline.curate.rework import reextract
        from pipeline.extract import ExtractorPool
        from pipeline.ingest.runtime import extract_processes, open_store

        config = get_config()
        store = open_store(config.settings, mode="write")
        _say_if_nothing_kept(store, period, config.settings.ingest.keep_raw_html_days)
        with ExtractorPool(extract_processes(config.settings)) as pool:
            changes = list(track(reextract(store, config, period, pool), "re-extracting"))
        _print_changes(changes, as_json, f"period {period}")
        if changes:
            regroup(store, config, [period])

    run_guarded(act)


def _say_if_nothing_kept(store: Any, period: str, keep_days: int) -> None:
    """Without kept raw HTML there is nothing to re-extract: say so and how to keep it."""
    pages = store.raw_pages(period)
    try:
        if next(pages, None) is not None:
            return
    finally:
        pages.close()
    why = (
        "ingest.keep_raw_html_days is 0, so pages are not kept"
        if keep_days == 0
        else f"pages are kept for {keep_days} days only"
    )
    click.echo(
        f"vric: no raw HTML kept for {period} ({why}); to re-extract later, set "
        "ingest.keep_raw_html_days in settings.yaml (e.g. 30) before collecting. "
        "Re-tagging only.",
        err=True,
    )


def _print_changes(changes: list[Any], as_json: bool, what: str) -> None:
    if as_json:
        echo_json([asdict(c) for c in changes])
        return
    for c in changes:
        click.echo(f"{c.article_id}\t{printable(c.url)}")
        for line in c.lines:
            click.echo(f"    {printable(line)}")
    click.echo(f"{len(changes)} articles changed ({what})", err=True)


rework_commands = [outlets_group, retag_command, reextract_command]
