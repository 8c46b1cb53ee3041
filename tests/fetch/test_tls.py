"""TLS against loopback servers with trustme certificates (RELIABILITY A22, A24)."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from pipeline.fetch import HttpClient
from tests.fetch.conftest import ClientFactory
from tests.fixtures.badhost import FEED, BadHost
from tests.fixtures.resolver import FakeResolver

trustme = pytest.importorskip("trustme")


@pytest.fixture(scope="module")
def ca() -> Any:
    return trustme.CA()


def _server(ca: Any, **cert_options: object) -> BadHost:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("secure.test", **cert_options).configure_cert(context)
    return BadHost(ssl_context=context).start()


@pytest.fixture(scope="module")
def tls_hosts(ca: Any) -> Iterator[tuple[BadHost, BadHost]]:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    good = _server(ca)
    expired = _server(ca, not_before=yesterday - timedelta(days=30), not_after=yesterday)
    yield good, expired
    good.stop()
    expired.stop()


TlsClientFactory = Callable[..., HttpClient]


@pytest.fixture
def tls_client(
    make_client: ClientFactory,
    resolver: FakeResolver,
    tls_hosts: tuple[BadHost, BadHost],
    ca: Any,
) -> TlsClientFactory:
    good, expired = tls_hosts
    good.reset()
    resolver.answers.update(
        {"secure.test": [("127.0.0.1", good.port)], "wrong.test": [("127.0.0.1", good.port)],
         "expired.test": [("127.0.0.1", expired.port)]}
    )  # fmt: skip
    allow = {f"127.0.0.1:{good.port}", f"127.0.0.1:{expired.port}"}
    allow.add(f"127.0.0.1:{resolver.target_port}")

    def build(trust: bool) -> HttpClient:
        context = None
        if trust:
            context = ssl.create_default_context()
            ca.configure_trust(context)
        return make_client(allow_hosts=frozenset(allow), ssl_context=context)

    return build


def test_a24_positive_control_with_the_ca_injected_succeeds(
    tls_client: TlsClientFactory, tls_hosts: tuple[BadHost, BadHost]
) -> None:
    good, _ = tls_hosts
    path = good.add("secure", FEED)
    result = tls_client(trust=True).fetch(f"https://secure.test{path}")
    assert result.ok and result.body == FEED


@pytest.mark.parametrize(
    ("trust", "host"),
    [(False, "secure.test"), (True, "wrong.test"), (True, "expired.test")],
    ids=["untrusted-ca", "wrong-hostname", "expired"],
)
def test_a24_certificate_problems_are_tls_errors(
    tls_client: TlsClientFactory, tls_hosts: tuple[BadHost, BadHost], trust: bool, host: str
) -> None:
    good, _ = tls_hosts
    path = good.add("secure", FEED)
    result = tls_client(trust=trust).fetch(f"https://{host}{path}")
    assert result.error_code == "tls"
    assert good.hits[path] == 0


def test_a22_https_to_http_redirect_is_followed_with_a_warning(
    tls_client: TlsClientFactory, badhost: BadHost
) -> None:
    target = "http://plain.test" + badhost.add("plain", FEED)  # resolves to badhost
    client = tls_client(trust=True)
    result = client.fetch(f"https://secure.test/redirect?to={quote(target, safe='')}")
    assert result.ok and result.body == FEED
    assert result.final_url == target
    assert any("https to plain http" in w for w in result.warnings)
