"""The ASGI middleware in front of every route: security headers, the JSON
access log, the session check (every route but /login, /healthz and /static
needs one) and the CSRF check on every state-changing request.

Default-deny: a new route is protected without anyone remembering to say so
(tests/web/test_security.py walks the route table to prove it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, RedirectResponse, Response

from pipeline.logs import redact
from pipeline.web import security

logger = logging.getLogger("pipeline.web.access")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PUBLIC_PATHS = frozenset({"/login", "/healthz", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)
MAX_FORM_BYTES = 1 * 2**20


@dataclass(frozen=True)
class Principal:
    """The logged-in user of a request."""

    user: str
    role: str
    csrf_token: str
    token_hash: str


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


class Guard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        lookup: Callable[[str], Principal | None],
        behind_proxy: bool = False,
    ) -> None:
        self.app = app
        self.lookup = lookup  # raw session token -> Principal (expiry checked), in a thread
        self.behind_proxy = behind_proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope.get("path", "")
        preview = path.startswith("/periods/") and path.endswith("/preview")
        status = {"code": 500}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                wanted = security.security_headers(preview=preview)
                extra = [(k.encode(), v.encode()) for k, v in wanted.items()]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        principal: Principal | None = None
        try:
            headers = Headers(scope=scope)
            principal = await self._principal(headers)
            state = scope.setdefault("state", {})
            state["principal"] = principal
            state["https"] = security.is_https(scope.get("scheme", "http"), headers,
                                               self.behind_proxy)  # fmt: skip
            peer = scope.get("client")
            state["address"] = security.client_address(peer[0] if peer else None, headers,
                                                        self.behind_proxy)  # fmt: skip
            if not is_public(path) and principal is None:
                await self._unauthenticated(scope, path)(scope, receive, send_with_headers)
                return
            method = scope.get("method", "GET")
            if principal is not None and method in security.UNSAFE_METHODS and path != "/login":
                given, receive = await self._csrf_token(headers, receive)
                if not security.same_token(given, principal.csrf_token):
                    await _refuse_csrf(path)(scope, receive, send_with_headers)
                    return
            await self.app(scope, receive, send_with_headers)
        finally:
            logger.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": redact(path),  # never the query string, cookies or headers
                    "status": status["code"],
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": principal.user if principal else None,
                },
            )

    async def _principal(self, headers: Headers) -> Principal | None:
        token = _cookie(headers, security.SESSION_COOKIE)
        if not token:
            return None
        return await run_in_threadpool(self.lookup, token)

    def _unauthenticated(self, scope: Scope, path: str) -> Response:
        if path.startswith("/api/"):
            return JSONResponse({"error": "unauthenticated", "message": "log in first"}, 401)
        if scope.get("method") != "GET":
            return Response("log in first", 401, media_type="text/plain")
        target = path + (f"?{scope['query_string'].decode('latin-1')}"
                         if scope.get("query_string") else "")  # fmt: skip
        return RedirectResponse(f"/login?next={quote(target, safe='')}", 303)

    async def _csrf_token(self, headers: Headers, receive: Receive) -> tuple[str | None, Receive]:
        """The request's CSRF token (header, else the form field) and a ``receive``
        that replays the body the form check had to read."""
        given = headers.get(security.CSRF_HEADER)
        if given:
            return given, receive
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return None, receive
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_FORM_BYTES:
                return None, receive
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        values = fields.get(security.CSRF_FIELD)
        return (values[0] if values else None), replay


def _refuse_csrf(path: str) -> Response:
    message = "missing or wrong CSRF token: reload the page and try again"
    if path.startswith("/api/"):
        return JSONResponse({"error": "csrf", "message": message}, 403)
    return Response(message, 403, media_type="text/plain")


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None
