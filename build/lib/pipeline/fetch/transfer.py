"""Reading one response: status, redirect target, capped and decoded body."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from pipeline.errors import FetchError
from pipeline.fetch.decode import decode_stream, decoders_for

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Compressed data can be a little larger than its decoded form; anything far
# larger on the wire than the decoded cap allows is not a document.
WIRE_SLACK = 64 * 1024


@dataclass(frozen=True)
class Redirect:
    status: int
    location: str  # absolute, not yet checked


def lower_headers(response: httpx.Response) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in response.headers.multi_items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def redirect_target(response: httpx.Response, current_url: str) -> Redirect | None:
    """The redirect this response asks for, or None if it is not a redirect."""
    if response.status_code not in REDIRECT_STATUSES and not (
        response.status_code == 300 and "location" in response.headers
    ):
        return None
    location = response.headers.get("location", "").strip()
    if not location:
        raise FetchError(
            "protocol", f"fetch: {response.status_code} redirect without a Location header"
        )
    try:
        return Redirect(response.status_code, urljoin(current_url, location))
    except ValueError as exc:
        raise FetchError("bad_url", f"fetch: invalid redirect Location ({exc})") from exc


def content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "").split(",")[0].strip()
    return int(value) if value.isdigit() else None


def read_body(response: httpx.Response, cap: int) -> bytes:
    """The decoded body, refusing (``too_large``) beyond ``cap`` decoded bytes.

    An honest Content-Length over the cap is refused before reading. Decoding
    runs incrementally with a bounded output per step (``decode``).
    """
    encoding = response.headers.get("content-encoding")
    decoders_for(encoding)  # an unknown encoding fails before any byte is read
    declared = content_length(response)
    if declared is not None and declared > cap and not encoding:
        raise _too_large(cap, f"Content-Length {declared}")
    raw = _wire_limited(response.iter_raw(), cap + WIRE_SLACK + cap // 16, cap)
    body = bytearray()
    for chunk in decode_stream(raw, encoding):
        if len(body) + len(chunk) > cap:
            raise _too_large(cap, "decoded body")
        body += chunk
    return bytes(body)


def drain_small(response: httpx.Response, limit: int) -> int:
    """Read at most ``limit`` raw bytes of a body nobody will use (an error or
    redirect body), so a small one leaves the connection reusable."""
    seen = 0
    for chunk in response.iter_raw():
        seen += len(chunk)
        if seen >= limit:
            break
    return seen


def _wire_limited(chunks: Iterable[bytes], limit: int, cap: int) -> Iterator[bytes]:
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        if seen > limit:
            raise _too_large(cap, "bytes on the wire")
        yield chunk


def _too_large(cap: int, what: str) -> FetchError:
    return FetchError("too_large", f"fetch: {what} over the cap of {cap} bytes; not read further")
