"""``crashpoint(name)``: SIGKILL only when VRIC_CRASH_AT names it (RELIABILITY §3.5)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from pipeline.crashpoints import CRASH_POINTS, crashpoint

SCRIPT = (
    "from pipeline.crashpoints import crashpoint\n"
    "for i in range(3):\n"
    "    print(i, flush=True)\n"
    "    crashpoint('after_feed_parse')\n"
)


def _run(value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VRIC_CRASH_AT"}
    if value is not None:
        env["VRIC_CRASH_AT"] = value
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    ("value", "printed", "code"),
    [
        (None, "0 1 2", 0),
        ("after_claim", "0 1 2", 0),
        ("after_feed_parse", "0", -signal.SIGKILL),
        ("after_feed_parse@2", "0 1", -signal.SIGKILL),
    ],
)
def test_crashpoint_kills_only_at_the_named_point(
    value: str | None, printed: str, code: int
) -> None:
    done = _run(value)
    assert done.returncode == code
    assert done.stdout.split() == printed.split()


def test_crashpoint_is_inert_in_the_test_process() -> None:
    assert "after_claim" in CRASH_POINTS
    crashpoint("after_claim")  # VRIC_CRASH_AT is not set here
