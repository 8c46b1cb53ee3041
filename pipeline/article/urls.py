"""URL identity: canonical form, alias key, site comparison, link resolution.

``canonicalize`` builds on courlan's ``normalize_url`` (lower-case scheme and
host, punycode decoded, default port dropped, path percent-encoding
normalised) and adds what identity needs on top:

- host variants collapsed: leading ``www.`` (``www2.``...), ``m.``, ``mobile.``
  and ``amp.`` labels are dropped, never below the registrable domain
  (:func:`pipeline.outlets.hosts.strip_ignored_labels`, the same rule the
  outlet registry keys by);
- AMP path and query variants dropped (``/amp/``, ``.amp``, ``?outputType=amp``);
- tracking parameters dropped from an explicit list (``utm_*``, ``fbclid``...).
  courlan's own tracker pattern is unanchored and would also drop meaningful
  parameters such as ``gallery``, ``source`` or ``referencia``, so it is not used;
- remaining parameters sorted, fragment and user-info dropped.

The result is idempotent and never changes the scheme. Per-request tokens a
site invents (session ids under arbitrary names) cannot be recognised in
general; the alias key and the page's own rel=canonical catch most of them.
"""

from __future__ import annotations

import logging
import re
from typing import Final
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from courlan import normalize_url

from pipeline.outlets import hosts

logger = logging.getLogger(__name__)

FETCHABLE_SCHEMES: Final = frozenset({"http", "https"})
_TRACKING_PREFIXES: Final = (
    "utm_", "mc_", "pk_", "mtm_", "hsa_", "oly_", "vero_", "itm_", "ns_", "_hs", "__hs",
    "at_", "ga_", "piwik_", "matomo_",
)  # fmt: skip
_TRACKING_NAMES: Final = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "li_fat_id", "igshid", "igsh", "mkt_tok", "_ga", "_gl",
        "_openstat", "xtor", "ocid", "cmpid", "smid", "s_cid", "ito", "ref_src",
        "ref_url", "wt.mc_id", "__twitter_impression", "fb_action_ids",
        "fb_action_types", "fb_ref", "fb_source", "action_object_map",
        "action_type_map", "action_ref_map", "spm", "amp_js_v", "usqp", "_js_v",
    }
)  # fmt: skip
# ``?amp``, ``?amp=1``, ``?outputType=amp``: the AMP rendering of the same article.
_AMP_FLAGS: Final = frozenset({"amp", "outputtype"})
_AMP_VALUES: Final = frozenset({"", "1", "true", "amp"})
_AMP_SEGMENT = re.compile(r"(?:^|/)amp(?=/|$)", re.IGNORECASE)
_AMP_SUFFIX = re.compile(r"\.amp(?=\.html?$|$)", re.IGNORECASE)
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")


def is_fetchable_scheme(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in FETCHABLE_SCHEMES and bool(parts.hostname)


def resolve_link(link: str, base: str) -> str:
    """``link`` made absolute against ``base`` (whitespace trimmed)."""
    link = link.strip()
    if not base:
        return link
    try:
        return urljoin(base, link)
    except ValueError:
        return link


def same_site(a: str, b: str) -> bool:
    """Both URLs (or hosts) on the same registrable domain (:mod:`pipeline.outlets.hosts`)."""
    return hosts.same_site(_host_of(a).lower(), _host_of(b).lower())


def _host_of(url_or_host: str) -> str:
    text = url_or_host.strip()
    if "//" not in text:
        text = "//" + text
    try:
        return (urlsplit(text).hostname or "").rstrip(".")
    except ValueError:
        return ""


def canonicalize(url: str) -> str:
    """Canonical form of an http(s) URL (see module doc); other input returned trimmed."""
    url = url.strip()
    if not is_fetchable_scheme(url):
        return url
    try:
        parts = urlsplit(url)
        host = _canonical_host(parts.hostname or "")
        if ":" in host:  # IPv6 literal: urlsplit drops the brackets
            host = f"[{host}]"
        netloc = host if parts.port is None else f"{host}:{parts.port}"
        path = _strip_amp_path(parts.path)
        base = normalize_url(urlunsplit((parts.scheme, netloc, path or "/", "", "")))
        if not urlsplit(base).path:  # "/.." resolves to nothing: still the root
            base += "/"
    except ValueError:
        logger.debug("canonicalize: unparseable URL kept as is", extra={"url": url})
        return url
    query = _canonical_query(parts.query)
    return _upper_escapes(base + ("?" + query if query else ""))


def _canonical_host(host: str) -> str:
    return hosts.strip_ignored_labels(host.lower().rstrip("."))


def _strip_amp_path(path: str) -> str:
    path = _AMP_SUFFIX.sub("", path)
    stripped = _AMP_SEGMENT.sub("", path)
    if stripped != path and not stripped.startswith("/"):
        stripped = "/" + stripped
    return stripped


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = sorted((k, v) for k, v in pairs if not _is_noise_param(k, v))
    return urlencode(kept)


def _is_noise_param(name: str, value: str) -> bool:
    key = name.lower()
    if key in _TRACKING_NAMES or key.startswith(_TRACKING_PREFIXES):
        return True
    return key in _AMP_FLAGS and value.lower() in _AMP_VALUES


def _upper_escapes(url: str) -> str:
    return _PERCENT.sub(lambda m: m.group(0).upper(), url)


def alias_key(url: str) -> str:
    """Scheme-, www- and trailing-slash-free key of the canonical URL.

    ``http://www.x.com/a/`` and ``https://x.com/a`` share ``x.com/a``: the
    secondary identity used when a feed flips scheme or host variant.
    """
    canonical = canonicalize(url)
    if not is_fetchable_scheme(canonical):
        return canonical
    rest = canonical.split("://", 1)[1]
    path_end = len(rest.split("?", 1)[0])
    head, tail = rest[:path_end].rstrip("/"), rest[path_end:]
    return head + tail


def resolve_canonical(page_canonical: str | None, fetched_url: str) -> str:
    """The article's canonical URL: the page's own rel=canonical / og:url when
    it is an http(s) URL on the same registrable domain as the fetched URL and
    is not the site's home page (a common CMS bug), else the fetched URL.
    """
    fetched = canonicalize(fetched_url)
    if not page_canonical or not page_canonical.strip():
        return fetched
    candidate = resolve_link(page_canonical, fetched_url)
    if not is_fetchable_scheme(candidate) or not same_site(candidate, fetched_url):
        return fetched
    if _is_home(candidate) and not _is_home(fetched_url):
        return fetched
    return canonicalize(candidate)


def _is_home(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.path.strip("/") == "" and not parts.query
