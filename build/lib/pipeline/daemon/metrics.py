"""Prometheus metrics and a tiny HTTP endpoint (``--metrics-port``).

``/metrics`` serves the registry in the text format; ``/healthz`` answers 200
while a cycle finished recently (or the process started recently) and 503
otherwise, so a container health check or a load balancer notices a stuck
daemon whose process is still alive. A ``--scheduler-only`` daemon runs no
cycles and is healthy while it answers.

All figures are recorded in the supervising process from the cycle reports
that the cycle children send back; no multi-process collector is needed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

logger = logging.getLogger(__name__)

CYCLE_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600)


class Metrics:
    """The daemon's metrics on a private registry."""

    def __init__(self, health_max_age: float | None, clock: Any = time.time) -> None:
        self.registry = CollectorRegistry()
        self.health_max_age = health_max_age
        self.clock = clock
        self.started_at = clock()
        self.last_success: float | None = None
        r = self.registry
        self.feed_fetches = Counter(
            "vric_feed_fetches", "Feeds polled, by outcome.", ["outcome"], registry=r
        )
        self.errors = Counter("vric_errors", "Failures by stable error code.", ["code"], registry=r)
        self.items = Counter("vric_items_stored", "Rows stored, by kind.", ["kind"], registry=r)
        self.skipped = Counter(
            "vric_items_skipped", "Items skipped, by reason.", ["reason"], registry=r
        )
        self.extraction = Counter(
            "vric_extractions", "Page extractions by outcome.", ["outcome"], registry=r
        )
        self.cycles = Counter("vric_cycles", "Cycles by final status.", ["status"], registry=r)
        self.cycle_seconds = Histogram(
            "vric_cycle_duration_seconds",
            "Wall time of a cycle.",
            buckets=CYCLE_BUCKETS,
            registry=r,
        )
        self.last_cycle = Gauge(
            "vric_last_cycle_success_timestamp_seconds",
            "When a cycle last finished without error.",
            registry=r,
        )
        self.queue_depth = Gauge("vric_queue_depth", "Entries waiting for their page.", registry=r)
        self.failing_feeds = Gauge(
            "vric_failing_feeds", "Enabled feeds whose last attempt failed.", registry=r
        )
        self.db_size = Gauge("vric_database_size_bytes", "Database size on disk.", registry=r)

    def observe_cycle(self, status: str, seconds: float, report: Mapping[str, Any]) -> None:
        self.cycles.labels(status).inc()
        self.cycle_seconds.observe(seconds)
        for outcome in ("ok", "unchanged", "failed"):
            self.feed_fetches.labels(outcome).inc(int(report.get(f"feeds_{outcome}", 0)))
        for kind in ("entries_new", "articles_new", "articles_linked", "pages_retry"):
            self.items.labels(kind).inc(int(report.get(kind, 0)))
        for label, counter in (
            ("errors", self.errors),
            ("skipped", self.skipped),
            ("extraction", self.extraction),
        ):
            for key, n in dict(report.get(label) or {}).items():
                counter.labels(str(key)).inc(int(n))
        if status == "ok":
            self.last_success = self.clock()
            self.last_cycle.set(self.last_success)

    def set_state(self, queue_depth: int, failing_feeds: int, db_size: int | None) -> None:
        self.queue_depth.set(queue_depth)
        self.failing_feeds.set(failing_feeds)
        if db_size is not None:
            self.db_size.set(db_size)

    def health(self) -> tuple[bool, str]:
        """Healthy while the last good cycle (or the start) is younger than the limit.

        Without a limit (a process that runs no cycles) it is healthy while it serves.
        """
        if self.health_max_age is None:
            return True, "ok: this process runs no cycles"
        ref = self.last_success if self.last_success is not None else self.started_at
        age = self.clock() - ref
        what = (
            "last successful cycle" if self.last_success is not None else "start-up, no cycle yet"
        )
        ok = age <= self.health_max_age
        state = "ok" if ok else "stale"
        return ok, f"{state}: {what} {age:.0f} s ago (limit {self.health_max_age:.0f} s)"

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Handler(BaseHTTPRequestHandler):
    server: MetricsServer

    def do_GET(self) -> None:
        metrics = self.server.metrics
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._send(200, CONTENT_TYPE_LATEST, metrics.render())
        elif path == "/healthz":
            ok, text = metrics.health()
            self._send(200 if ok else 503, "text/plain; charset=utf-8", text.encode() + b"\n")
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found: try /metrics or /healthz\n")

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("metrics request: " + format, *args)


class MetricsServer(ThreadingHTTPServer):
    """``/metrics`` and ``/healthz`` on a background thread."""

    daemon_threads = True

    def __init__(self, metrics: Metrics, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.metrics = metrics
        self._thread = threading.Thread(target=self.serve_forever, name="metrics", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> MetricsServer:
        self._thread.start()
        logger.info(
            "metrics endpoint listening",
            extra={"url": f"http://{self.server_address[0]!s}:{self.port}/metrics"},
        )
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
