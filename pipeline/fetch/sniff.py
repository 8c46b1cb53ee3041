"""Cheap checks on a 200 body before anyone parses it (pure).

A 200 is not always content: a feed URL answering with a PNG, a PDF or an
HTML challenge/login page must be an error (``not_a_feed``) so the feed's
existing items are not treated as "gone"; an article URL answering with a
binary file is ``not_html``. What is binary is
:func:`pipeline.article.text.binary_signature`, the one byte sniff.
"""

from __future__ import annotations

import re

from pipeline.article.text import binary_signature

_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
    re.IGNORECASE | re.DOTALL,
)
_FEED_MARKERS = re.compile(rb"<(?:rss|feed|rdf:rdf|urlset|sitemapindex)[\s>]", re.IGNORECASE)


def is_blank(body: bytes) -> bool:
    return not body.strip()


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
    if kind == "feed" and binary_signature(body):
        return "not_a_feed", "fetch: the feed URL served a binary file, not a feed"
    if kind == "feed" and is_html_page(body):
        return (
            "not_a_feed",
            "fetch: the feed URL served an HTML page (challenge, login or error page?)",
        )
    if kind == "page" and binary_signature(body):
        return "not_html", "fetch: the page URL served a binary file, not HTML"
    return None
