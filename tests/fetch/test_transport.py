"""Transport limits against a hostile loopback server (RELIABILITY A1-A4, A8-A18).

Budgets in these tests (``conftest.fast_policy``): connect 1 s, read 1 s,
total deadline 2 s, DNS 0.5 s, decoded cap 256 KiB. Time bounds are loose
hang detectors, not speed targets.
"""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc

from pipeline.fetch import FetchResult, HttpClient
from tests.fetch.conftest import ClientFactory
from tests.fixtures.badhost import FEED, BadHost
from tests.fixtures.resolver import FakeResolver

CAP = 256 * 1024


def timed(client: HttpClient, url: str) -> tuple[FetchResult, float]:
    start = time.monotonic()
    result = client.fetch(url)
    return result, time.monotonic() - start


def test_a1_honest_content_length_over_the_cap_is_refused_from_the_header(
    badhost: BadHost, client: HttpClient
) -> None:
    result, elapsed = timed(client, badhost.url("/big?n=16777216&cl=honest"))
    assert result.error_code == "too_large"
    assert "Content-Length" in (result.error_message or "")
    assert result.body is None
    assert elapsed < 1.0
    assert badhost.bytes_sent["/big"] < 16 * 2**20  # the client hung up long before the end


def test_a2_endless_body_stops_at_the_cap_with_bounded_memory(
    badhost: BadHost, client: HttpClient
) -> None:
    tracemalloc.start()
    try:
        result, elapsed = timed(client, badhost.url("/stream-forever"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.error_code == "too_large"
    assert peak < CAP + 8 * 2**20
    assert elapsed < 3.0


def test_bodies_within_the_cap_are_returned_whole(badhost: BadHost, client: HttpClient) -> None:
    for mode in ("honest", "none"):  # Content-Length, and close-delimited
        result = client.fetch(badhost.url(f"/big?n={CAP}&cl={mode}"))
        assert result.ok and result.body == b"a" * CAP, mode
    assert client.fetch(badhost.url(f"/big?n={CAP + 1}&cl=none")).error_code == "too_large"


def test_a3_short_body_against_content_length_is_a_protocol_error_never_a_partial_body(
    badhost: BadHost, client: HttpClient
) -> None:
    result = client.fetch(badhost.url("/big?n=100&cl=lie-big"))
    assert result.error_code == "protocol"
    assert result.body is None


def test_a4_body_longer_than_content_length_is_cut_and_the_connection_not_reused(
    badhost: BadHost, client: HttpClient
) -> None:
    result = client.fetch(badhost.url("/big?n=10000000&cl=lie-small"))
    assert result.ok
    assert result.body == b"a" * 100
    path = badhost.add("after-lie", FEED)
    follow_up = client.fetch(badhost.url(path))
    assert follow_up.ok and follow_up.body == FEED


def test_a8_silent_server_times_out_at_the_read_timeout(
    badhost: BadHost, client: HttpClient
) -> None:
    result, elapsed = timed(client, badhost.url("/silent"))
    assert result.error_code == "timeout"
    assert 0.8 <= elapsed < 2.5


def test_a9_body_drip_stops_at_the_total_deadline(badhost: BadHost, client: HttpClient) -> None:
    result, elapsed = timed(client, badhost.url("/drip?every=0.3&where=body"))
    assert result.error_code == "timeout"
    assert "deadline" in (result.error_message or "")
    assert 1.8 <= elapsed < 3.5  # deadline 2 s; at 0.3 s a byte, size/rate would be 8 hours
    assert result.body is None


def test_a10_header_drip_stops_at_the_total_deadline(badhost: BadHost, client: HttpClient) -> None:
    result, elapsed = timed(client, badhost.url("/drip?every=0.3&where=headers"))
    assert result.error_code == "timeout"
    assert 1.8 <= elapsed < 3.5


def test_a11_closed_port_is_a_quick_connect_error(make_client: ClientFactory) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    client = make_client(allow_hosts=frozenset({f"127.0.0.1:{port}"}))
    result, elapsed = timed(client, f"http://127.0.0.1:{port}/feed")
    assert result.error_code == "connect"
    assert elapsed < 1.0


def test_a12_connect_that_never_completes_times_out_at_the_connect_timeout(
    make_client: ClientFactory,
) -> None:
    seen: list[float] = []

    def blackhole(ip: str, port: int, timeout: float) -> socket.socket:
        seen.append(timeout)
        time.sleep(timeout)  # what a SYN into the void does, without leaving loopback
        raise TimeoutError("timed out")

    client = make_client(connector=blackhole)
    result, elapsed = timed(client, "http://feeds.test/ok/x")
    assert result.error_code == "timeout"
    assert seen == [1.0]
    assert 0.9 <= elapsed < 2.0


def test_a13_hanging_resolver_fails_at_the_dns_deadline_with_bounded_threads(
    make_client: ClientFactory,
    resolver: FakeResolver,
) -> None:
    resolver.hanging.update({f"slow{i}.test" for i in range(12)})
    client = make_client(dns_threads=3)
    result, elapsed = timed(client, "http://slow0.test/feed")
    assert result.error_code == "dns"
    assert 0.4 <= elapsed < 1.5
    results = []
    workers = [
        threading.Thread(target=lambda i=i: results.append(client.fetch(f"http://slow{i}.test/f")))
        for i in range(1, 12)
    ]
    for worker in workers:
        worker.start()
    time.sleep(0.2)
    stuck = [t for t in threading.enumerate() if t.name == "vric-dns"]
    for worker in workers:
        worker.join(5)
    assert len(stuck) <= 3
    assert {r.error_code for r in results} == {"dns"}
    assert len(results) == 11


def test_a14_nxdomain_is_a_dns_error_asked_once(client: HttpClient, resolver: FakeResolver) -> None:
    result, elapsed = timed(client, "http://nosuch.example/feed")
    assert result.error_code == "dns"
    assert resolver.calls["nosuch.example"] == 1
    assert elapsed < 1.0


def test_a15_reset_mid_body_is_reset_and_discards_the_partial_body(
    badhost: BadHost, client: HttpClient
) -> None:
    result = client.fetch(badhost.url("/reset-mid"))
    assert result.error_code == "reset"
    assert result.body is None


def test_a16_bad_chunk_size_and_close_mid_chunk_are_protocol_errors(
    badhost: BadHost, client: HttpClient
) -> None:
    for mode in ("size", "midclose"):
        result = client.fetch(badhost.url(f"/badchunk?mode={mode}"))
        assert result.error_code == "protocol", mode
        assert result.body is None


def test_a17_garbage_status_http09_and_binary_are_protocol_errors(
    badhost: BadHost, client: HttpClient
) -> None:
    for mode in ("status", "http09", "binary"):
        result, elapsed = timed(client, badhost.url(f"/garbage-status?mode={mode}"))
        assert result.error_code == "protocol", mode
        assert elapsed < 1.0


def test_a18_header_flood_and_huge_header_line_fail_fast(
    badhost: BadHost, client: HttpClient
) -> None:
    tracemalloc.start()
    try:
        for path in ("/header-flood?n=20000", "/long-header?bytes=4194304"):
            result, elapsed = timed(client, badhost.url(path))
            assert result.error_code == "protocol", path
            assert elapsed < 1.0, path
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20
