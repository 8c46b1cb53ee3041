"""A local HTTP server that plays every outlet of the demo corpus.

It listens on 127.0.0.1 on an ephemeral port and routes by the ``Host``
header plus the path, so the pipeline fetches realistic URLs such as
``http://actualidad.rt.com/feeds/all.rss`` through a resolver that maps every
host name to the demo port (:meth:`DemoServer.resolve`). Nothing leaves the
machine.

What it serves:

- feeds rendered from the manifest, with ``ETag`` and ``Last-Modified``;
  ``If-None-Match`` (or an exact ``If-Modified-Since``) gets a 304;
- articles as the bytes stored in the corpus; a page declared ``latin-1`` is
  sent as ``text/html`` without a charset, like an old CMS would;
- Google News redirect links (``/rss/articles/<id>``) as a 302 to the article;
- ``/robots.txt`` allowing everything on every host; 404 for anything else.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pipeline.demo.feeds import (
    CONTENT_TYPES,
    GOOGLE_NEWS_HOST,
    GOOGLE_NEWS_PREFIX,
    entries_for,
    google_news_id,
    newest,
    render_feed,
)
from pipeline.demo.manifest import Article, Feed, Manifest, load_manifest

logger = logging.getLogger(__name__)

ROBOTS_TXT = b"User-agent: *\nAllow: /\n"
# Idle keep-alive connections are dropped after this many seconds.
IDLE_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Resource:
    """A response body the server can send, with its validators."""

    body: bytes
    content_type: str
    etag: str
    last_modified: str
    article_url: str | None = None  # set for article pages


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    served_article: str | None = None


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC), usegmt=True)


def feed_resource(feed: Feed, manifest: Manifest) -> Resource:
    body = render_feed(feed, manifest)
    stamp = _http_date(newest(entries_for(feed, manifest)))
    return Resource(body, CONTENT_TYPES[feed.format], _etag(body), stamp)


def article_resource(article: Article, manifest: Manifest) -> Resource:
    body = manifest.article_path(article).read_bytes()
    ctype = "text/html; charset=utf-8" if article.encoding == "utf-8" else "text/html"
    when = article.published_at
    stamp = _http_date(when) if when else ""  # an undated page has no Last-Modified either
    return Resource(body, ctype, _etag(body), stamp, article.url)


def _feed_key(host: str, target: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """Feeds are matched on host, path and the decoded query parameters in any order,
    so a client that re-encodes or reorders a search feed's query still finds it."""
    parts = urlsplit(target)
    return host, parts.path, tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


class Routes:
    """Maps (host, request target) to a reply. Pure: built once, read by many threads."""

    def __init__(self, manifest: Manifest) -> None:
        self.feeds = {_feed_key(f.host, f.path): feed_resource(f, manifest) for f in manifest.feeds}
        self.articles = {(a.host, a.path): article_resource(a, manifest) for a in manifest.articles}
        self.redirects = {google_news_id(a): a.url for a in manifest.articles}

    def reply(self, host: str, target: str, headers: dict[str, str]) -> Reply:
        path = urlsplit(target).path
        if path == "/robots.txt":
            return _ok(Resource(ROBOTS_TXT, "text/plain", _etag(ROBOTS_TXT), ""), headers)
        if host == GOOGLE_NEWS_HOST and path.startswith(GOOGLE_NEWS_PREFIX):
            return self._redirect(path.removeprefix(GOOGLE_NEWS_PREFIX))
        resource = self._find(host, target, path)
        if resource is not None:
            return _ok(resource, headers)
        other = host.removeprefix("www.") if host.startswith("www.") else f"www.{host}"
        if self._find(other, target, path) is not None:
            # Real sites send the other spelling of their host to the canonical one.
            location = f"http://{other}{target}"
            return Reply(301, (("Location", location), ("Content-Type", "text/html")))
        return _not_found()

    def _find(self, host: str, target: str, path: str) -> Resource | None:
        found = self.feeds.get(_feed_key(host, target)) or self.feeds.get((host, path, ()))
        return found or self.articles.get((host, path))

    def _redirect(self, ident: str) -> Reply:
        location = self.redirects.get(ident)
        if location is None:
            return _not_found()
        body = f'<html><body><a href="{location}">Continue</a></body></html>'.encode()
        return Reply(302, (("Location", location), ("Content-Type", "text/html")), body)


def _ok(resource: Resource, request: dict[str, str]) -> Reply:
    validators = [("ETag", resource.etag)]
    if resource.last_modified:
        validators.append(("Last-Modified", resource.last_modified))
    if _is_fresh(resource, request):
        return Reply(304, tuple(validators))
    headers = (("Content-Type", resource.content_type), *validators)
    return Reply(200, headers, resource.body, resource.article_url)


def _is_fresh(resource: Resource, request: dict[str, str]) -> bool:
    if "if-none-match" in request:
        tags = {t.strip().removeprefix("W/") for t in request["if-none-match"].split(",")}
        return resource.etag in tags or "*" in tags
    since = request.get("if-modified-since")
    return bool(since) and since == resource.last_modified


def _not_found() -> Reply:
    body = b"<html><body><h1>404 Not Found</h1></body></html>"
    return Reply(404, (("Content-Type", "text/html; charset=utf-8"),), body)


def _host_only(header: str) -> str:
    host, _, port = header.strip().lower().rpartition(":")
    return host if host and port.isdigit() else header.strip().lower()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S
    server: _Server

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        demo = self.server.demo
        host = _host_only(self.headers.get("Host") or "")
        demo.count(f"{host}{self.path}")
        if demo.latency:
            time.sleep(demo.latency)
        request = {k.lower(): v for k, v in self.headers.items()}
        reply = demo.routes.reply(host, self.path, request)
        if send_body and reply.served_article:
            demo.mark_served(reply.served_article)
        self._write(reply, send_body)

    def _write(self, reply: Reply, send_body: bool) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.status != 304:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if send_body and reply.status != 304:
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("demo_server " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, demo: DemoServer) -> None:
        self.demo = demo
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Close idle keep-alive connections so handler threads end with the server."""
        with self.connections_lock:
            open_now = list(self.connections)
        for conn in open_now:
            with contextlib.suppress(OSError):  # already closed by the peer
                conn.shutdown(socket.SHUT_RDWR)


class DemoServer:
    """The demo corpus on a real socket. Use as a context manager."""

    def __init__(self, corpus_dir: Path | None = None, latency: float = 0.0) -> None:
        self.manifest = load_manifest(corpus_dir)
        self.routes = Routes(self.manifest)
        self.latency = latency
        self.port = 0
        self.request_counts: Counter[str] = Counter()
        self._served: set[str] = set()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> DemoServer:
        if self._server is not None:
            return self
        self._server = _Server(self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"demo-server-{self.port}", daemon=True
        )
        self._thread.start()
        logger.info("demo server listening", extra={"port": self.port})
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def feed_urls(self) -> list[tuple[str, str]]:
        """(feed id, ``http://host/path``) for every feed, in manifest order."""
        return [(feed.id, feed.url) for feed in self.manifest.feeds]

    def resolve(self, host: str, port: int) -> list[tuple[str, int]]:
        """Resolver for the pipeline's HTTP client: every host is this server."""
        return [("127.0.0.1", self.port)]

    def count(self, key: str) -> None:
        with self._lock:
            self.request_counts[key] += 1

    def mark_served(self, url: str) -> None:
        with self._lock:
            self._served.add(url)

    def served_article_urls(self) -> set[str]:
        with self._lock:
            return set(self._served)
