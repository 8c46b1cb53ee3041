"""Prometheus metrics and /healthz (issue 8, Operations)."""

from __future__ import annotations

import http.client

from pipeline.daemon.metrics import Metrics, MetricsServer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    return resp.status, body


REPORT = {
    "feeds_ok": 3,
    "feeds_unchanged": 1,
    "feeds_failed": 2,
    "entries_new": 9,
    "articles_new": 7,
    "errors": {"timeout": 2},
    "skipped": {"duplicate_in_feed": 1},
    "extraction": {"ok": 6, "too_short": 1},
}


def test_cycle_reports_become_prometheus_series() -> None:
    metrics = Metrics(health_max_age=60)
    metrics.observe_cycle("ok", 12.5, REPORT)
    metrics.set_state(queue_depth=4, failing_feeds=2, db_size=123456)
    text = metrics.render().decode()
    assert 'vric_feed_fetches_total{outcome="failed"} 2.0' in text
    assert 'vric_errors_total{code="timeout"} 2.0' in text
    assert 'vric_items_stored_total{kind="articles_new"} 7.0' in text
    assert 'vric_extractions_total{outcome="too_short"} 1.0' in text
    assert 'vric_cycles_total{status="ok"} 1.0' in text
    assert "vric_cycle_duration_seconds_count 1.0" in text
    assert "vric_queue_depth 4.0" in text
    assert "vric_failing_feeds 2.0" in text
    assert "vric_database_size_bytes 123456.0" in text


def test_healthz_fails_when_no_cycle_finished_recently() -> None:
    clock = Clock()
    metrics = Metrics(health_max_age=60, clock=clock)
    server = MetricsServer(metrics, "127.0.0.1", 0).start()
    try:
        assert _get(server.port, "/healthz")[0] == 200  # just started
        clock.now += 61
        status, body = _get(server.port, "/healthz")
        assert status == 503 and "no cycle yet" in body
        metrics.observe_cycle("ok", 1.0, {})
        assert _get(server.port, "/healthz")[0] == 200
        metrics.observe_cycle("timeout", 1.0, {})  # a failed cycle does not refresh health
        clock.now += 61
        assert _get(server.port, "/healthz")[0] == 503
        status, body = _get(server.port, "/metrics")
        assert status == 200 and 'vric_cycles_total{status="timeout"} 1.0' in body
        assert _get(server.port, "/nope")[0] == 404
    finally:
        server.stop()
