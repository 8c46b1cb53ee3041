"""URL and address policy (pure): what may be fetched, before and at connect.

Rules (docs/fetching.md, RELIABILITY.md section C):

- only ``http`` and ``https`` (``bad_scheme``); no control characters or
  whitespace inside, at most 8 KiB, a parseable host and port (``bad_url``);
- credentials (``user:pass@``) are removed and never logged;
- IDN hosts are sent as punycode; legacy IPv4 spellings (``127.1``,
  ``2130706433``, ``0x7f.0.0.1``, ``0177.0.0.1``) are read as the address a
  browser would use, then checked like any literal;
- an address is fetchable only if it is global after unwrapping IPv4-mapped,
  NAT64 (64:ff9b::/96) and 6to4 (2002::/16) forms, unless allow-listed;
- article pages (and redirects away from a feed's own host) only on ports
  80 and 443 unless allow-listed (``blocked_address``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

import idna

from pipeline.errors import FetchError
from pipeline.fetch.policy import MAX_URL_CHARS

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIXTOFOUR = ipaddress.ip_network("2002::/16")
_HOST_CHARS = re.compile(r"^[a-z0-9._-]+$")
_CREDENTIALS = re.compile(r"(//)[^/?#@]*@")
WEB_PORTS = frozenset({80, 443})
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class CheckedUrl:
    """A URL that passed the static checks, normalised for the request."""

    url: str
    scheme: str
    host: str  # ASCII (punycode) host name or IP literal, no brackets
    port: int  # effective port
    warnings: tuple[str, ...] = ()

    @property
    def host_port(self) -> str:
        return f"{self.host}:{self.port}"


class AllowList:
    """``VRIC_ALLOW_HOSTS`` entries: ``host``, ``host:port``, ``ip``, ``ip:port``,
    ``[v6]`` or ``[v6]:port``. A match on the URL host or the resolved address
    (with or without the port) lets a private or loopback target through."""

    def __init__(self, entries: frozenset[str] | set[str] = frozenset()) -> None:
        self._entries = frozenset(_parse_entry(e) for e in entries if e.strip())

    def __bool__(self) -> bool:
        return bool(self._entries)

    def permits(
        self, host: str, port: int, ip: str | None = None, ip_port: int | None = None
    ) -> bool:
        candidates = [(host.lower(), port)]
        if ip is not None:
            candidates.append((_canonical_ip(ip), ip_port if ip_port is not None else port))
        return any(
            (name, None) in self._entries or (name, p) in self._entries for name, p in candidates
        )


def _parse_entry(entry: str) -> tuple[str, int | None]:
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        host, _, port = entry.partition(":")
    else:
        host, port = entry, ""
    return _canonical_ip(host), int(port) if port.isdigit() else None


def _canonical_ip(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def strip_credentials(url: str) -> str:
    """The URL without any ``user:pass@`` part: safe to log and store."""
    return _CREDENTIALS.sub(r"\1", url, count=1)


def unwrap_address(ip: IPAddress) -> IPAddress:
    """The IPv4 address hidden in an IPv4-mapped, NAT64 or 6to4 IPv6 address."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIXTOFOUR:
        return ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF)
    return ip


def is_public_address(address: str | IPAddress) -> bool:
    """True only for a global unicast address (after unwrapping)."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return False
    ip = unwrap_address(ip)
    return bool(ip.is_global) and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host string denotes, if it is an IP literal in any spelling."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    return _legacy_ipv4(host)


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    # WHATWG URL "IPv4 parser": 1 to 4 dot-separated numbers in decimal,
    # octal (leading 0) or hex (0x); the last one fills the remaining bytes.
    parts = host.removesuffix(".").split(".")
    if not parts or len(parts) > 4:
        return None
    numbers = [_ipv4_number(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    if any(v > 255 for v in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise FetchError("bad_url", f"fetch: invalid IPv4 address {host!r}")
    total = values[-1]
    for i, value in enumerate(values[:-1]):
        total += value << (8 * (3 - i))
    return ipaddress.IPv4Address(total)


def _ipv4_number(part: str) -> int | None:
    try:
        if part[:2] in ("0x", "0X"):
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part[1:], 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


def check_url(
    raw: str,
    *,
    allow_hosts: AllowList | None = None,
    web_ports_only: bool = False,
    allow_private: bool = False,
) -> CheckedUrl:
    """Parse, normalise and check one URL (one hop); raise ``FetchError`` if refused."""
    checked = parse_url(raw)
    check_target(
        checked,
        allow_hosts or AllowList(),
        web_ports_only=web_ports_only,
        allow_private=allow_private,
    )
    return checked


def parse_url(raw: str) -> CheckedUrl:
    """Syntax and scheme checks, and the normalised form sent on the wire."""
    parts = _split(raw)
    scheme = parts.scheme.lower()
    if not scheme:
        raise FetchError("bad_url", "fetch: relative URL; resolve it against the feed URL first")
    if scheme not in DEFAULT_PORTS:
        raise FetchError(
            "bad_scheme", f"fetch: only http and https URLs are fetched, not {scheme}:"
        )
    host = _ascii_host(parts)
    port = _port(parts, scheme)
    ip = parse_ip_literal(host)
    host = str(ip) if ip is not None else host
    warnings = ("credentials removed from the URL",) if "@" in parts.netloc else ()
    netloc = f"[{host}]" if ":" in host else host
    if port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    url = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    return CheckedUrl(url=url, scheme=scheme, host=host, port=port, warnings=warnings)


def check_target(
    checked: CheckedUrl, allow: AllowList, *, web_ports_only: bool, allow_private: bool
) -> None:
    """The policy on the target: literal addresses must be public and pages
    must use web ports, unless allow-listed. Host names are checked at connect
    time, on the addresses the resolver returned (``network.GuardedBackend``)."""
    host, port = checked.host, checked.port
    ip = parse_ip_literal(host)
    if ip is not None and not (allow_private or is_public_address(ip) or allow.permits(host, port)):
        raise FetchError(
            "blocked_address",
            f"fetch: {host} is not a public address; refused"
            " (allow it with VRIC_ALLOW_HOSTS if intended)",
        )
    if web_ports_only and port not in WEB_PORTS and not allow.permits(host, port):
        raise FetchError(
            "blocked_address", f"fetch: port {port} is not a web port (80/443); refused for pages"
        )


def _split(raw: str) -> SplitResult:
    if len(raw) > MAX_URL_CHARS:
        raise FetchError("bad_url", f"fetch: URL longer than {MAX_URL_CHARS} characters")
    text = raw.strip()
    if any(ord(c) < 0x21 or 0x7F <= ord(c) <= 0x9F or c.isspace() for c in text):
        raise FetchError("bad_url", "fetch: URL contains control or whitespace characters")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise FetchError("bad_url", f"fetch: unparseable URL ({exc})") from exc
    return parts


def _ascii_host(parts: SplitResult) -> str:
    host = (parts.hostname or "").removesuffix(".") if parts.hostname else ""
    if not host:
        raise FetchError("bad_url", "fetch: URL has no host")
    if ":" in host:  # IPv6 literal (urlsplit removed the brackets)
        return host
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise FetchError("bad_url", f"fetch: invalid international host name ({exc})") from exc
    if not _HOST_CHARS.match(host):
        raise FetchError("bad_url", "fetch: host name contains invalid characters")
    return host


def _port(parts: SplitResult, scheme: str) -> int:
    port = parts.port
    if port == 0:
        raise FetchError("bad_url", "fetch: port 0 is not valid")
    return port if port is not None else DEFAULT_PORTS[scheme]
