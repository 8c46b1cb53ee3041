"""``vric feeds check`` and ``vric feeds discover``: live probes for an
operator who is online. Nothing is stored."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import echo_json, get_config, run_guarded
from pipeline.cli.core import feeds_group
from pipeline.cli.render import print_table

if TYPE_CHECKING:
    from pipeline.sources.probe import Probe

COLUMNS = ["url", "status", "content_type", "kind", "items", "newest", "error"]


@feeds_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def feeds_check(as_json: bool) -> None:
    """Fetch every configured feed once and report status, type, items, newest date."""

    def act() -> None:
        from pipeline.fetch import HttpClient
        from pipeline.ingest.runtime import fetch_policy
        from pipeline.sources.probe import check

        config = get_config()
        feeds = [(f.url, f.allow_private) for f in config.feeds.feeds if f.enabled]
        with HttpClient(fetch_policy(config.settings)) as client:
            probes = check(client, feeds, datetime.now(UTC))
        _show(probes, as_json)

    run_guarded(act)


@feeds_group.command("discover")
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def feeds_discover(url: str, as_json: bool) -> None:
    """Candidate feeds of the site at URL: <link rel=alternate>, robots.txt
    sitemaps and common paths, each fetched and validated."""

    def act() -> None:
        from pipeline.fetch import HttpClient
        from pipeline.ingest.runtime import fetch_policy
        from pipeline.sources.probe import find_feeds

        config = get_config()
        with HttpClient(fetch_policy(config.settings)) as client:
            probes = find_feeds(client, url, datetime.now(UTC))
        _show(probes, as_json)

    run_guarded(act)


def _show(probes: list[Probe], as_json: bool) -> None:
    rows = [asdict(p) for p in probes]
    if as_json:
        echo_json(rows)
    else:
        print_table(COLUMNS, rows)
