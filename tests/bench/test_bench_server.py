"""The benchmark server counts concurrency per host and answers conditional GETs."""

from __future__ import annotations

import http.client
from concurrent.futures import ThreadPoolExecutor

from bench.server import BenchServer, StaticSite, resource


def _get(
    port: int, host: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path, headers={"Host": host, **(headers or {})})
    response = conn.getresponse()
    body = response.read()
    etag = response.getheader("ETag")
    conn.close()
    return response.status, (etag or "").encode() if response.status != 200 else body


def test_counts_requests_in_flight_per_host() -> None:
    site = StaticSite({("a.example", "/f"): resource(b"x", "text/plain"),
                       ("b.example", "/f"): resource(b"y", "text/plain")})  # fmt: skip
    with BenchServer(site, latency=0.3) as server, ThreadPoolExecutor(6) as pool:
        hosts = ["a.example"] * 4 + ["b.example"] * 2
        statuses = list(pool.map(lambda h: _get(server.port, h, "/f")[0], hosts))
        stats = server.stats()
    assert statuses == [200] * 6
    assert stats["max_per_host"] == 4 and stats["hosts"] == 2 and stats["requests"] == 6


def test_304_only_for_resources_with_validators() -> None:
    site = StaticSite({("a.example", "/v"): resource(b"<rss/>", "application/rss+xml"),
                       ("a.example", "/n"): resource(b"<rss/>", "application/rss+xml",
                                                     validators=False)})  # fmt: skip
    with BenchServer(site) as server:
        etag = site.resources[("a.example", "/v")].etag or ""
        assert _get(server.port, "a.example", "/v", {"If-None-Match": etag})[0] == 304
        assert _get(server.port, "a.example", "/n", {"If-None-Match": etag}) == (200, b"<rss/>")
        assert _get(server.port, "a.example", "/missing")[0] == 404
        assert _get(server.port, "a.example", "/robots.txt")[0] == 200
        assert server.stats()["statuses"] == {"200": 2, "304": 1, "404": 1}
