"""Host names: normalisation, IDN, registrable domain (offline public-suffix list).

The package's one definition of a host's registrable domain and of the
leading labels that name a rendering of a site rather than another site
(``www``, ``www2``..., ``m``, ``mobile``, ``amp``): the outlet registry keys
by them and :mod:`pipeline.article.urls` builds canonical URLs with them.

The public-suffix list is the snapshot bundled with ``tldextract``: nothing is
downloaded or cached on disk, so lookups never touch the network.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import idna
import tldextract

# Leading labels that name a rendering of the site, not a different outlet.
_IGNORED_LABEL = re.compile(r"^(?:www\d*|m|mobile|amp)$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

# suffix_list_urls=() and cache_dir=None: bundled snapshot only, no network, no disk.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def to_ascii(host: str) -> str | None:
    """Lower-case ASCII (punycode) form of a host name, or None if it is not one."""
    host = host.strip().rstrip(".").lower()
    if not host:
        return None
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    labels = host.split(".")
    return host if all(_LABEL.match(label) for label in labels) else None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """The registrable domain of a lower-case host (``actualidad.rt.com`` → ``rt.com``).

    An IP address or a one-label host (``localhost``) is its own site and
    comes back unchanged; a bare public suffix (``com.br``) has none: "".
    A top-level domain the list does not know (``.example``, ``.test``) is
    treated as a one-label suffix, so test and intranet hosts behave like
    real ones.
    """
    if _is_ip(host) or "." not in host:
        return host
    parts = _EXTRACT.extract_str(host)
    if parts.top_domain_under_public_suffix:
        return parts.top_domain_under_public_suffix
    if parts.suffix:
        return ""
    return ".".join(host.split(".")[-2:])


def is_public_suffix(domain: str) -> bool:
    """True when ``domain`` is a public suffix itself (``com.br``, ``gob.ve``)."""
    return registrable_domain(domain) == "" and _EXTRACT.extract_str(domain).suffix == domain


def same_site(host_a: str, host_b: str) -> bool:
    """Both hosts on the same registrable domain (a bare public suffix is no site)."""
    domain = registrable_domain(host_a)
    return bool(domain) and domain == registrable_domain(host_b)


def strip_ignored_labels(host: str) -> str:
    """Drop leading ``www.``/``www2.``/``m.``/``mobile.``/``amp.`` labels, never
    below the registrable domain (an IP address or a suffix is kept whole)."""
    floor = registrable_domain(host)
    while floor and host != floor:
        first, _, rest = host.partition(".")
        if not _IGNORED_LABEL.match(first):
            break
        host = rest
    return host


def normalise_host(host: str) -> str | None:
    """The host as the registry keys it: lower-case, punycode, no www./m./mobile./amp."""
    bare = host.rsplit("@", maxsplit=1)[-1].split(":", maxsplit=1)[0]
    ascii_host = to_ascii(bare) if bare else None
    return strip_ignored_labels(ascii_host) if ascii_host else None


def split_url(url: str) -> tuple[str, str] | None:
    """``(normalised host, lower-case unquoted path)`` of a URL or bare host; None if unusable."""
    text = url.strip()
    if "://" not in text and not text.startswith("//"):
        text = "//" + text
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError:
        return None
    host = normalise_host(hostname) if hostname else None
    if host is None:
        return None
    return host, unquote(parts.path).lower() or "/"


def host_suffixes(host: str) -> list[str]:
    """``a.b.rt.com`` → ``[a.b.rt.com, b.rt.com, rt.com]``: longest first, stopping at
    the registrable domain (a public suffix never matches). O(labels)."""
    floor = registrable_domain(host)
    if not floor:
        return [host]
    out = [host]
    while host != floor:
        host = host.partition(".")[2]
        out.append(host)
    return out
