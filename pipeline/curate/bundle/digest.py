"""The digest's text safety (escaping, links) and its Markdown form (pure).

Everything shown comes from outside (titles, outlet names, URLs), so:

- HTML (:mod:`page`): every value is escaped by Jinja2's autoescape; only http(s) links are
  clickable, with ``rel="noopener noreferrer nofollow"``; a CSP meta
  ``default-src 'none'`` and no remote resource at all; titles and outlet
  names sit in ``<bdi>`` and lose bidi override characters; hosts are shown
  in punycode (RELIABILITY 139-142).
- Markdown: metacharacters are backslash-escaped so a title renders as the
  literal text, newlines collapse to spaces, links are ``<...>`` destinations
  of percent-encoded http(s) URLs only (RELIABILITY 143).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit, urlunsplit

if TYPE_CHECKING:
    from pipeline.curate.bundle.compose import Also, DigestModel, Item

REL = "noopener noreferrer nofollow"

# C0/C1 controls (whitespace is collapsed separately), bidi embeddings,
# overrides and isolates, directional and zero-width marks, BOM.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~&])")
_URL_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_LINE_START = set("-+=.:")
_ORDERED = re.compile(r"^(\d+)([.)])")
_LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


def heading(subject: str, label: str) -> str:
    """The monitor's heading: Media reports on Russia in LAC from August to September 2021."""
    return f"Media reports on {subject} from {label}"


def title_of(label: str) -> str:
    return f"VRIC Monitor: media reports from {label}"


def plain_text(value: str | None) -> str:
    """One line of visible text: controls and bidi overrides removed, spaces collapsed."""
    return " ".join(_INVISIBLE.sub("", value or "").split())


def safe_href(url: str) -> str | None:
    """An http(s) URL fit for an href (host in punycode, no credentials,
    everything unusual percent-encoded), or None when it must not be a link."""
    text = url.strip()
    if not text or _URL_CONTROL.search(text):
        return None  # "java\tscript:" and friends: never guess what was meant
    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
        if parts.scheme.lower() not in ("http", "https") or not host:
            return None
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    netloc = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
    netloc += f":{port}" if port else ""
    return urlunsplit((parts.scheme.lower(), netloc, quote(parts.path, safe=_PATH_SAFE),
                       quote(parts.query, safe=_QUERY_SAFE),
                       quote(parts.fragment, safe=_QUERY_SAFE)))  # fmt: skip


def safe_lang(value: str | None) -> str:
    """A BCP 47 language tag fit for a ``lang`` attribute, else ""."""
    return value if value and _LANG.match(value) else ""


def display_host(href: str) -> str:
    return urlsplit(href).hostname or ""


# ---------------------------------------------------------------- Markdown


def md_escape(value: str | None) -> str:
    """Markdown that renders as exactly the visible text of ``value``, also at
    the start of a line (list markers ``-``, ``+``, ``1.``, headings, quotes)."""
    text = _MD_SPECIAL.sub(r"\\\1", plain_text(value))
    if text[:1] in _LINE_START:
        return "\\" + text
    return _ORDERED.sub(r"\1\\\2", text, count=1)


def _md_also(a: Also) -> str:
    href = safe_href(a.url or "")
    return f"[{md_escape(a.outlet)}](<{href}>)" if href else md_escape(a.outlet)


def _md_item(item: Item) -> str:
    title = md_escape(item.title) or "(untitled)"
    href = safe_href(item.url)
    link = f"[{title}](<{href}>)" if href else f"{title} (link withheld: not an http(s) address)"
    where = ", ".join(x for x in (item.country, item.language_name) if x)
    meta = f"{md_escape(item.outlet)}{f' ({md_escape(where)})' if where else ''}"
    line = f"- {link} — {meta}, {md_escape(item.published)}"
    if item.marker:
        line += f" — **{md_escape(item.marker)}**"
    if item.summary:
        line += f"  \n  {md_escape(item.summary)}"
    if item.also:
        line += f"  \n  Also published by: {', '.join(_md_also(a) for a in item.also)}"
    return line


def render_markdown(d: DigestModel) -> str:
    lines = [f"# {md_escape(d.title)}", "", md_escape(d.summary_line), ""]
    for s in d.sections:
        lines += [f"## {md_escape(s.heading)}", ""]
        lines += [_md_item(i) for i in s.items] or ["_No items in this period._"]
        lines.append("")
    lines += ["---", "", md_escape(d.disclaimer), ""]
    return "\n".join(lines)
