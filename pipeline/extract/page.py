"""Reading an HTML page before trafilatura: charset, language, canonical, section, types.

Charset. trafilatura's own detection ignores ``<meta charset>`` and, for a
Spanish latin-1 page without a declaration, guessed a Central European code
page ("mañana" came out as "mańana", measured with trafilatura 2.3.1 and
charset-normalizer 3.5). The pipeline reads es/pt/en sources, so the order
here is: byte-order mark, valid UTF-8, the HTTP ``Content-Type`` charset,
``<meta charset>`` / ``http-equiv``, then windows-1252 (the WHATWG fallback
for legacy Western pages, a superset of latin-1). Valid UTF-8 is tried
before declarations because pages that declare latin-1 but send UTF-8 are
common, while latin-1 text that happens to be valid UTF-8 is vanishingly rare.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from typing import Any, Final

from lxml.html import HtmlElement

_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WESTERN_ALIASES: Final = frozenset(
    {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "cp1252",
     "windows-1252", "iso-8859-15", "latin-9"}
)  # fmt: skip
_FALLBACK: Final = "windows-1252"
_CHARSET_IN_TYPE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_MAX_JSONLD_SCRIPTS: Final = 10
# <meta property|name=...> carrying the publication time, most specific first.
_DATE_META_NAMES: Final = (
    "article:published_time", "og:article:published_time", "datePublished",
    "parsely-pub-date", "sailthru.date", "publish-date", "pubdate", "publishdate",
    "dc.date.issued", "DC.date.issued", "dcterms.created", "dc.date", "DC.date",
)  # fmt: skip
_MAX_JSONLD_CHARS: Final = 1_000_000


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding used) following the module's charset order."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, "replace"), encoding
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _declares_utf8(content_type, body):
        text = body.decode("utf-8", "replace")
        # A page declared UTF-8 with a stray invalid byte or two is still UTF-8;
        # reading it all as windows-1252 would garble every accented letter.
        if text.count("\ufffd") <= max(2, len(text) // 2000):
            return text, "utf-8"
    for declared in (_charset_from_type(content_type), _charset_from_meta(body)):
        codec = _usable_codec(declared)
        if codec:
            return body.decode(codec, "replace"), codec
    return body.decode(_FALLBACK, "replace"), _FALLBACK


def _declares_utf8(content_type: str | None, body: bytes) -> bool:
    labels = (_charset_from_type(content_type), _charset_from_meta(body))
    return any(label and label.strip().lower() in ("utf-8", "utf8") for label in labels)


def _charset_from_type(content_type: str | None) -> str | None:
    match = _CHARSET_IN_TYPE.search(content_type or "")
    return match.group(1) if match else None


def _charset_from_meta(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _usable_codec(name: str | None) -> str | None:
    """A Python codec for a declared charset; latin-1 family read as windows-1252."""
    if not name:
        return None
    label = name.strip().lower()
    if label in _WESTERN_ALIASES:
        return _FALLBACK
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    # A page that reached here is not valid UTF-8, so a UTF-8 or UTF-16
    # declaration without a BOM is wrong; fall through to the Western default.
    return None if codec.startswith(("utf-8", "utf-16", "utf-32")) else codec


@dataclass(frozen=True)
class PageMeta:
    """What the page declares about itself, read before trafilatura touches the tree."""

    html_lang: str | None = None
    canonical_url: str | None = None
    section: str | None = None
    page_types: tuple[str, ...] = ()
    og_title: str | None = None
    published_raws: tuple[str, ...] = ()  # every declared publication time, in order

    @property
    def published_raw(self) -> str | None:
        return self.published_raws[0] if self.published_raws else None


def read_meta(tree: HtmlElement) -> PageMeta:
    """Language, canonical URL, section and page types from the head and JSON-LD."""
    objects = list(_jsonld_objects(tree))
    metas = _metas(tree)
    return PageMeta(
        html_lang=_html_lang(tree, metas),
        canonical_url=_first(tree, "//link[@rel='canonical']/@href") or metas.get("og:url"),
        section=metas.get("article:section") or _jsonld_section(objects),
        page_types=_page_types(objects, metas),
        og_title=metas.get("og:title"),
        published_raws=_published(tree, objects, metas),
    )


def _metas(tree: HtmlElement) -> dict[str, str]:
    """``<meta property|name=K content=V>`` as ``{K: V}``, the first non-empty V of
    each K in document order: one walk over the page instead of an XPath per name."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        for attr in ("property", "name"):
            key = meta.get(attr)
            if key:
                found.setdefault(key, content)
    return found


def _first(tree: HtmlElement, xpath: str) -> str | None:
    for value in tree.xpath(xpath):
        text = str(value).strip()
        if text:
            return text
    return None


def _published(
    tree: HtmlElement, objects: list[dict[str, Any]], metas: dict[str, str]
) -> tuple[str, ...]:
    """Every publication timestamp the page declares, as written (with its time
    zone), metadata first, then JSON-LD, then microdata; the date gate
    (``dates.read_date``) later takes the first plausible one.

    Read here because htmldate (through trafilatura) reduces a JSON-LD
    ``datePublished`` to a bare day, losing the hour that decides the day in UTC.
    """
    found = [metas.get(name) for name in _DATE_META_NAMES]
    for obj in objects:
        value = obj.get("datePublished")
        if isinstance(value, str | int) and not isinstance(value, bool):
            found.append(str(value).strip())
    found.append(_first(tree, "//*[@itemprop='datePublished']/@content"))
    return tuple(dict.fromkeys(v for v in found if v))


def _html_lang(tree: HtmlElement, metas: dict[str, str]) -> str | None:
    root = tree.getroottree().getroot()
    for attr in ("lang", "xml:lang", "{http://www.w3.org/XML/1998/namespace}lang"):
        value = (root.get(attr) or "").strip()
        if value:
            return value.lower()
    declared = _first(tree, "//meta[translate(@http-equiv,'CONTENTLAG','contentlag')="
                      "'content-language']/@content") or metas.get("og:locale")  # fmt: skip
    return declared.replace("_", "-").lower() if declared else None


def _jsonld_objects(tree: HtmlElement) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    scripts = tree.xpath("//script[@type='application/ld+json']")[:_MAX_JSONLD_SCRIPTS]
    for script in scripts:
        raw = (script.text or "")[:_MAX_JSONLD_CHARS]
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        found.extend(_flatten(data))
    return found


def _flatten(data: Any, depth: int = 0) -> list[dict[str, Any]]:
    """Objects of a JSON-LD document: top level, lists, and ``@graph``."""
    if depth > 3:
        return []
    if isinstance(data, list):
        return [obj for item in data for obj in _flatten(item, depth + 1)]
    if not isinstance(data, dict):
        return []
    return [data, *_flatten(data.get("@graph"), depth + 1)]


def _jsonld_section(objects: list[dict[str, Any]]) -> str | None:
    for obj in objects:
        section = obj.get("articleSection")
        if isinstance(section, list):
            section = next((s for s in section if isinstance(s, str) and s.strip()), None)
        if isinstance(section, str) and section.strip():
            return section.strip()
    return None


def _page_types(objects: list[dict[str, Any]], metas: dict[str, str]) -> tuple[str, ...]:
    types: dict[str, None] = {}
    for obj in objects:
        value = obj.get("@type")
        for name in value if isinstance(value, list) else [value]:
            if isinstance(name, str) and name.strip():
                types.setdefault(name.strip(), None)
    og_type = metas.get("og:type")
    if og_type:
        types.setdefault(f"og:{og_type}", None)
    return tuple(types)
