"""SSRF guard on the integrated path: refused AND never dialled (RELIABILITY C44-C53).

The autouse tripwire fails any test that connects outside loopback, so a
"blocked" assertion here also proves the connect was never attempted.
"""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from pipeline.fetch import HttpClient
from tests.fetch.conftest import ClientFactory
from tests.fixtures.badhost import FEED, BadHost
from tests.fixtures.resolver import FakeResolver

PACKAGE = Path(__file__).resolve().parents[2] / "pipeline"


@pytest.mark.parametrize("host", ["127.1", "2130706433", "[::1]", "10.0.0.1", "169.254.169.254",
                                  "[::ffff:127.0.0.1]", "[64:ff9b::a00:1]", "0.0.0.0"])  # fmt: skip
def test_c44_literal_addresses_are_refused_without_dns_or_connect(
    client: HttpClient, resolver: FakeResolver, host: str
) -> None:
    result = client.fetch(f"http://{host}/feed.xml")
    assert result.error_code == "blocked_address"
    assert not resolver.calls


@pytest.mark.parametrize(
    "name", ["intranet.test", "metadata.test", "ula.test", "mapped.test", "nat64.test"]
)
def test_c45_names_resolving_to_private_addresses_are_refused(
    client: HttpClient, resolver: FakeResolver, badhost: BadHost, name: str
) -> None:
    result = client.fetch(f"http://{name}/feed.xml")
    assert result.error_code == "blocked_address"
    assert resolver.calls[name] == 1
    assert "non-public address" in (result.error_message or "")


def test_c46_mixed_public_and_private_answers_are_refused_every_time(client: HttpClient) -> None:
    codes = {client.fetch("http://mixed.test/feed.xml").error_code for _ in range(5)}
    assert codes == {"blocked_address"}


def test_c47_rebinding_is_caught_at_the_next_connect(
    make_client: ClientFactory,
    resolver: FakeResolver,
    badhost: BadHost,
) -> None:
    resolver.rebind["rebind.test"] = ([("127.0.0.1", badhost.port)], ["10.0.0.5"])
    path = badhost.add("rebind", FEED)
    assert make_client().fetch(f"http://rebind.test{path}").ok
    second = make_client().fetch(f"http://rebind.test{path}")  # new pool: a new connect
    assert second.error_code == "blocked_address"
    assert badhost.hits[path] == 1


def test_c49_allow_private_admits_the_feed_url_but_not_its_pages_or_other_hosts(
    make_client: ClientFactory,
    resolver: FakeResolver,
    badhost: BadHost,
) -> None:
    resolver.answers["corp.test"] = [("127.0.0.1", badhost.port)]
    client = make_client(allow_hosts=frozenset())  # loopback is private and nothing is listed
    path = badhost.add("internal", FEED)
    assert client.fetch(f"http://corp.test{path}").error_code == "blocked_address"
    assert client.fetch(f"http://corp.test{path}", allow_private=True).body == FEED
    page = client.fetch(f"http://corp.test{path}", kind="page", allow_private=True)
    assert page.error_code == "blocked_address"
    assert any("feed URLs only" in w for w in page.warnings)
    hop = client.fetch("http://corp.test/redirect?to=http://intranet.test/x", allow_private=True)
    assert hop.error_code == "blocked_address"
    assert badhost.hits[path] == 1


def test_c49_allow_private_covers_redirects_within_the_feed_own_host(
    make_client: ClientFactory,
    resolver: FakeResolver,
    badhost: BadHost,
) -> None:
    resolver.answers["corp.test"] = [("127.0.0.1", badhost.port)]
    client = make_client(allow_hosts=frozenset())
    path = badhost.add("moved", FEED)
    result = client.fetch(f"http://corp.test/redirect?to={path}", allow_private=True)
    assert result.ok and result.final_url == f"http://corp.test{path}"


def test_c51_credentials_never_reach_the_server_the_result_or_the_log(
    badhost: BadHost, client: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pipeline.fetch")
    path = badhost.add("creds", FEED)
    result = client.fetch(f"http://user:s3cret@feeds.test{path}")
    assert result.ok
    assert "s3cret" not in result.url + result.final_url
    assert "credentials removed from the URL" in result.warnings
    assert "authorization" not in badhost.requests_to(path)[0].headers
    assert "s3cret" not in caplog.text + repr(caplog.records[0].__dict__ if caplog.records else "")


def test_c52_idn_hosts_are_resolved_and_sent_as_punycode(
    badhost: BadHost, client: HttpClient, resolver: FakeResolver
) -> None:
    path = badhost.add("idn", FEED)
    result = client.fetch(f"http://periódico.test{path}")
    assert result.ok
    assert resolver.calls["xn--peridico-y3a.test"] == 1
    assert badhost.requests_to(path)[0].headers["host"] == "xn--peridico-y3a.test"


def test_c52_oversized_and_control_character_urls_never_leave(
    client: HttpClient, resolver: FakeResolver
) -> None:
    assert client.fetch("http://feeds.test/" + "a" * 9000).error_code == "bad_url"
    assert client.fetch("http://feeds.test/a\r\nX-Injected: 1").error_code == "bad_url"
    assert not resolver.calls


def test_c42_article_links_with_script_schemes_are_never_fetched(
    client: HttpClient, resolver: FakeResolver
) -> None:
    for link in ("javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd"):
        assert client.fetch(link, kind="page").error_code == "bad_scheme"
    assert not resolver.calls


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_c53_all_http_goes_through_the_guarded_client() -> None:
    """No module outside pipeline/fetch talks HTTP, and nothing calls the
    unguarded fetchers (trafilatura.fetch_url, urlopen)."""
    offenders: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(PACKAGE.parent).as_posix()
        http = {
            m
            for m in _imports(tree)
            if m.split(".")[0] in {"httpx", "httpcore", "requests", "urllib3", "aiohttp"}
        }
        http |= {m for m in _imports(tree) if m == "urllib.request"}
        if http and not rel.startswith("pipeline/fetch/"):
            offenders.append(f"{rel} imports {sorted(http)}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute | ast.Name):
                name = node.attr if isinstance(node, ast.Attribute) else node.id
                if name in {"fetch_url", "urlopen", "fetch_response"}:
                    offenders.append(f"{rel}:{node.lineno} uses {name}")
    assert offenders == []
