"""The cycle child: what runs inside the process the watchdog supervises.

The child is forked from the watchdog's fork server, which has already
imported the pipeline; imports inside :func:`cycle_main` cost nothing there
and keep this module light for anyone else.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from pipeline.ingest.claimed import ClaimOptions

logger = logging.getLogger(__name__)

PARENT_POLL_S = 0.25
EXIT_BACKSTOP_S = 5.0


@dataclass(frozen=True)
class ChildOptions:
    claim: ClaimOptions
    log_level: int = logging.INFO
    log_json: bool = False


def cycle_main(conn: Connection, opts: ChildOptions) -> None:
    """Entry point of the cycle process (``multiprocessing`` spawn target)."""
    os.setpgid(0, 0)  # one group: the supervisor kills the child and its workers together
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    _watch_parent(os.getppid())
    from pipeline.logs import setup_logging

    setup_logging(opts.log_level, json_lines=opts.log_json)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    code, payload = _run(conn, opts, stop)
    with contextlib.suppress(OSError):
        conn.send(("done" if code == 0 else "error", payload))
    conn.close()
    # A normal exit runs multiprocessing's clean-up (no leaked semaphores); a
    # stray non-daemon thread must not keep the process alive, so a backstop
    # ends it regardless once everything had a few seconds to finish.
    backstop = threading.Timer(EXIT_BACKSTOP_S, os._exit, (code,))
    backstop.daemon = True
    backstop.start()
    sys.exit(code)


def _run(conn: Connection, opts: ChildOptions, stop: threading.Event) -> tuple[int, dict[str, Any]]:
    from pipeline.config import load_config
    from pipeline.errors import ConfigError, VricError
    from pipeline.ingest.claimed import run_claimed_cycle
    from pipeline.ingest.runtime import ingestor, open_store

    try:
        config = load_config()
        store = open_store(config.settings)
        try:
            with ingestor(config, store, owner=opts.claim.owner) as ing:
                report, status = run_claimed_cycle(
                    ing,
                    opts.claim,
                    should_stop=stop.is_set,
                    on_run=lambda run_id: conn.send(("run", run_id)),
                )
                if status == "ok" and config.settings.backfill.auto:
                    from pipeline.backfill.heal import heal_gaps  # docs/backfill.md

                    heal_gaps(config, store, ing, should_stop=stop.is_set)
        finally:
            store.close()
    except ConfigError as exc:
        return 2, {"status": "config_error", "detail": "; ".join(exc.problems)}
    except VricError as exc:
        return 1, {"status": "failed", "detail": str(exc)}
    except Exception as exc:
        logger.exception("cycle crashed")
        return 1, {"status": "failed", "detail": f"{exc.__class__.__name__}: {exc}"}
    return 0, {"status": status, "report": report.as_dict()}


def _watch_parent(parent: int) -> None:
    """Die with the supervisor: an orphaned cycle must not outlive a killed daemon
    (a new daemon may already hold the lock). Polling, because PR_SET_PDEATHSIG
    fires when the parent *thread* exits, and the parent starts us from a pool
    thread."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
