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

from pipeline.errors import CODES
from pipeline.fetch.network import DeadlineExceeded

_STATUS_CODES = frozenset({"gone", "rate_limited", "http_4xx", "http_5xx"})


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
    """The message of a status's code (:func:`code_for_status`), from the code table."""
    known = code in _STATUS_CODES
    text = CODES[code].text if known else "unexpected HTTP status {status}"
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


def classify(exc: httpx.HTTPError, deadline: float, deadline_hit: bool = False) -> tuple[str, str]:
    """``(code, message)`` for an httpx exception; ``deadline_hit`` when the
    request's total deadline had run out as it failed."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", _timeout_message(exc, deadline, deadline_hit)
    code = _transport_code(exc)
    return code, "fetch: " + CODES[code].text.format(detail=_short(exc))


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
    return f"fetch: {phase} timeout: {CODES['timeout'].text}"


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"
