"""The ``vric`` command line: a thin shell over the library.

Exit codes (a contract for cron and scripts, see README):

====  =====================================================================
0     success (feed and article failures are data, not a failure exit)
1     the run failed (database unavailable, disk full, unexpected error)
2     bad configuration or usage
3     bundle written, but analyst inclusions alone break the state-media cap
4     another process holds the lock (daemon or bundle already running)
5     decisions file refused: it would undo decisions made after its export
      (every conflict listed; nothing applied; ``--force`` applies it anyway)
====  =====================================================================
"""

from __future__ import annotations

import logging
import sys

import click

from pipeline import __version__
from pipeline.cli.backfill_cmd import backfill_command
from pipeline.cli.common import EXIT_CONFIG, run_guarded, setup_logging
from pipeline.cli.core import core_commands
from pipeline.cli.curation_cmd import bundle_command, import_group
from pipeline.cli.demo_cmd import demo_command
from pipeline.cli.export_cmd import export_group
from pipeline.cli.ops_cmd import ops_commands
from pipeline.cli.rework_cmd import rework_commands
from pipeline.cli.serve_cmd import serve_command
from pipeline.cli.stories_cmd import stories_group
from pipeline.cli.tag_cmd import rules_group, tag_command
from pipeline.cli.users_cmd import users_group


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="vric")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.option("--log-json", is_flag=True, help="Log one JSON object per line on stderr.")
def cli(verbose: int, log_json: bool) -> None:
    """Collect, tag and curate media reports on Venezuelan, Russian, Iranian
    and Chinese (VRIC) influence in Latin America and the Caribbean.

    Configuration comes from feeds.yaml, outlets.yaml and rules.yaml, each
    looked up in $VRIC_CONFIG_DIR, then the working directory, then the
    defaults shipped in the package; the database from
    $VRIC_DATABASE_URL (default: sqlite:///vric.db).
    """
    setup_logging(logging.WARNING - 10 * verbose, json_lines=log_json)


for command in core_commands:
    cli.add_command(command)
cli.add_command(demo_command)
cli.add_command(export_group)
cli.add_command(import_group)
cli.add_command(bundle_command)
for command in (
    *ops_commands,
    *rework_commands,
    tag_command,
    rules_group,
    backfill_command,
    stories_group,
    serve_command,
):
    cli.add_command(command)
cli.add_command(users_group)

# feeds check / discover attach themselves to the `feeds` group on import.
import pipeline.cli.feeds_cmd  # noqa: E402, F401


def main() -> None:
    try:
        cli.main(prog_name="vric", standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["EXIT_CONFIG", "cli", "main", "run_guarded"]
