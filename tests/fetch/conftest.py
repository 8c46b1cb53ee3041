"""Fixtures for the fetch tests: the badhost server, a fake resolver, a fast
policy, clients, and a connect tripwire that also catches swallowed errors."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from pipeline.fetch import FetchPolicy, HttpClient
from tests.fixtures.badhost import BadHost
from tests.fixtures.resolver import FakeResolver

ClientFactory = Callable[..., HttpClient]


def _loopback(address: object) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX and friends stay on the machine
    try:
        ip = ipaddress.ip_address(str(address[0]).split("%")[0])
    except ValueError:
        return False  # a name: the fetcher must only ever dial addresses
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


@pytest.fixture(autouse=True)
def connect_tripwire(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Fails the test if anything dials outside 127.0.0.0/8 and ::1, even
    when the client turned the AssertionError into an error result."""
    attempts: list[object] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(address: object) -> None:
        if not _loopback(address):
            attempts.append(address)
            raise AssertionError(f"connect outside loopback: {address}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield attempts
    assert attempts == [], f"connects outside loopback: {attempts}"


@pytest.fixture(scope="session")
def badhost_server() -> Iterator[BadHost]:
    with BadHost() as server:
        yield server


@pytest.fixture(scope="session")
def other_server() -> Iterator[BadHost]:
    with BadHost() as server:
        yield server


@pytest.fixture
def badhost(badhost_server: BadHost) -> BadHost:
    badhost_server.reset()
    return badhost_server


@pytest.fixture
def other_host(other_server: BadHost) -> BadHost:
    """A second loopback server that must receive nothing (redirect, proxy traps)."""
    other_server.reset()
    return other_server


@pytest.fixture
def resolver(badhost: BadHost) -> Iterator[FakeResolver]:
    fake = FakeResolver(badhost.port)
    yield fake
    fake.release()


def fast_policy(port: int, **overrides: Any) -> FetchPolicy:
    base = FetchPolicy(
        connect_timeout=1.0,
        read_timeout=1.0,
        deadline=2.0,
        dns_timeout=0.5,
        max_feed_bytes=256 * 1024,
        max_page_bytes=256 * 1024,
        max_error_bytes=8 * 1024,
        min_host_interval=0.0,
        allow_hosts=frozenset({f"127.0.0.1:{port}"}),
    )
    return replace(base, **overrides)


@pytest.fixture
def make_client(badhost: BadHost, resolver: FakeResolver) -> Iterator[ClientFactory]:
    made: list[HttpClient] = []

    def factory(**overrides: Any) -> HttpClient:
        extra = {
            k: overrides.pop(k) for k in ("connector", "ssl_context", "resolver") if k in overrides
        }
        extra.setdefault("resolver", resolver)
        client = HttpClient(fast_policy(badhost.port, **overrides), **extra)
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> HttpClient:
    return make_client()
