"""``ScriptServer``: a small, scriptable HTTP/1.1 server on 127.0.0.1:0 for
the cross-stage reliability tests.

Routes are keyed by path (any Host) or by ``host + path``, with or without
the query string; each route is a
list of replies served in turn (the last one repeats), so a test can script
"200, then 500, then 200" for one feed. Ground truth for the tests: ``hits``
(per ``host+path`` and per path) and ``max_active`` (concurrent requests).

Well-behaved HTTP only; the raw-socket misbehaviours live in
``tests/fixtures/badhost.py``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds before the answer (lets two clients overlap)


@dataclass
class Route:
    replies: list[Reply]
    served: int = 0

    def next(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


@dataclass
class Seen:
    host: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        owner = self.server.owner
        host = self.headers.get("Host", "").rsplit(":", 1)[0].lower()
        path = self.path
        with owner.lock:
            owner.hits[host + path] += 1
            owner.path_hits[path] += 1
            owner.seen.append(Seen(host, path, {k.lower(): v for k, v in self.headers.items()}))
            owner.active += 1
            owner.max_active = max(owner.max_active, owner.active)
            route = owner.find(host, path)
            reply = route.next() if route else Reply(404, b"not found", "text/plain")
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        finally:
            with owner.lock:
                owner.active -= 1

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: ScriptServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner


class ScriptServer:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.path_hits: Counter[str] = Counter()
        self.seen: list[Seen] = []
        self.active = self.max_active = 0
        self._server = _Server(self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"script-server-{self.port}", daemon=True
        )

    def start(self) -> ScriptServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def find(self, host: str, path: str) -> Route | None:
        """Exact ``host+path``, then ``path``; then both without the query
        (like a real site, tracking parameters do not change the page)."""
        bare = path.split("?", 1)[0]
        for key in (host + path, path, host + bare, bare):
            if key in self.routes:
                return self.routes[key]
        return None

    def script(self, where: str, *replies: Reply) -> None:
        """Serve ``replies`` in turn at ``where`` (``/path`` or ``host/path``)."""
        with self.lock:
            self.routes[where] = Route(list(replies))

    def serve(self, where: str, body: bytes, **options: Any) -> None:
        self.script(where, Reply(body=body, **options))

    def served(self, where: str) -> int:
        with self.lock:
            route = self.routes.get(where)
            return route.served if route else 0
