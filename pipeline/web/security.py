"""The workbench's web security, pure: session tokens, cookie attributes, CSRF
comparison, the ``?next=`` check, the client address and the response headers.

Tokens are random (:mod:`secrets`); the store keeps only their SHA-256, so a
copy of the database does not open anyone's session.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from pipeline import accounts

SESSION_COOKIE = "vric_session"
LOGIN_CSRF_COOKIE = "vric_login_csrf"  # double-submit token of the login form (no session yet)
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# No inline script or style, nothing from another host; frames only for our own preview.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
# The bundle preview is the digest's own HTML (inline CSS, no script): shown sandboxed
# inside the period page, never as a top-level page that could run anything.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; sandbox; base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True)
class Expiry:
    """Session lifetimes: ``idle`` since the last request, ``absolute`` since login."""

    idle: timedelta = timedelta(hours=2)
    absolute: timedelta = timedelta(hours=12)

    def expired(self, created_at: datetime, last_seen: datetime, now: datetime) -> bool:
        return now - last_seen > self.idle or now - created_at > self.absolute


@dataclass(frozen=True)
class RateLimit:
    """At most ``failures`` failed logins per user and per address in ``window``."""

    failures: int = 10
    window: timedelta = timedelta(minutes=10)


new_token = accounts.new_token
token_hash = accounts.hash_token  # what the store keeps of a session token


def same_token(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; an empty or missing token never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after login, else ``default`` (no open redirect).

    Only ``/path?query`` on this site: no scheme, no host, no ``//host`` or
    ``/\\host`` (browsers read both as another site), no control characters.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 0x20 or ch == "\\" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def is_https(scheme: str, headers: Mapping[str, str], behind_proxy: bool) -> bool:
    """Served over https, directly or (trusted only with ``behind_proxy``) by a proxy."""
    if scheme == "https":
        return True
    if not behind_proxy:
        return False
    proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return proto == "https"


def client_address(peer: str | None, headers: Mapping[str, str], behind_proxy: bool) -> str:
    """The client's address; behind a proxy, the one it appended to X-Forwarded-For
    (the right-most entry: the ones before it are whatever the client sent)."""
    if behind_proxy:
        forwarded = [p.strip() for p in headers.get("x-forwarded-for", "").split(",") if p.strip()]
        if forwarded:
            return forwarded[-1][:64]
    return peer or "unknown"


def security_headers(*, preview: bool = False) -> dict[str, str]:
    return {
        "content-security-policy": PREVIEW_CSP if preview else CSP,
        "x-frame-options": "SAMEORIGIN" if preview else "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=()",
    }


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")
