"""The cycle watchdog: a hung cycle is killed with its process group, so the
job returns and the next cycle runs (RELIABILITY #118)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psutil

from pipeline.daemon.watchdog import CycleRunner
from tests.daemon import targets


def _gone(pid: int, within: float = 3.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.05)
    return False


def test_a_hung_cycle_is_killed_with_its_workers_and_the_next_one_runs(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    # The limit leaves a loaded machine time to start the child and its grandchild.
    runner = CycleRunner(targets.hang, (str(pidfile),), timeout=4.0)
    t0 = time.monotonic()
    outcome = runner.run()
    assert outcome.status == "timeout"
    assert outcome.run_id == 8  # the supervisor can close the killed cycle's run
    assert 4.0 <= time.monotonic() - t0 < 4.0 + 4.5  # killed at the limit, not before
    assert _gone(int(pidfile.read_text()), within=10)
    # The runner is free again: a hung cycle does not block later ones.
    again = CycleRunner(targets.finish, (), timeout=10).run()
    assert again.status == "ok"


def test_a_finished_cycle_reports_back() -> None:
    outcome = CycleRunner(targets.finish, (), timeout=10).run()
    assert (outcome.status, outcome.run_id, outcome.exitcode) == ("ok", 7, 0)
    assert outcome.report == {"feeds_polled": 3}
    assert outcome.child_finished


def test_a_crashed_cycle_is_seen_as_crashed() -> None:
    outcome = CycleRunner(targets.crash, (), timeout=10).run()
    assert outcome.status == "crashed"
    assert outcome.exitcode == 3
    assert not outcome.child_finished


def test_stop_asks_the_cycle_to_finish_and_no_new_cycle_starts(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    runner = CycleRunner(targets.stoppable, (str(ready),), timeout=60)
    result: dict[str, object] = {}
    thread = threading.Thread(target=lambda: result.update(outcome=runner.run()))
    thread.start()
    assert _wait(lambda: runner.running)
    assert _wait(ready.exists, timeout=30)  # the child's SIGTERM handler is installed
    runner.request_stop()
    thread.join(30)
    assert result["outcome"].status == "stopped"  # type: ignore[attr-defined]
    assert runner.run().status == "skipped"


def _wait(pred: object, timeout: float = 10) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_kill_abandons_the_running_cycle_at_once() -> None:
    runner = CycleRunner(targets.stoppable, (), timeout=20)
    result: dict[str, object] = {}
    thread = threading.Thread(target=lambda: result.update(outcome=runner.run()))
    thread.start()
    assert _wait(lambda: runner.running)
    t0 = time.monotonic()
    runner.kill()
    thread.join(10)
    assert result["outcome"].status == "abandoned"  # type: ignore[attr-defined]
    assert time.monotonic() - t0 < 2
