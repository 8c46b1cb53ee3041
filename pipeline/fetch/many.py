"""``fetch_many``: a bounded thread pool fed host-aware, so one busy host
cannot occupy every thread while other hosts wait. ``concurrency`` is the
number of requests in flight (threads)."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pipeline.fetch.politeness import HostGate
from pipeline.types import FetchResult

if TYPE_CHECKING:
    from pipeline.fetch.client import FetchRequest, HttpClient
    from pipeline.fetch.policy import FetchPolicy

MAX_IDLE_WAIT = 0.5


def host_key(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


class _Scheduler:
    def __init__(
        self, requests: Iterable[FetchRequest], policy: FetchPolicy, gate: HostGate
    ) -> None:
        self.queues: dict[str, deque[FetchRequest]] = {}
        for request in requests:
            self.queues.setdefault(host_key(request.url), deque()).append(request)
        self.per_host = policy.per_host_concurrency
        self.paced = policy.paced
        self.gate = gate
        self.in_flight: Counter[str] = Counter()
        self.last_start: dict[str, float] = {}

    def pending(self) -> bool:
        return any(self.queues.values())

    def ready(self, free: int) -> list[tuple[str, FetchRequest]]:
        """Up to ``free`` requests whose host has a slot and is due, round-robin."""
        picked: list[tuple[str, FetchRequest]] = []
        now = time.monotonic()
        for host in list(self.queues):
            if len(picked) >= free:
                break
            if self._is_ready(host, now):
                request = self.queues[host].popleft()
                picked.append((host, request))
                self.in_flight[host] += 1
                if self.paced(request.kind):
                    self.last_start[host] = now
                self.queues[host] = self.queues.pop(host)  # to the back: round-robin
            if not self.queues[host]:
                del self.queues[host]
        return picked

    def next_wake(self) -> float:
        now = time.monotonic()
        waits = [self._due(h) - now for h in self.queues if self.in_flight[h] < self.per_host]
        return min([MAX_IDLE_WAIT, *[max(0.0, w) for w in waits]])

    def done(self, host: str) -> None:
        self.in_flight[host] -= 1

    def _is_ready(self, host: str, now: float) -> bool:
        if not host:  # unparseable URLs fail inside fetch without touching a host
            return bool(self.queues[host])
        return (
            bool(self.queues[host])
            and self.in_flight[host] < self.per_host
            and self._due(host) <= now
        )

    def _due(self, host: str) -> float:
        if not host:
            return 0.0  # unparseable URLs fail fast inside fetch
        if not self.paced(self.queues[host][0].kind):
            return 0.0  # a slot is all it waits for
        last = self.last_start.get(host)
        paced = last + self.gate.interval(host) if last is not None else 0.0
        return max(paced, self.gate.ready_at(host))


def run_many(
    client: HttpClient, requests: Iterable[FetchRequest], concurrency: int, gate: HostGate
) -> Generator[tuple[FetchRequest, FetchResult], None, None]:
    scheduler = _Scheduler(requests, client.policy, gate)
    running: dict[Future[FetchResult], tuple[str, FetchRequest]] = {}
    threads = max(1, concurrency)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="vric-fetch") as pool:
        try:
            while scheduler.pending() or running:
                _submit_ready(pool, client, scheduler, running, concurrency)
                if not running:
                    time.sleep(scheduler.next_wake())
                    continue
                full = len(running) >= concurrency
                timeout = None if full else max(0.01, scheduler.next_wake())
                finished, _ = wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
                for future in finished:
                    host, request = running.pop(future)
                    scheduler.done(host)
                    yield request, future.result()
        finally:
            for future in running:
                future.cancel()


def _submit_ready(
    pool: ThreadPoolExecutor,
    client: HttpClient,
    scheduler: _Scheduler,
    running: dict[Future[FetchResult], tuple[str, FetchRequest]],
    concurrency: int,
) -> None:
    while len(running) < concurrency:
        batch = scheduler.ready(concurrency - len(running))
        if not batch:
            return
        for host, request in batch:
            running[pool.submit(client.fetch_request, request)] = (host, request)
