"""Decide what a feed body is before choosing a parser.

Cheap and conservative: only the first few KiB are looked at. Anything that
is not clearly JSON, a sitemap, HTML, binary or empty goes to feedparser,
which has the last word (its ``version`` tells whether it found a feed).
"""

from __future__ import annotations

import codecs
import re
from typing import Final

from pipeline.article.text import binary_signature

EMPTY: Final = "empty"
BINARY: Final = "binary"
JSON: Final = "json"
HTML: Final = "html"
SITEMAP: Final = "sitemap"
SITEMAP_INDEX: Final = "sitemap_index"
XML_EMPTY: Final = "xml_empty"  # only a prolog, a BOM or comments
FEED: Final = "feed"  # anything else: feedparser decides

_HEAD_BYTES: Final = 8192
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Prolog, comments, processing instructions and DOCTYPE before the root.
_PREAMBLE = re.compile(
    r"\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*", re.S | re.I
)
_ROOT = re.compile(r"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_HTML_DOCTYPE = re.compile(r"<!DOCTYPE\s+html\b", re.I)
_HTML_ROOTS: Final = frozenset({"html", "head", "body", "div", "p", "script", "meta", "title"})
_ROOT_KINDS: Final = {"urlset": SITEMAP, "sitemapindex": SITEMAP_INDEX}


def decode_head(body: bytes) -> str:
    """The first few KiB as text: BOM-aware, else UTF-16 by NUL pattern, else latin-1."""
    head = body[:_HEAD_BYTES]
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, "replace")
    if len(head) >= 4 and head[0] == 0 and head[1] != 0:
        return head.decode("utf-16-be", "replace")
    if len(head) >= 4 and head[1] == 0 and head[0] != 0:
        return head.decode("utf-16-le", "replace")
    return head.decode("latin-1")


def sniff(body: bytes) -> tuple[str, str]:
    """(kind, detail) for a feed body; detail names a binary format or the root element."""
    if not body.strip():
        return EMPTY, ""
    binary = binary_signature(body)
    if binary:
        return BINARY, binary
    head = decode_head(body)
    stripped = head.lstrip()
    if stripped[:1] in ("{", "["):
        return JSON, ""
    return _classify_markup(head)


def _classify_markup(head: str) -> tuple[str, str]:
    if _HTML_DOCTYPE.search(head[:1024]):
        return HTML, "doctype html"
    rest = head[_PREAMBLE.match(head).end() :]  # type: ignore[union-attr]  # \A(...)* always matches
    if not rest.strip():
        # A prolog-only document, or a DOCTYPE whose internal subset outran the head.
        return (XML_EMPTY, "") if len(head) < _HEAD_BYTES - 16 else (FEED, "")
    match = _ROOT.match(rest)
    root = match.group(2).lower() if match else ""
    if root in _HTML_ROOTS:
        return HTML, root
    return _ROOT_KINDS.get(root, FEED), root
