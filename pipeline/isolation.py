"""Process pools with a per-task deadline, for CPU stages that can hang.

feedparser (a quadratic author regex, kurtmckee/feedparser#562) and
trafilatura (seconds and hundreds of MB on a pathological page, no timeout in
library use, adbar/trafilatura#704) run here, in a ``pebble.ProcessPool``:

- a task that outlives its deadline is cancelled, its pool process killed
  and replaced; the caller gets an :class:`Outcome` with ``failure="timeout"``;
- a pool process that dies (segfault, OOM kill) gives ``failure="crashed"``; an
  exception inside the task gives ``failure="error"``; neither stops the pool;
- pool processes are recycled after ``max_tasks_per_child`` tasks (slow leaks) and
  run under an address-space limit (``memory_limit_bytes``; ``MemoryError``
  inside the task becomes ``failure="error"``);
- ``setup(*setup_args)`` runs once in every pool process as it starts (state
  every task needs, such as the extractor pool's context, sent once per
  process instead of once per task);
- processes start from a ``forkserver`` that has the parsing libraries
  imported already: starting a pool process costs milliseconds, and no process is
  forked from a multi-threaded parent.

The deadline counts from when a pool process picks the task up, not from submission.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.forkserver
import os
import resource
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent import futures
from concurrent.futures import CancelledError
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

import pebble

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_MEMORY_LIMIT: Final = 1 << 30  # 1 GiB per pool process (RELIABILITY 2.0)
# Imported once in the fork server, inherited by every pool process it starts
# (pipeline.ingest.preload: the extractor pool's assembling, ~0.9 s to import and warm).
PRELOAD_MODULES: Final = ["pipeline.parse", "pipeline.extract", "pipeline.ingest.preload"]

_context_lock = threading.Lock()
_context: Any = None


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """A task's result, or why there is none (``timeout`` | ``crashed`` | ``error``)."""

    value: T | None = None
    failure: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.failure is None


def _mp_context() -> Any:
    global _context  # noqa: PLW0603 -- one fork server per interpreter
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(_merged_preload())
            _context = ctx
        return _context


def _merged_preload() -> list[str]:
    """Our modules added to, never replacing, what another part of this process
    (the daemon's cycle runner) asked the shared fork server to preload.

    The standard library offers no getter, hence the private attribute, read
    defensively; ``__main__`` is left out so the fork server never imports a
    script's main module.
    """
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    current = getattr(server, "_preload_modules", None) or []
    wanted = [m for m in current if isinstance(m, str) and m != "__main__"]
    return list(dict.fromkeys([*wanted, *PRELOAD_MODULES]))


def _start_process(
    limit_bytes: int | None, setup: Callable[..., object] | None, setup_args: tuple[Any, ...]
) -> None:
    """Pool process initializer: the memory cap, then the pool's own ``setup``."""
    _limit_memory(limit_bytes)
    if setup is not None:
        setup(*setup_args)


def _limit_memory(limit_bytes: int | None) -> None:
    """Cap the address space so a runaway page raises MemoryError."""
    if not limit_bytes:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit_bytes = min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, hard))


class Pending(Generic[T]):
    """A submitted task; ``outcome()`` blocks until it has one."""

    def __init__(self, future: pebble.ProcessFuture[T]) -> None:
        self._future = future

    def done(self) -> bool:
        return self._future.done()

    def wait(self) -> None:
        """Block until the task has an outcome."""
        futures.wait([self._future])

    def add_done_callback(self, fn: Callable[[Pending[T]], object]) -> None:
        """Call ``fn(self)`` once the task has an outcome (at once if it has one)."""
        self._future.add_done_callback(lambda _: fn(self))

    def outcome(self) -> Outcome[T]:
        try:
            return Outcome(value=self._future.result())
        except TimeoutError:
            return Outcome(failure="timeout", detail="deadline exceeded; pool process replaced")
        except pebble.ProcessExpired as exc:
            detail = f"pool process died (exit code {exc.exitcode})"
            return Outcome(failure="crashed", detail=detail)
        except CancelledError:
            return Outcome(failure="error", detail="cancelled")
        except Exception as exc:
            return Outcome(failure="error", detail=f"{type(exc).__name__}: {exc}"[:500])


class DeadlinePool:
    """A process pool whose every task has a deadline (see module doc).

    Use as a context manager, or call :meth:`close`. ``deadline_s`` is the
    default per task; :meth:`submit` accepts another one per call.
    """

    def __init__(
        self,
        processes: int = 2,
        *,
        deadline_s: float = 20.0,
        max_tasks_per_child: int = 200,
        memory_limit_bytes: int | None = DEFAULT_MEMORY_LIMIT,
        setup: Callable[..., object] | None = None,
        setup_args: tuple[Any, ...] = (),
    ) -> None:
        if processes < 1 or deadline_s <= 0:
            raise ValueError("process pool: need processes >= 1 and a positive deadline")
        self.processes = processes
        self.deadline_s = deadline_s
        self.max_tasks_per_child = max_tasks_per_child
        self._pool = pebble.ProcessPool(
            max_workers=processes,
            max_tasks=max_tasks_per_child,
            initializer=_start_process,
            initargs=(memory_limit_bytes, setup, setup_args),
            context=_mp_context(),
        )

    def submit(
        self, fn: Callable[..., T], *args: Any, deadline_s: float | None = None
    ) -> Pending[T]:
        timeout = self.deadline_s if deadline_s is None else deadline_s
        return Pending(self._pool.schedule(fn, args=args, timeout=timeout))

    def run(self, fn: Callable[..., T], *args: Any, deadline_s: float | None = None) -> Outcome[T]:
        """Run one task and wait for its outcome."""
        return self.submit(fn, *args, deadline_s=deadline_s).outcome()

    def map(
        self, fn: Callable[..., T], arg_tuples: Iterable[tuple[Any, ...]], *, window: int = 0
    ) -> Iterator[Outcome[T]]:
        """Outcomes in input order; at most ``window`` tasks in flight (default 4 per process)."""
        limit = window or self.processes * 4
        pending: deque[Pending[T]] = deque()
        for args in arg_tuples:
            pending.append(self.submit(fn, *args))
            if len(pending) >= limit:
                yield pending.popleft().outcome()
        while pending:
            yield pending.popleft().outcome()

    def close(self) -> None:
        """Stop accepting tasks; kill pool processes still busy and wait for the pool."""
        self._pool.stop()
        self._pool.join()

    def __enter__(self) -> DeadlinePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------- test hooks
# Module-level so that the pool processes can import them by name.


def sleep_then_call(seconds: float, fn: Callable[..., T], *args: Any) -> T:
    """Test hook: a task that is ``seconds`` slower than ``fn`` (simulated slow page)."""
    time.sleep(seconds)
    return fn(*args)


def sleep_when(marker: bytes, seconds: float, fn: Callable[..., T], body: bytes, *args: Any) -> T:
    """Test hook: like :func:`sleep_then_call`, only for bodies containing ``marker``."""
    if marker in body:
        time.sleep(seconds)
    return fn(body, *args)


def exit_abruptly(*_args: Any) -> None:
    """Test hook: the pool process dies without a word, as on a segfault or an OOM kill."""
    os._exit(70)
