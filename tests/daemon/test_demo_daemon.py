"""The README's "run the daemon against the demo corpus" (issue 18): `vric demo
--serve` keeps the demo server up and prints a daemon command; that command,
run as printed, polls all the demo's feeds through the demo server (every
host resolved to it by fetch.resolve_all_to) and nothing else."""

from __future__ import annotations

import os
import shlex
import signal
from pathlib import Path

from sqlalchemy import text

from pipeline.demo import load_manifest
from pipeline.store import Store
from tests.daemon.harness import Proc, cycle_runs, start_vric, wait_for


def _printed_command(proc: Proc) -> list[str] | None:
    for line in proc.log().splitlines():
        if "vric daemon" in line and "VRIC_DATABASE_URL=" in line:
            return shlex.split(line.strip())
    return None


def test_the_printed_daemon_command_polls_the_demo_corpus(
    tmp_path: Path, procs: list[Proc]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VRIC_")}
    env["PYTHONUNBUFFERED"] = "1"
    demo = start_vric(["demo", "--serve", "--out", "demo-out"], env, tmp_path / "demo.log")
    procs.append(demo)
    wait_for(lambda: _printed_command(demo) or demo.popen.poll() is not None, timeout=90)
    words = _printed_command(demo)
    assert words, demo.log()
    assert "demo server: http://127.0.0.1:" in demo.log()
    assignments = dict(w.split("=", 1) for w in words if "=" in w and w.startswith("VRIC_"))
    args = [w for w in words if "=" not in w]
    assert args[:2] == ["vric", "daemon"]
    assert set(assignments) == {"VRIC_CONFIG_DIR", "VRIC_DATABASE_URL"}

    # Time passes: every feed is due again when the daemon starts.
    store = Store(assignments["VRIC_DATABASE_URL"])
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE feeds SET next_due = NULL"))
    daemon = start_vric([*args[1:], "--id", "demo-daemon"], env | assignments,
                        tmp_path / "daemon.log")  # fmt: skip
    procs.append(daemon)

    def daemon_cycle() -> dict[str, object] | None:
        runs = [r for r in cycle_runs(store, "ok") if r["worker"] == "demo-daemon"]
        return runs[0] if runs else None

    wait_for(lambda: daemon_cycle() or daemon.popen.poll() is not None, timeout=90, step=0.5)
    run = daemon_cycle()
    assert run is not None, daemon.log()
    counts = run["counts"]
    feeds = len(load_manifest().feeds)
    assert counts["feeds_polled"] == feeds
    assert counts["feeds_ok"] + counts["feeds_unchanged"] == feeds, counts
    assert counts["feeds_failed"] == 0

    daemon.signal(signal.SIGTERM)
    assert daemon.wait(60) == 0
    demo.signal(signal.SIGINT)
    assert demo.wait(30) == 0
    assert "demo server stopped" in demo.log()
    store.close()
