"""Fetch-and-parse probes for the operator (``vric feeds check`` and
``vric feeds discover``): nothing is stored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pipeline import parse
from pipeline.fetch import FetchRequest, HttpClient
from pipeline.sources import discover
from pipeline.types import FetchResult


@dataclass(frozen=True)
class Probe:
    """One URL fetched and parsed as a feed."""

    url: str
    status: int | None
    content_type: str | None
    kind: str | None
    items: int
    newest: datetime | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None and self.items > 0


def judge(url: str, result: FetchResult, now: datetime) -> Probe:
    ctype = result.headers.get("content-type") if result.headers else None
    if not result.ok or not result.body:
        error = result.error_code or "empty_body"
        return Probe(url, result.status, ctype, None, 0, None, error)
    parsed = parse.parse_feed(result.body, result.headers, result.final_url, now=now)
    dates = [i.published for i in parsed.items if i.published]
    return Probe(url, result.status, ctype, parsed.kind, len(parsed.items),
                 max(dates) if dates else None, parsed.error_code)  # fmt: skip


def check(client: HttpClient, urls: Iterable[tuple[str, bool]], now: datetime) -> list[Probe]:
    """Fetch each ``(url, allow_private)`` once as a feed (no validators)."""
    requests = [FetchRequest(url, "feed", allow_private=private, key=url) for url, private in urls]
    probes = {req.key: judge(req.url, res, now) for req, res in client.fetch_many(requests)}
    return [probes[req.key] for req in requests]


def find_feeds(client: HttpClient, site_url: str, now: datetime) -> list[Probe]:
    """Candidate feeds of a site, each fetched and validated; working ones first."""
    home = client.fetch(site_url, "feed")
    robots = client.fetch(discover.common_paths(site_url)[0].rsplit("/", 1)[0] + "/robots.txt")
    html = (home.body or b"").decode("utf-8", "replace") if home.ok else None
    robots_txt = (robots.body or b"").decode("utf-8", "replace") if robots.ok else None
    urls = discover.candidates(home.final_url or site_url, html, robots_txt)
    probes = check(client, [(u, False) for u in urls], now)
    return sorted(probes, key=lambda p: (not p.ok, -p.items))
