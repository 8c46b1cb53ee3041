"""Single-runner locks that die with their holder (RELIABILITY #114, #122-#123).

- SQLite: ``fcntl.flock`` on a lock file beside the database
  (``vric.db.lock`` for the daemon, ``vric.db.<name>.lock`` for a job). The
  kernel drops the lock when the holder dies, even by kill -9, so a new
  process takes over at once: no time-to-live, no stale lock to clean up.
  The holder writes its pid, host and start time into the file so that the
  refused process can say who is running.
- Postgres: a session ``pg_try_advisory_lock`` (see
  :meth:`pipeline.store.leases.LeaseStore.advisory_lock`), released when the
  holder's connection ends. Transaction-pooling proxies (pgbouncer in
  transaction mode) break session locks: connect the daemon directly.

The lock file is never deleted: unlinking a flock file lets two processes
lock two different inodes under the same name.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from pipeline.errors import LockHeld
from pipeline.store import Store

logger = logging.getLogger(__name__)

POLL_S = 0.2


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, as far as the lock records it."""

    pid: int | None = None
    host: str | None = None
    since: str | None = None
    command: str | None = None

    def describe(self) -> str:
        if self.pid is None and self.host is None:
            return "holder unknown"
        return f"pid {self.pid} on host {self.host}, since {self.since}"


class FileLock:
    """An exclusive ``flock`` on ``path``, recording the holder inside the file."""

    def __init__(self, path: Path, what: str = "daemon") -> None:
        self.path, self.what = path, what
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        self._write_holder(fd)
        return True

    def acquire(self, *, wait: bool = False, should_stop: Callable[[], bool] | None = None) -> None:
        """Take the lock or raise :class:`LockHeld` naming the holder.

        With ``wait`` the caller stands by until the holder dies or exits
        (polling every 0.2 s) or ``should_stop()`` turns true.
        """
        announced = False
        while not self.try_acquire():
            if not wait or (should_stop is not None and should_stop()):
                raise LockHeld(self.refusal())
            if not announced:
                logger.warning("standing by for the lock", extra={"reason": self.refusal()})
                announced = True
            time.sleep(POLL_S)

    def refusal(self) -> str:
        return f"another {self.what} is running ({self.holder().describe()}); lock file {self.path}"

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def holder(self, retries: int = 5) -> Holder:
        """The holder recorded in the file; retried briefly while it is being written."""
        for _ in range(retries):
            try:
                doc = json.loads(self.path.read_text(encoding="utf-8") or "null")
            except (OSError, ValueError):
                doc = None
            if isinstance(doc, dict):
                return Holder(doc.get("pid"), doc.get("host"), doc.get("since"), doc.get("command"))
            time.sleep(0.05)
        return Holder()

    def _write_holder(self, fd: int) -> None:
        doc = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv[:3]),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(doc).encode(), 0)

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def lock_path(store: Store, name: str = "daemon") -> Path | None:
    """The lock file beside a SQLite database; None on Postgres or in memory."""
    db = store.sqlite_path
    if db is None:
        return None
    suffix = ".lock" if name == "daemon" else f".{name}.lock"
    return db.with_name(db.name + suffix)


def daemon_lock(store: Store) -> FileLock | None:
    """The one-daemon-per-SQLite-database lock (not taken yet); None on Postgres."""
    path = lock_path(store)
    return FileLock(path, "daemon") if path is not None else None


@contextmanager
def job_lock(store: Store, name: str, *, what: str | None = None) -> Iterator[None]:
    """Run a singleton job (maintenance, bundle) at most once at a time.

    Raises :class:`LockHeld` at once when another process runs it.
    """
    what = what or f"{name} run"
    path = lock_path(store, name)
    if path is not None:
        with FileLock(path, what):
            yield
        return
    with store.advisory_lock(name) as got:
        if not got:
            holder = store.advisory_holder(name) or {}
            raise LockHeld(
                f"another {what} is running (database session pid {holder.get('pid')} "
                f"from {holder.get('host')}, since {holder.get('since')})"
            )
        yield
