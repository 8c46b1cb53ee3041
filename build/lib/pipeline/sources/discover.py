"""Feed discovery (pure): candidate feed URLs for a site from its home page
and its robots.txt. ``vric feeds discover`` fetches and validates them."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

FEED_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml",
    "application/feed+json", "application/json", "text/xml", "application/xml",
})  # fmt: skip
COMMON_PATHS = (
    "/feed", "/feed/", "/rss", "/rss.xml", "/rss/", "/feeds/all.rss", "/atom.xml",
    "/index.xml", "/feed.xml", "/arc/outboundfeeds/rss/", "/news-sitemap.xml",
    "/sitemap_news.xml", "/sitemap.xml",
)  # fmt: skip


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        rels = a.get("rel", "").lower().split()
        if "alternate" in rels and a.get("type", "").lower() in FEED_TYPES and a.get("href"):
            self.links.append(a["href"])


def alternate_links(html: str, base_url: str) -> list[str]:
    """``<link rel="alternate" type="application/rss+xml" href=...>`` targets."""
    finder = _LinkFinder()
    finder.feed(html)
    return [urljoin(base_url, href) for href in finder.links]


def robots_sitemaps(robots_txt: str, base_url: str) -> list[str]:
    """``Sitemap:`` lines of a robots.txt."""
    out = []
    for line in robots_txt.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            out.append(urljoin(base_url, value.strip()))
    return out


def common_paths(site_url: str) -> list[str]:
    parts = urlsplit(site_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return [origin + path for path in COMMON_PATHS]


def candidates(site_url: str, home_html: str | None, robots_txt: str | None) -> list[str]:
    """Every candidate once, most trustworthy first: declared, robots, guessed."""
    found = alternate_links(home_html or "", site_url)
    found += robots_sitemaps(robots_txt or "", site_url)
    found += common_paths(site_url)
    return list(dict.fromkeys(found))
