"""A plain http.client request to the demo server with an explicit Host header."""

from __future__ import annotations

import http.client
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes = field(repr=False)


def fetch(
    port: int, url: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> Response:
    """Request ``url`` from the demo server on ``port``, sending its host as Host."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, target, headers={"Host": parts.netloc, **(headers or {})})
        reply = conn.getresponse()
        body = reply.read()
        return Response(reply.status, {k.lower(): v for k, v in reply.getheaders()}, body)
    finally:
        conn.close()
