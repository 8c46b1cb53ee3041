"""``vric demo``: the whole cycle offline on the bundled corpus."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import echo_json, run_guarded
from pipeline.cli.render import console, print_counts

if TYPE_CHECKING:
    from pipeline.demo.cycle import DaemonHint, DemoSummary
    from pipeline.web.demo import DemoLogin


@click.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the demo database, CSV and bundle: new, empty, or an earlier "
    "demo's (replaced); any other folder is refused.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document.")
@click.option(
    "--serve",
    is_flag=True,
    help="Keep the demo server running after the cycle (until Ctrl-C) and print how "
    "to run `vric daemon` against it.",
)
def demo_command(out_dir: Path, as_json: bool, serve: bool) -> None:
    """Serve the bundled corpus on 127.0.0.1, run one full cycle into a fresh
    SQLite database, and write the period's CSV and bundle. Needs no internet.

    With --serve the server stays up, and DIR/daemon-config/ holds a feeds.yaml
    and a settings.yaml that point `vric daemon` at it (every host name
    resolves to the demo server through fetch.resolve_all_to)."""

    def workbench(summary: DemoSummary) -> DemoLogin:
        from pipeline.web.demo import demo_account

        return demo_account(summary.database)  # docs/workbench.md

    def document(summary: DemoSummary, login: DemoLogin) -> dict[str, object]:
        return {**summary.as_dict(), "workbench": {"command": login.command,
                                                   "user": login.user,
                                                   "password": login.password}}  # fmt: skip

    def keep_serving(summary: DemoSummary, hint: DaemonHint) -> None:
        login = workbench(summary)
        if as_json:  # one document: the summary and how to reach the server
            daemon = {"server": hint.server, "command": hint.command, **hint.environment}
            echo_json({**document(summary, login), "daemon": daemon})
        else:
            _print_summary(summary)
            _print_workbench(login)
            _print_daemon_hint(hint)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends a served demo: exit 0
            threading.Event().wait()
        console.print("demo server stopped")

    def act() -> None:
        from pipeline.demo.cycle import run_demo

        if serve:
            run_demo(out_dir, serve=keep_serving)
            return
        summary = run_demo(out_dir)
        login = workbench(summary)
        if as_json:
            echo_json(document(summary, login))
            return
        _print_summary(summary)
        _print_workbench(login)
        console.print(
            "daemon: `vric demo --serve` keeps the demo server running and prints how "
            "to run `vric daemon` against the demo corpus"
        )

    run_guarded(act)


def _print_workbench(login: DemoLogin) -> None:
    console.print(
        f"workbench: {login.command}  then http://127.0.0.1:8080/ "
        f"as {login.user} / {login.password}",
        markup=False,
        soft_wrap=True,
    )


def _print_daemon_hint(hint: DaemonHint) -> None:
    click.echo(f"demo server: {hint.server} (serving the corpus; Ctrl-C stops it)")
    click.echo("run the daemon against the demo corpus, in another terminal:")
    click.echo(f"  {hint.command}")
    click.echo(f"then `vric status` with the same VRIC_DATABASE_URL; settings in {hint.config_dir}")


def _print_summary(s: DemoSummary) -> None:
    from pipeline.demo.cycle import DEMO_PERIOD

    r = s.report
    print_counts(
        "demo cycle",
        {
            "feeds": s.feeds,
            "feeds fetched ok": r.feeds_ok,
            "feeds failed": r.feeds_failed,
            "entries queued": r.entries_new,
            "articles stored": s.articles,
            "duplicates linked": r.articles_linked,
            f"candidates in {DEMO_PERIOD}": s.candidates,
            "near-duplicate clusters": s.clusters,
            "syndicated state-wire copies": s.syndicated,
            "opinion pieces": s.opinion,
            "state-media candidates": f"{s.state_media} ({s.state_media_share:.0%})",
        },
    )
    print_counts("candidates per actor", dict(s.actors.most_common()))
    print_counts("candidates per topic", dict(s.topics.most_common()))
    if r.skipped or r.errors:
        print_counts("skipped or failed (reason: count)", {**r.skipped, **r.errors})
    print_counts("from entries queued to articles stored", s.entry_gap())
    console.print(f"database: {s.database}")
    console.print(f"CSV: {s.csv_path} ({s.csv_rows} rows)")
    if s.bundle:
        console.print(
            f"bundle: {s.bundle['path']} (state-media share "
            f"{s.bundle['state_media_share']:.0%}, cap {s.bundle['state_media_cap']:.0%})"
        )
