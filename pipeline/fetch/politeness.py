"""Per-host politeness: a concurrency limit and a minimum interval between
request starts (raised by a robots.txt ``Crawl-delay``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class HostGate:
    """At most ``concurrency`` requests in flight per host, and request
    starts on one host at least ``interval`` seconds apart."""

    def __init__(self, concurrency: int, interval: float) -> None:
        self._concurrency = max(1, concurrency)
        self._interval = max(0.0, interval)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self._intervals: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str, *, paced: bool = True) -> Iterator[float]:
        """Hold one of the host's slots; yields the seconds spent waiting.

        An unpaced request (``paced=False``) waits for a slot only: it neither
        keeps nor moves the interval between request starts.
        """
        start = time.monotonic()
        semaphore = self._semaphore(host)
        semaphore.acquire()
        try:
            pause = self._reserve(host) if paced else 0.0
            if pause > 0:
                time.sleep(pause)
            yield time.monotonic() - start
        finally:
            semaphore.release()

    def ready_at(self, host: str) -> float:
        """``time.monotonic()`` value at which the host may take a new request."""
        with self._lock:
            return self._next_start.get(host.lower(), 0.0)

    def set_interval(self, host: str, seconds: float) -> None:
        """Raise (never lower below the default) the host's interval."""
        with self._lock:
            self._intervals[host.lower()] = max(self._interval, seconds)

    def interval(self, host: str) -> float:
        with self._lock:
            return self._intervals.get(host.lower(), self._interval)

    def _semaphore(self, host: str) -> threading.Semaphore:
        with self._lock:
            return self._slots.setdefault(host.lower(), threading.Semaphore(self._concurrency))

    def _reserve(self, host: str) -> float:
        key = host.lower()
        with self._lock:
            now = time.monotonic()
            begin = max(now, self._next_start.get(key, 0.0))
            self._next_start[key] = begin + self._intervals.get(key, self._interval)
            return begin - now
