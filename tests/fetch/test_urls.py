"""URL and address policy as tables (RELIABILITY C42, C43, C44, C50, C51, C52)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from pipeline.errors import FetchError
from pipeline.fetch.urls import AllowList, check_url, is_public_address, strip_credentials


def code_of(url: str, **kwargs: Any) -> str | None:
    try:
        check_url(url, **kwargs)
    except FetchError as exc:
        return exc.code
    return None


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)", "data:text/html,<script>x</script>", "vbscript:msgbox(1)",
        "file:///etc/passwd", "ftp://example.org/feed.xml", "gopher://example.org/",
        "mailto:desk@example.org", "about:blank", "chrome://settings",
    ],
)  # fmt: skip
def test_c42_non_web_schemes_are_bad_scheme(url: str) -> None:
    assert code_of(url) == "bad_scheme"


@pytest.mark.parametrize("url", ["//news.example.org/a", "/a/b.html", "a/b.html"])
def test_c43_relative_urls_are_refused_until_resolved(url: str) -> None:
    assert code_of(url) == "bad_url"


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1", "127.1", "2130706433", "0x7f.0.0.1", "0177.0.0.1", "0.0.0.0", "[::1]",
        "[::]", "[::ffff:127.0.0.1]", "10.0.0.1", "172.16.0.1", "192.168.1.1", "100.64.0.1",
        "169.254.169.254", "[fe80::1]", "[fc00::1]", "224.0.0.1", "255.255.255.255",
        "198.18.0.1", "192.0.0.1", "[64:ff9b::a00:1]", "[2002:a00:1::]", "0x0a.0.0.1",
        "[::ffff:a00:1]", "240.0.0.1",
    ],
)  # fmt: skip
def test_c44_literal_non_public_addresses_are_blocked(host: str) -> None:
    assert code_of(f"http://{host}/feed.xml") == "blocked_address"


@pytest.mark.parametrize(
    "host", ["93.184.216.34", "8.8.8.8", "[2606:4700::1111]", "[64:ff9b::808:808]", "1.1.1.1"]
)
def test_c44_public_literals_pass(host: str) -> None:
    assert code_of(f"https://{host}/feed.xml") is None


def test_c44_legacy_ipv4_spellings_normalise_to_the_address_a_browser_uses() -> None:
    allow = AllowList(frozenset({"127.0.0.1"}))
    for host in ("127.1", "2130706433", "0x7f.0.0.1", "0177.0.0.1"):
        checked = check_url(f"http://{host}/x", allow_hosts=allow)
        assert checked.host == "127.0.0.1"
        assert checked.url == "http://127.0.0.1/x"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("::ffff:10.0.0.1", False), ("64:ff9b::7f00:1", False), ("2002:7f00:1::", False),
        ("2002:808:808::", True), ("::ffff:8.8.8.8", True), ("ff02::1", False), ("garbage", False),
    ],
)  # fmt: skip
def test_unwrapping_mapped_nat64_and_6to4(address: str, public: bool) -> None:
    assert is_public_address(address) is public
    if address != "garbage":
        assert is_public_address(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://news.example.org:22/a", False), ("http://news.example.org:25/a", False),
        ("http://news.example.org:6379/a", False), ("http://news.example.org:11211/a", False),
        ("http://news.example.org/a", True), ("https://news.example.org:443/a", True),
        ("http://news.example.org:80/a", True), ("http://cms.example.org:8080/a", True),
    ],
)  # fmt: skip
def test_c50_pages_only_on_web_ports_unless_allow_listed(url: str, allowed: bool) -> None:
    allow = AllowList(frozenset({"cms.example.org:8080"}))
    code = code_of(url, allow_hosts=allow, web_ports_only=True)
    assert (code is None) is allowed
    if not allowed:
        assert code == "blocked_address"


def test_c50_feed_urls_configured_by_the_operator_may_use_any_port() -> None:
    assert code_of("http://feeds.example.org:8443/rss") is None


def test_c51_credentials_are_removed_and_flagged() -> None:
    checked = check_url("http://user:s3cret@news.example.org/feed")
    assert checked.url == "http://news.example.org/feed"
    assert "s3cret" not in checked.url
    assert checked.warnings == ("credentials removed from the URL",)
    assert strip_credentials("https://u:p@h.example/x?a=@b") == "https://h.example/x?a=@b"


def test_c52_idn_hosts_become_punycode() -> None:
    checked = check_url("https://bücher.example/ñandú?q=1")
    assert checked.host == "xn--bcher-kva.example"
    assert checked.url.startswith("https://xn--bcher-kva.example/")


@pytest.mark.parametrize(
    "url",
    [
        "http://news.example.org/a\x00b", "http://news.example.org/a\nb",
        "http://news.example.org/a b", "http://news.example.org/a\tb",
        "http://news.example.org/\x7f", "http://news.example.org/\x85a",
        "http://news.example.org/" + "a" * 8200, "http://[::1/", "http://news.example.org:99999/",
        "http://news.example.org:0/", "http:///nohost", "http://exa%mple.org/", "http://bad host/",
    ],
)  # fmt: skip
def test_c52_oversized_control_and_malformed_urls_are_bad_url(url: str) -> None:
    assert code_of(url) == "bad_url"


def test_c52_surrounding_whitespace_is_trimmed_like_a_browser() -> None:
    assert check_url("  https://news.example.org/a \n").url == "https://news.example.org/a"


@pytest.mark.parametrize(
    ("entries", "host", "port", "ip", "ip_port", "expected"),
    [
        ({"localhost"}, "localhost", 8080, None, None, True),
        ({"127.0.0.1:8080"}, "feeds.test", 80, "127.0.0.1", 8080, True),
        ({"127.0.0.1:8080"}, "feeds.test", 80, "127.0.0.1", 9090, False),
        ({"127.0.0.1"}, "feeds.test", 80, "127.0.0.1", 9090, True),
        ({"[::1]:8080"}, "::1", 8080, None, None, True),
        ({"::1"}, "x.test", 80, "0:0:0:0:0:0:0:1", 80, True),
        ({"intranet.example:8080"}, "intranet.example", 8081, None, None, False),
        (set(), "localhost", 80, "127.0.0.1", 80, False),
    ],
)
def test_allow_list_matches_host_host_port_ip_and_ip_port(
    entries: set[str], host: str, port: int, ip: str | None, ip_port: int | None, expected: bool
) -> None:
    assert AllowList(frozenset(entries)).permits(host, port, ip, ip_port) is expected


def test_allow_listed_loopback_literal_passes() -> None:
    allow = AllowList(frozenset({"127.0.0.1:8080"}))
    assert code_of("http://127.0.0.1:8080/feed", allow_hosts=allow) is None
    assert code_of("http://127.0.0.1:8081/feed", allow_hosts=allow) == "blocked_address"
