"""Cycle stand-ins for the watchdog tests (spawn targets must be importable)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path


def finish(conn: Connection) -> None:
    conn.send(("run", 7))
    conn.send(("done", {"status": "ok", "report": {"feeds_polled": 3}}))


def hang(conn: Connection, pidfile: str) -> None:
    """Hangs, with a grandchild in its process group (like an extraction worker)."""
    os.setpgid(0, 0)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    Path(pidfile).write_text(str(child.pid))
    conn.send(("run", 8))
    time.sleep(60)


def crash(conn: Connection) -> None:
    os._exit(3)


def stoppable(conn: Connection, ready: str = "") -> None:
    """Works until SIGTERM, then reports a clean stop; ``ready`` (a path) is
    written once the handler is installed, for tests to wait on."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if ready:
        Path(ready).write_text("ready")
    conn.send(("run", 9))
    stop.wait(30)
    conn.send(("done", {"status": "stopped", "report": {}}))
