"""Mapping of transport exceptions and HTTP statuses to the stable error codes.

::

    httpx.HTTPError
     ├── TimeoutException (connect, read, write, pool) ─► timeout
     ├── ConnectError ─► tls (an ssl.SSLError in the chain) | connect
     ├── ReadError / WriteError ─► tls | reset
     ├── RemoteProtocolError / LocalProtocolError ─► protocol
     ├── UnsupportedProtocol ─► bad_scheme, InvalidURL ─► bad_url
     └── anything else ─► protocol
"""

from __future__ import annotations

import ssl

import httpx

from pipeline.fetch.network import DeadlineExceeded

STATUS_MESSAGES = {
    "gone": "the server says this URL is gone for good (410); polling stops until an operator acts",
    "rate_limited": "the server asks us to slow down (429); the next attempt honours Retry-After",
    "http_4xx": "the server refused the request ({status}); check the URL or a new login wall",
    "http_5xx": "the server failed ({status}); it will be retried with backoff",
}


def code_for_status(status: int) -> str | None:
    """The error code of a final (non-redirect) status, or None for success."""
    if 200 <= status < 300 or status == 304:
        return None
    if status == 410:
        return "gone"
    if status == 429:
        return "rate_limited"
    if 400 <= status < 500:
        return "http_4xx"
    if 500 <= status < 600:
        return "http_5xx"
    return "protocol"


def status_message(code: str, status: int) -> str:
    text = STATUS_MESSAGES.get(code, "unexpected HTTP status {status}")
    return "fetch: " + text.format(status=status)


def _has_cause(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


_TRANSPORT_MESSAGES = {
    "tls": "TLS handshake or certificate check failed ({detail}); verification stays on",
    "connect": "could not connect ({detail}); is the host up?",
    "reset": "the connection was reset mid-transfer ({detail}); partial data discarded",
    "bad_scheme": "only http and https URLs are fetched",
    "bad_url": "invalid URL ({detail})",
    "protocol": "the server broke the HTTP protocol ({detail}); partial data discarded",
}


def classify(exc: httpx.HTTPError, deadline: float, deadline_hit: bool = False) -> tuple[str, str]:
    """``(code, message)`` for an httpx exception; ``deadline_hit`` when the
    request's total deadline had run out as it failed."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", _timeout_message(exc, deadline, deadline_hit)
    code = _transport_code(exc)
    return code, "fetch: " + _TRANSPORT_MESSAGES[code].format(detail=_short(exc))


def _transport_code(exc: httpx.HTTPError) -> str:
    if _has_cause(exc, ssl.SSLError) or _has_cause(exc, ssl.CertificateError):
        return "tls"
    mapping: list[tuple[type[Exception] | tuple[type[Exception], ...], str]] = [
        (httpx.ConnectError, "connect"),
        ((httpx.ReadError, httpx.WriteError), "reset"),
        (httpx.UnsupportedProtocol, "bad_scheme"),
        (httpx.InvalidURL, "bad_url"),
    ]
    return next((code for kind, code in mapping if isinstance(exc, kind)), "protocol")


def _timeout_message(exc: httpx.TimeoutException, deadline: float, deadline_hit: bool) -> str:
    if deadline_hit or _has_cause(exc, DeadlineExceeded):
        return f"fetch: gave up at the total deadline of {deadline:g} s (slow or dripping server)"
    phase = {httpx.ConnectTimeout: "connect", httpx.PoolTimeout: "pool"}.get(type(exc), "read")
    return f"fetch: {phase} timeout: the server did not answer in time"


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"
