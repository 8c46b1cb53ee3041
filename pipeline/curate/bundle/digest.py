"""The digest of a bundle, as Markdown and as HTML (pure).

Everything shown comes from outside (titles, outlet names, URLs), so:

- HTML: every value is escaped by :func:`render` (autoescape: only
  :class:`Markup` built here passes unescaped); only http(s) links are
  clickable, with ``rel="noopener noreferrer nofollow"``; a CSP meta
  ``default-src 'none'`` and no remote resource at all; titles and outlet
  names sit in ``<bdi>`` and lose bidi override characters; hosts are shown
  in punycode (RELIABILITY 139-142).
- Markdown: metacharacters are backslash-escaped so a title renders as the
  literal text, newlines collapse to spaces, links are ``<...>`` destinations
  of percent-encoded http(s) URLs only (RELIABILITY 143).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

REL = "noopener noreferrer nofollow"
CSP = "default-src 'none'"

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


@dataclass(frozen=True)
class DigestItem:
    title: str
    outlet: str
    language: str | None
    date: str  # YYYY-MM-DD in the policy's time zone
    url: str


@dataclass(frozen=True)
class Digest:
    label: str  # "August to September 2021"
    sections: tuple[tuple[str, tuple[DigestItem, ...]], ...]
    total: int
    state_items: int
    cap: float
    subjects: Mapping[str, str] = field(default_factory=dict)  # section → its label (rules.yaml)


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


def display_host(href: str) -> str:
    return urlsplit(href).hostname or ""


def share_line(d: Digest) -> str:
    share = d.state_items / d.total if d.total else 0.0
    return (f"State-media share: {share:.0%} ({d.state_items} of {d.total} items; "
            f"cap {d.cap:.0%}).")  # fmt: skip


# ---------------------------------------------------------------- Markdown


def md_escape(value: str | None) -> str:
    """Markdown that renders as exactly the visible text of ``value``, also at
    the start of a line (list markers ``-``, ``+``, ``1.``, headings, quotes)."""
    text = _MD_SPECIAL.sub(r"\\\1", plain_text(value))
    if text[:1] in _LINE_START:
        return "\\" + text
    return _ORDERED.sub(r"\1\\\2", text, count=1)


def _md_item(item: DigestItem) -> str:
    title = md_escape(item.title) or "(untitled)"
    href = safe_href(item.url)
    link = f"[{title}](<{href}>)" if href else f"{title} (link withheld: not an http(s) address)"
    lang = f" ({md_escape(item.language)})" if item.language else ""
    return f"- {link} — {md_escape(item.outlet)}{lang}, {md_escape(item.date)}"


def render_markdown(d: Digest) -> str:
    lines = [f"# {md_escape(title_of(d.label))}", ""]
    for section, items in d.sections:
        lines += [f"## {md_escape(heading(d.subjects.get(section, section), d.label))}", ""]
        lines += [_md_item(i) for i in items] or ["_No items in this period._"]
        lines.append("")
    lines += ["---", "", md_escape(share_line(d)), ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- HTML


class Markup(str):
    """HTML built by this module: inserted by :func:`render` as it is."""


def render(template: str, **values: object) -> Markup:
    """Fill a constant template; every value not already Markup is escaped."""
    safe = {k: v if isinstance(v, Markup) else html.escape(str(v), quote=True)
            for k, v in values.items()}  # fmt: skip
    return Markup(template.format(**safe))


def join(parts: Sequence[Markup], sep: str = "\n") -> Markup:
    return Markup(sep.join(parts))


def _html_item(item: DigestItem) -> Markup:
    title = plain_text(item.title) or "(untitled)"
    href = safe_href(item.url)
    if href:
        link = render('<a href="{h}" rel="{rel}"><bdi>{t}</bdi></a> <small>{host}</small>',
                      h=href, rel=REL, t=title, host=display_host(href))  # fmt: skip
    else:
        link = render("<bdi>{t}</bdi> <small>(link withheld: not an http(s) address)</small>",
                      t=title)  # fmt: skip
    lang = item.language if item.language and _LANG.match(item.language) else ""
    return render(
        '<li{la}>{link} — <bdi>{outlet}</bdi>{lg}, <time datetime="{d}">{d}</time></li>',
        la=Markup(render(' lang="{x}"', x=lang) if lang else ""), link=link,
        outlet=plain_text(item.outlet), lg=f" ({lang})" if lang else "", d=item.date,
    )  # fmt: skip


def _html_section(section: str, items: Sequence[DigestItem], label: str, subject: str) -> Markup:
    body = (render("<ul>\n{li}\n</ul>", li=join([_html_item(i) for i in items])) if items
            else Markup("<p><em>No items in this period.</em></p>"))  # fmt: skip
    return render('<section id="{s}">\n<h2>{h}</h2>\n{body}\n</section>',
                  s=section, h=heading(subject, label), body=body)  # fmt: skip


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
</head>
<body>
<h1>{title}</h1>
{sections}
<footer><p>{share}</p></footer>
</body>
</html>
"""


def render_html(d: Digest) -> str:
    sections = join([_html_section(s, items, d.label, d.subjects.get(s, s))
                     for s, items in d.sections])  # fmt: skip
    return str(render(_PAGE, csp=CSP, title=title_of(d.label), sections=sections,
                      share=share_line(d)))  # fmt: skip
