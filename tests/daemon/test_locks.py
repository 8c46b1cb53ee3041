"""Single-runner locks: refused with the holder's identity, free at once when the
holder dies (RELIABILITY #114, #122-#123)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.errors import LockHeld
from pipeline.locks import FileLock, daemon_lock, job_lock, lock_path
from pipeline.store import Store

REPO = Path(__file__).resolve().parents[2]
HOLD = (
    "import sys, time; from pathlib import Path; from pipeline.locks import FileLock; "
    "lock = FileLock(Path(sys.argv[1])); lock.acquire(); print('held', flush=True); time.sleep(60)"
)


def _holder(path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_holder_is_refused_with_pid_host_and_start_time(tmp_path: Path) -> None:
    path = tmp_path / "vric.db.lock"
    proc = _holder(path)
    try:
        with pytest.raises(LockHeld) as err:
            FileLock(path).acquire()
        message = str(err.value)
        assert f"pid {proc.pid}" in message
        assert socket.gethostname() in message
        assert "since 20" in message
    finally:
        proc.kill()
        proc.wait()


def test_the_lock_is_free_at_once_when_its_holder_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "vric.db.lock"
    proc = _holder(path)
    lock = FileLock(path)
    assert not lock.try_acquire()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    t0 = time.monotonic()
    lock.acquire(wait=True)  # stands by, then takes over
    assert time.monotonic() - t0 < 1.0
    assert lock.holder().pid == os.getpid()
    lock.release()


def test_a_clean_release_clears_the_record(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / "x.lock")
    lock.acquire()
    lock.release()
    assert lock.holder(retries=1).pid is None
    assert lock.path.exists()  # never unlinked (see pipeline.locks)


def test_job_lock_on_sqlite_uses_a_file_beside_the_database(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'vric.db'}")
    assert lock_path(store) == tmp_path / "vric.db.lock"
    assert lock_path(store, "bundle") == tmp_path / "vric.db.bundle.lock"
    with (
        job_lock(store, "bundle"),
        pytest.raises(LockHeld, match="another bundle run is running"),
        job_lock(store, "bundle"),
    ):
        pass
    with job_lock(store, "bundle"):
        pass  # released on exit


@pytest.mark.postgres
def test_job_lock_on_postgres_is_a_session_advisory_lock(pg_url: str) -> None:
    one, two = Store(pg_url), Store(pg_url)
    try:
        assert daemon_lock(one) is None  # Postgres daemons coordinate through leases
        with (
            job_lock(one, "maintenance"),
            pytest.raises(LockHeld, match="database session pid"),
            job_lock(two, "maintenance"),
        ):
            pass
        with job_lock(two, "maintenance"):
            pass
    finally:
        one.close()
        two.close()
