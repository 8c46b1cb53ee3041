"""The watchdog: every cycle runs in a child process with a wall-clock limit.

Per-fetch, parse and extraction deadlines already bound the stages, but a
cycle can still hang where no deadline reaches (a driver call, a bug, C code
that ignores signals). APScheduler cannot interrupt a running job, and with
``max_instances=1`` a hung job blocks the cycle forever (S10). So the job
only supervises: it starts a fresh child in its own process group,
waits at most ``timeout`` seconds, and kills the whole group (the child and
its extraction workers) if the cycle overruns. Every feed and article is
committed on its own, so killing a cycle loses nothing committed.

A fresh child per cycle also returns memory to the system after each cycle
and picks up edits to the configuration files. Children are forked from a
``forkserver`` that has the pipeline imported once, so a cycle starts in
milliseconds, and never from the multi-threaded supervisor itself. The child
sends back its run id and its cycle report through a pipe.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

logger = logging.getLogger(__name__)

POLL_S = 0.1


@dataclass(frozen=True)
class CycleOutcome:
    """How a supervised cycle ended.

    ``status``: ok | stopped | failed | config_error (from the child), or
    timeout | abandoned | crashed (seen by the supervisor), or skipped.
    """

    status: str
    seconds: float = 0.0
    report: dict[str, Any] = field(default_factory=dict)
    run_id: int | None = None
    exitcode: int | None = None
    detail: str = ""

    @property
    def child_finished(self) -> bool:
        """The child recorded its own run (no clean-up needed by the supervisor)."""
        return self.status in ("ok", "stopped", "failed", "config_error")


class CycleRunner:
    """Runs ``target(conn, *args)`` in a child process, one at a time."""

    def __init__(
        self,
        target: Callable[..., None],
        args: tuple[Any, ...],
        timeout: float,
        preload: Sequence[str] = (),
    ) -> None:
        self.target, self.args, self.timeout = target, args, timeout
        self._ctx = multiprocessing.get_context("forkserver")
        if preload:  # effective only if this process has not started its fork server yet
            self._ctx.set_forkserver_preload(list(preload))
        self._lock = threading.Lock()
        self._proc: Any = None
        self._closed = False
        self._reason: str | None = None  # why the supervisor killed the child

    @property
    def running(self) -> bool:
        with self._lock:
            return self._proc is not None

    def run(self) -> CycleOutcome:
        """Start a cycle and wait for it (or for the watchdog to kill it)."""
        t0 = time.monotonic()
        with self._lock:
            if self._closed:
                return CycleOutcome("skipped", detail="shutting down")
            recv, send = self._ctx.Pipe(duplex=False)
            proc = self._ctx.Process(
                target=self.target, args=(send, *self.args), name="vric-cycle", daemon=False
            )
            proc.start()
            send.close()
            self._proc, self._reason = proc, None
        try:
            return self._supervise(proc, recv, t0)
        finally:
            recv.close()
            _kill_group(proc.pid)  # extraction workers left behind by a dead child
            with self._lock:
                self._proc = None

    def _supervise(self, proc: Any, conn: Connection, t0: float) -> CycleOutcome:
        messages: dict[str, Any] = {}
        eof = False
        while True:
            if eof:
                proc.join(POLL_S)
            else:
                eof = _drain(conn, messages)
            if not proc.is_alive():
                proc.join()
                if not eof:
                    _drain(conn, messages)
                break
            if self._reason is None and time.monotonic() - t0 > self.timeout:
                self._kill(proc, "timeout")
        return self._outcome(proc, messages, time.monotonic() - t0)

    def _outcome(self, proc: Any, messages: dict[str, Any], seconds: float) -> CycleOutcome:
        done = messages.get("done") or messages.get("error") or {}
        status = self._reason or done.get("status") or "crashed"
        if status == "crashed" and self._closed and proc.exitcode == -signal.SIGTERM:
            status = "stopped"  # SIGTERM arrived before the child set its handlers: no work taken
        detail = str(done.get("detail", ""))
        if status == "timeout":
            detail = f"cycle exceeded {self.timeout:g} s and was killed"
        elif status == "crashed":
            detail = f"cycle process ended with exit code {proc.exitcode}"
        return CycleOutcome(
            status,
            seconds,
            dict(done.get("report") or {}),
            messages.get("run"),
            proc.exitcode,
            detail,
        )

    def request_stop(self) -> None:
        """No new cycles; ask the running one to stop taking work (SIGTERM)."""
        with self._lock:
            self._closed = True
            if self._proc is not None and self._proc.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._proc.pid, signal.SIGTERM)

    def kill(self, reason: str = "abandoned") -> None:
        """Kill the running cycle's process group at once."""
        with self._lock:
            self._closed = True
            if self._proc is not None:
                self._kill(self._proc, reason)

    def _kill(self, proc: Any, reason: str) -> None:
        self._reason = reason
        logger.warning("killing the cycle process", extra={"outcome": reason, "pid": proc.pid})
        _kill_group(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            proc.kill()


def _drain(conn: Connection, messages: dict[str, Any]) -> bool:
    """Read what the child sent; True once the child's end is closed."""
    try:
        while conn.poll(POLL_S):
            kind, payload = conn.recv()
            messages[kind] = payload
    except (EOFError, OSError):
        return True
    return False


def _kill_group(pid: int | None) -> None:
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
