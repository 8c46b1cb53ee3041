"""Redirects: each hop checked, at most five (RELIABILITY A19-A23, C43, C48)."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from pipeline.fetch import HttpClient
from tests.fixtures.badhost import FEED, BadHost


def redirect_to(badhost: BadHost, target: str, code: int = 302) -> str:
    return badhost.url(f"/redirect?to={quote(target, safe='')}&code={code}")


def test_a19_redirect_loop_stops_after_five_hops(badhost: BadHost, client: HttpClient) -> None:
    start = time.monotonic()
    result = client.fetch(badhost.url("/loop/a"))
    assert result.error_code == "redirects"
    assert len(result.redirects) == 5
    assert sum(badhost.hits[p] for p in ("/loop/a", "/loop/b")) == 6
    assert time.monotonic() - start < 2.0


def test_a19_endless_chain_stops_after_five_hops(badhost: BadHost, client: HttpClient) -> None:
    result = client.fetch(badhost.url("/chain/0"))
    assert result.error_code == "redirects"
    assert sum(1 for r in badhost.requests if r.path.startswith("/chain/")) == 6


def test_a19_five_hops_are_followed_six_are_not(badhost: BadHost, client: HttpClient) -> None:
    ok = client.fetch(badhost.url("/chain/0?stop=5"))
    assert ok.ok and ok.body == FEED
    assert ok.final_url.endswith("/chain/5?stop=5")
    assert client.fetch(badhost.url("/chain/0?stop=6")).error_code == "redirects"


def test_a20_redirect_without_location_is_a_protocol_error(
    badhost: BadHost, client: HttpClient
) -> None:
    assert client.fetch(badhost.url("/redirect?code=302")).error_code == "protocol"


def test_a20_invalid_location_is_bad_url(badhost: BadHost, client: HttpClient) -> None:
    assert client.fetch(redirect_to(badhost, "http://[::1")).error_code == "bad_url"


@pytest.mark.parametrize(
    "target",
    ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/", "data:text/plain,hi",
     "javascript:alert(1)"],
)  # fmt: skip
def test_a21_redirect_to_a_non_web_scheme_is_bad_scheme(
    badhost: BadHost, client: HttpClient, target: str
) -> None:
    result = client.fetch(redirect_to(badhost, target))
    assert result.error_code == "bad_scheme"
    assert len(badhost.requests) == 1


def test_a23_permanent_redirect_reports_the_effective_url(
    badhost: BadHost, client: HttpClient
) -> None:
    url = badhost.url("/chain/0?stop=1&code=301")
    result = client.fetch(url)
    assert result.ok
    assert result.url == url  # the identity the caller asked for is kept
    assert result.final_url == badhost.url("/chain/1?stop=1")
    assert result.redirects == (badhost.url("/chain/1?stop=1"),)


def test_c43_relative_and_protocol_relative_locations_resolve_against_the_hop(
    badhost: BadHost, client: HttpClient
) -> None:
    path = badhost.add("target", FEED)
    assert client.fetch(redirect_to(badhost, path)).body == FEED
    relative = client.fetch(redirect_to(badhost, f"//127.0.0.1:{badhost.port}{path}"))
    assert relative.ok and relative.final_url == badhost.url(path)


def test_a_feed_redirect_leaving_its_host_for_a_non_web_port_is_refused(
    badhost: BadHost, client: HttpClient
) -> None:
    path = badhost.add("elsewhere", FEED)
    result = client.fetch(redirect_to(badhost, f"http://feeds.test:{badhost.port}{path}"))
    assert result.error_code == "blocked_address"
    assert badhost.hits[path] == 0


def test_c48_redirect_to_another_loopback_port_is_blocked_and_never_dialled(
    badhost: BadHost, other_host: BadHost, client: HttpClient
) -> None:
    result = client.fetch(redirect_to(badhost, other_host.url("/trap")))
    assert result.error_code == "blocked_address"
    assert other_host.hits["/trap"] == 0
    assert len(other_host.requests) == 0


@pytest.mark.parametrize("name", ["intranet.test", "metadata.test", "ula.test", "nat64.test"])
def test_c48_redirect_to_a_name_resolving_private_is_blocked(
    badhost: BadHost, client: HttpClient, name: str
) -> None:
    result = client.fetch(redirect_to(badhost, f"http://{name}/latest/meta-data/"))
    assert result.error_code == "blocked_address"  # and the tripwire saw no connect


def test_c50_redirect_from_a_page_to_a_non_web_port_is_refused(
    badhost: BadHost, client: HttpClient, other_host: BadHost
) -> None:
    result = client.fetch(redirect_to(badhost, "http://cache.test:6379/"), kind="page")
    assert result.error_code == "blocked_address"
    assert "port 6379" in (result.error_message or "")
