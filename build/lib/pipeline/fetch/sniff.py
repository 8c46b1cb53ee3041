"""Cheap checks on a 200 body before anyone parses it (pure).

A 200 is not always content: a feed URL answering with a PNG, a PDF or an
HTML challenge/login page must be an error (``not_a_feed``) so the feed's
existing items are not treated as "gone"; an article URL answering with a
binary file is ``not_html``.
"""

from __future__ import annotations

import re

BINARY_MAGIC = (
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"%PDF",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"\x00\x00\x01\x00",
    b"OggS",
    b"ID3\x03",
    b"ID3\x04",
    b"\x7fELF",
    b"7z\xbc\xaf",
)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
    re.IGNORECASE | re.DOTALL,
)
_FEED_MARKERS = re.compile(rb"<(?:rss|feed|rdf:rdf|urlset|sitemapindex)[\s>]", re.IGNORECASE)


def is_blank(body: bytes) -> bool:
    return not body.strip()


def is_binary(body: bytes) -> bool:
    """Known binary magic bytes, or many NUL bytes early on.

    A stray NUL in a text document is cleaned later like any control
    character; only a NUL density no text has (3 % of the first 512 bytes)
    marks binary. UTF-16 (with a BOM) is text full of NULs.
    """
    head = body[:512]
    if head.startswith(BINARY_MAGIC):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return head.count(b"\x00") > max(1, len(head) // 32)


def is_html_page(body: bytes) -> bool:
    """An HTML document (a challenge, login or error page) rather than a feed."""
    head = body[:4096]
    return bool(_HTML_START.match(head)) and not _FEED_MARKERS.search(head)


def body_problem(kind: str, body: bytes) -> tuple[str, str] | None:
    """``(code, message)`` when a 200 body cannot be what ``kind`` expects."""
    if is_blank(body):
        return (
            "empty_body",
            "fetch: the server answered 200 with an empty body; existing items are kept",
        )
    if kind == "feed" and is_binary(body):
        return "not_a_feed", "fetch: the feed URL served a binary file, not a feed"
    if kind == "feed" and is_html_page(body):
        return (
            "not_a_feed",
            "fetch: the feed URL served an HTML page (challenge, login or error page?)",
        )
    if kind == "page" and is_binary(body):
        return "not_html", "fetch: the page URL served a binary file, not HTML"
    return None
