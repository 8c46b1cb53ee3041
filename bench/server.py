"""A local feed and page server for the benchmarks (127.0.0.1 only).

Like the demo server it routes on the ``Host`` header, so the pipeline
fetches realistic URLs through a resolver that maps every host to this port.
What it adds for measuring:

- a fixed latency per response (``time.sleep`` in the handler thread, so many
  requests wait at once, like a remote server);
- counters: requests by status, the most requests in flight at once, and the
  most in flight on any one host (to check the client's per-host limit);
- conditional GET (``If-None-Match`` / ``If-Modified-Since`` → 304) for the
  resources that carry validators, and none for the others;
- a ``tick`` the benchmark advances between cycles, for sites whose feeds
  change over time (:class:`Site`).

:class:`BenchServer` runs in the calling process; :class:`ServerProcess`
runs one in a child process (so its threads neither compete for the
benchmark's GIL nor count in its memory) and is driven through a pipe.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any, Protocol

logger = logging.getLogger(__name__)

ROBOTS = b"User-agent: *\nAllow: /\n"
LAST_MODIFIED = "Sun, 01 Aug 2021 00:00:00 GMT"


@dataclass(frozen=True)
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None


def resource(body: bytes, content_type: str, *, validators: bool = True) -> Resource:
    """A resource; with ``validators`` it carries an ETag and Last-Modified."""
    if not validators:
        return Resource(body, content_type)
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    return Resource(body, content_type, etag, LAST_MODIFIED)


class Site(Protocol):
    def lookup(self, host: str, path: str, tick: int) -> Resource | None: ...


class StaticSite:
    """Resources keyed by ``(host, path with query)``."""

    def __init__(self, resources: Mapping[tuple[str, str], Resource]) -> None:
        self.resources = dict(resources)

    def lookup(self, host: str, path: str, tick: int) -> Resource | None:
        return self.resources.get((host, path))


@dataclass
class Stats:
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    statuses: Counter[int] | None = None
    host_in_flight: Counter[str] | None = None
    host_max: Counter[str] | None = None
    last_start: dict[str, float] | None = None
    min_gap: float | None = None  # shortest time between two request starts on one host

    def __post_init__(self) -> None:
        self.statuses, self.host_in_flight, self.host_max = Counter(), Counter(), Counter()
        self.last_start = {}

    def as_dict(self) -> dict[str, Any]:
        assert self.statuses is not None and self.host_max is not None
        return {
            "requests": self.requests,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "max_in_flight": self.max_in_flight,
            "max_per_host": max(self.host_max.values(), default=0),
            "min_gap_per_host": self.min_gap,
            "hosts": len(self.host_max),
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bench"
    sys_version = ""
    timeout = 30
    server: _Server

    def do_GET(self) -> None:
        bench = self.server.bench
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        bench.enter(host)
        try:
            if bench.latency:
                time.sleep(bench.latency)
            status, headers, body = bench.reply(host, self.path, self.headers)
            bench.counted(status)  # before the client can read the reply (and the stats)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            bench.leave(host)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("bench_server " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # a burst of connects must not wait for SYN retries

    def __init__(self, bench: BenchServer) -> None:
        self.bench = bench
        super().__init__(("127.0.0.1", 0), _Handler)


class BenchServer:
    """Serve a :class:`Site` on 127.0.0.1 with latency and counters."""

    def __init__(self, site: Site, latency: float = 0.0) -> None:
        self.site, self.latency = site, latency
        self.tick = 0
        self.port = 0
        self._stats = Stats()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> BenchServer:
        self._server = _Server(self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> BenchServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def resolve(self, host: str, port: int) -> list[tuple[str, int]]:
        return [("127.0.0.1", self.port)]

    def enter(self, host: str) -> None:
        s = self._stats
        assert s.host_in_flight is not None and s.host_max is not None
        with self._lock:
            s.requests += 1
            s.in_flight += 1
            s.max_in_flight = max(s.max_in_flight, s.in_flight)
            s.host_in_flight[host] += 1
            s.host_max[host] = max(s.host_max[host], s.host_in_flight[host])
            now = time.monotonic()
            assert s.last_start is not None
            if host in s.last_start:
                gap = now - s.last_start[host]
                s.min_gap = gap if s.min_gap is None else min(s.min_gap, gap)
            s.last_start[host] = now

    def counted(self, status: int) -> None:
        assert self._stats.statuses is not None
        with self._lock:
            self._stats.statuses[status] += 1

    def leave(self, host: str) -> None:
        s = self._stats
        assert s.host_in_flight is not None
        with self._lock:
            s.in_flight -= 1
            s.host_in_flight[host] -= 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return self._stats.as_dict()

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = Stats()

    def reply(self, host: str, path: str, headers: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        if path == "/robots.txt":
            return 200, [("Content-Type", "text/plain")], ROBOTS
        found = self.site.lookup(host, path, self.tick)
        if found is None:
            return 404, [("Content-Type", "text/html")], b"<html><body>not found</body></html>"
        validators = [("ETag", found.etag)] if found.etag else []
        if found.last_modified:
            validators.append(("Last-Modified", found.last_modified))
        if found.etag and _fresh(found, headers):
            return 304, validators, b""
        return 200, [("Content-Type", found.content_type), *validators], found.body


def _fresh(found: Resource, headers: Any) -> bool:
    match = headers.get("If-None-Match")
    if match is not None:
        return found.etag in {t.strip().removeprefix("W/") for t in match.split(",")}
    return headers.get("If-Modified-Since") == found.last_modified


# ---------------------------------------------------------------- child process

SiteFactory = Callable[[], Site]


def _serve(conn: Connection, factory: SiteFactory, latency: float) -> None:
    server = BenchServer(factory(), latency).start()
    conn.send(server.port)
    while True:
        command, arg = conn.recv()
        if command == "stop":
            server.stop()
            conn.send(None)
            return
        if command == "stats":
            conn.send(server.stats())
        elif command == "reset":
            server.reset_stats()
            conn.send(None)
        elif command == "tick":
            server.tick = int(arg)
            conn.send(None)


class ServerProcess:
    """A :class:`BenchServer` in a child process; ``factory`` must be picklable."""

    def __init__(self, factory: SiteFactory, latency: float = 0.0) -> None:
        self.factory, self.latency = factory, latency
        self.port = 0
        self._conn: Connection | None = None
        self._proc: Any = None

    def __enter__(self) -> ServerProcess:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=_serve, args=(child, self.factory, self.latency), daemon=True
        )
        self._proc.start()
        self._conn = parent
        if not parent.poll(120):
            raise RuntimeError("bench server: the child did not start")
        self.port = parent.recv()
        return self

    def _call(self, command: str, arg: object = None) -> Any:
        assert self._conn is not None
        self._conn.send((command, arg))
        return self._conn.recv()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def stats(self) -> dict[str, Any]:
        return dict(self._call("stats"))

    def reset_stats(self) -> None:
        self._call("reset")

    def set_tick(self, tick: int) -> None:
        self._call("tick", tick)

    def resolve(self, host: str, port: int) -> list[tuple[str, int]]:
        return [("127.0.0.1", self.port)]

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError, EOFError):  # the child is gone already
            self._call("stop")
        if self._proc is not None:
            self._proc.join(timeout=10)
            if self._proc.is_alive():
                self._proc.kill()
