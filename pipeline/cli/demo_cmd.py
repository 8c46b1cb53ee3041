"""``vric demo``: the whole cycle offline on the bundled corpus."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.common import echo_json, run_guarded
from pipeline.cli.render import console, print_counts


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
def demo_command(out_dir: Path, as_json: bool) -> None:
    """Serve the bundled corpus on 127.0.0.1, run one full cycle into a fresh
    SQLite database, and write the period's CSV and bundle. Needs no internet."""

    def act() -> None:
        from pipeline.demo.cycle import DEMO_PERIOD, run_demo
        from pipeline.web.demo import demo_account

        s = run_demo(out_dir)
        login = demo_account(s.database)  # the workbench over this database (docs/workbench.md)
        if as_json:
            echo_json({**s.as_dict(), "workbench": {"command": login.command,
                                                    "user": login.user,
                                                    "password": login.password}})  # fmt: skip
            return
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
        console.print(
            f"workbench: {login.command}  then http://127.0.0.1:8080/ "
            f"as {login.user} / {login.password}",
            markup=False,
            soft_wrap=True,
        )

    run_guarded(act)
