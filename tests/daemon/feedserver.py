"""A small counting feed server on 127.0.0.1 for the daemon and worker tests.

Routes::

    /feed/<n>.xml        RSS 2.0 with ``items`` articles of feed n, plus one
                         article that every feed links (``/a/shared.html``)
    /a/<n>/<k>.html      an article page in Spanish
    /a/shared.html       the article every feed links
    /hang.xml            accepts the request and never answers
    /robots.txt          allows everything

``hits`` counts requests per path; ``latency`` delays every answer; while
``gate`` is cleared, every answer waits for it (requests are still counted).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PARAGRAPH = (
    "El canciller de Rusia se reunió en Moscú con una delegación de México para revisar "
    "acuerdos de cooperación energética y comercial. Según el comunicado oficial, ambas "
    "partes discutieron proyectos de infraestructura, becas universitarias y el envío de "
    "fertilizantes, además de la coordinación en foros multilaterales de la región. "
)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        owner = self.server.owner
        path = self.path.split("?", 1)[0]
        with owner.lock:
            owner.hits[path] += 1
        if path == "/hang.xml":
            owner.stopping.wait()
            return
        owner.gate.wait()
        if owner.latency:
            time.sleep(owner.latency)
        status, ctype, body = owner.route(path)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: FeedServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner


class FeedServer:
    def __init__(self, feeds: int = 3, items: int = 2, latency: float = 0.0) -> None:
        self.feeds, self.items, self.latency = feeds, items, latency
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.gate = threading.Event()
        self.gate.set()
        self.published = datetime.now(UTC) - timedelta(hours=2)
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.gate.set()
        self._server.shutdown()
        self._server.server_close()

    def feed_paths(self) -> list[str]:
        return [f"/feed/{n}.xml" for n in range(self.feeds)]

    def article_paths(self) -> list[str]:
        own = [f"/a/{n}/{k}.html" for n in range(self.feeds) for k in range(self.items)]
        return [*own, "/a/shared.html"]

    def route(self, path: str) -> tuple[int, str, bytes]:
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n"
        if path.startswith("/feed/"):
            return 200, "application/rss+xml", self._feed(int(path[6:].split(".", maxsplit=1)[0]))
        if path.startswith("/a/"):
            return 200, "text/html; charset=utf-8", self._article(path)
        return 404, "text/plain", b"not found"

    def _feed(self, n: int) -> bytes:
        links = [f"/a/{n}/{k}.html" for k in range(self.items)] + ["/a/shared.html"]
        items = "".join(
            f"<item><title>Nota {n}-{i}: Rusia y México</title><link>{self.url(p)}</link>"
            f"<guid>{self.url(p)}</guid>"
            f"<pubDate>{format_datetime(self.published - timedelta(minutes=i))}</pubDate>"
            f"<description>Resumen de la nota {n}-{i} sobre Rusia y México.</description></item>"
            for i, p in enumerate(links)
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Feed {n}</title><link>{self.url('/')}</link><language>es</language>"
            f"{items}</channel></rss>"
        ).encode()

    def _article(self, path: str) -> bytes:
        title = f"Rusia y México firman acuerdos ({path})"
        body = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(4))
        return (
            f'<!DOCTYPE html><html lang="es"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="article:published_time" content="{self.published.isoformat()}">'
            f"</head><body><article><h1>{title}</h1>{body}</article></body></html>"
        ).encode()
