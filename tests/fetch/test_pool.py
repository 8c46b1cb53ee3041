"""The connection pool survives abuse; proxies only when configured
(RELIABILITY A30, A32)."""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest

from pipeline.fetch import FetchRequest, HttpClient
from tests.fetch.conftest import ClientFactory, fast_policy
from tests.fixtures.badhost import FEED, BadHost


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_a30_fifty_timeouts_resets_and_abandoned_reads_leave_a_working_pool(
    badhost: BadHost,
    make_client: ClientFactory,
) -> None:
    client = make_client(read_timeout=0.05, deadline=0.15)
    path = badhost.add("healthy", FEED)
    assert client.fetch(badhost.url(path)).ok
    baseline = open_fds()
    faults = ["/silent"] * 20 + ["/reset-mid"] * 15 + ["/drip?every=0.02"] * 15
    codes = {client.fetch(badhost.url(p)).error_code for p in faults}
    assert codes == {"timeout", "reset"}
    # "cancellations": a consumer that walks away from fetch_many mid-way
    batch = client.fetch_many(
        [FetchRequest(badhost.url(f"/slow/{i}?delay=0.05")) for i in range(10)]
    )
    next(batch)
    batch.close()
    for _ in range(3):
        result = client.fetch(badhost.url(path))
        assert result.ok and result.body == FEED
    assert open_fds() <= baseline + 2


def test_a32_proxy_environment_variables_are_ignored(
    badhost: BadHost, other_host: BadHost, client: HttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    trap = other_host.url("/")
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.setenv(name, trap)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    path = badhost.add("direct", FEED)
    assert client.fetch(f"http://feeds.test{path}").body == FEED
    assert (
        HttpClient(client.policy, resolver=lambda h, p: [("127.0.0.1", badhost.port)])
        .fetch(f"http://feeds.test{path}")
        .ok
    )
    assert len(other_host.requests) == 0


def test_a_configured_proxy_is_used(
    badhost: BadHost,
    other_host: BadHost,
    make_client: ClientFactory,
) -> None:
    proxy = f"http://127.0.0.1:{other_host.port}"
    client = make_client(proxy=proxy, allow_hosts=frozenset({f"127.0.0.1:{other_host.port}"}))
    other_host.add("via-proxy", FEED)
    result = client.fetch(
        "http://93.184.216.34/ok/via-proxy"
    )  # a public address: proxied, not dialled
    assert result.ok and result.body == FEED
    assert other_host.requests_to("/ok/via-proxy")[0].headers["host"] == "93.184.216.34"


def test_with_a_proxy_targets_are_still_checked_before_sending(
    other_host: BadHost,
    make_client: ClientFactory,
) -> None:
    client = make_client(proxy=f"http://127.0.0.1:{other_host.port}", allow_hosts=frozenset())
    assert client.fetch("http://intranet.test/ok/x").error_code == "blocked_address"
    assert client.fetch("http://10.0.0.1/ok/x").error_code == "blocked_address"
    assert len(other_host.requests) == 0


def test_garbage_resolver_answers_are_refused(
    badhost: BadHost,
    make_client: ClientFactory,
) -> None:
    def broken(host: str, port: int) -> list[tuple[str, int]]:
        return [("not an address", port)]

    result = make_client(resolver=broken).fetch("http://feeds.test/ok/x")
    assert result.error_code == "blocked_address"


def test_client_is_a_context_manager_and_closes_its_pool(badhost: BadHost) -> None:
    path = badhost.add("cm", FEED)
    with HttpClient(fast_policy(badhost.port)) as client:
        assert client.fetch(badhost.url(path)).ok
    assert badhost.hits[path] == 1


def test_redirect_hops_and_redirect_target_status_are_reported(
    badhost: BadHost, client: HttpClient
) -> None:
    path = badhost.add("final", FEED)
    result = client.fetch(badhost.url(f"/redirect?to={quote(path)}&code=307"))
    assert result.redirects == (badhost.url(path),)
    assert result.status == 200
