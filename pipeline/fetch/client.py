"""The guarded HTTP client: one pooled httpx transport, our own redirect loop.

Requests go straight to the transport (not through ``httpx.Client.send``,
which parses every Location header itself, even when not following, and
raises on a ``data:`` or malformed one before our policy can judge it).

Each hop is checked by the URL policy before anything is sent, and its
addresses again at connect time (``network``). The total deadline covers DNS,
connect, every hop and the whole body; waiting for a politeness slot does not
count against it. Failures come back as ``FetchResult.error_code``, never as
exceptions.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
import zlib
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from pipeline.errors import FetchError
from pipeline.fetch import transfer
from pipeline.fetch.failures import classify, code_for_status, status_message
from pipeline.fetch.many import run_many
from pipeline.fetch.network import (
    Budget,
    Connector,
    DnsRunner,
    GuardedBackend,
    Resolver,
    budget,
    current_budget,
    pinned_resolver,
    plain_connect,
    system_resolver,
)
from pipeline.fetch.policy import MAX_POOL_CONNECTIONS, ROBOTS_TOKEN, FetchPolicy
from pipeline.fetch.politeness import HostGate
from pipeline.fetch.robots import RobotsCache
from pipeline.fetch.sniff import body_problem
from pipeline.fetch.urls import AllowList, CheckedUrl, check_target, parse_url, strip_credentials
from pipeline.types import FetchResult

logger = logging.getLogger(__name__)

ACCEPT_ENCODING = "gzip, deflate, br"
DEADLINE_SLACK = 0.05  # a read timeout this close to the deadline was the deadline


@dataclass(frozen=True)
class FetchRequest:
    url: str
    kind: str = "feed"  # feed | page | sitemap (a feed-sized body that may be a .gz file)
    etag: str | None = None
    last_modified: str | None = None
    allow_private: bool = False  # honoured for kind="feed" only
    accept: str | None = None
    key: Any = field(default=None, compare=False)  # caller's handle, returned untouched


@dataclass
class _Trace:
    """What one fetch has seen so far, to build the result at any point."""

    request: FetchRequest
    started: float
    final_url: str
    redirects: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    origin: str | None = None  # "host:port" of the requested URL
    private: bool = False  # allow_private in force for that origin

    def result(self, **values: Any) -> FetchResult:
        return FetchResult(
            url=strip_credentials(self.request.url),
            final_url=self.final_url,
            elapsed=time.monotonic() - self.started,
            redirects=tuple(self.redirects),
            warnings=tuple(self.warnings),
            **values,
        )

    def failure(self, code: str, message: str, **values: Any) -> FetchResult:
        return self.result(error_code=code, error_message=message, **values)


class HttpClient:
    """Fetch feeds and pages under ``FetchPolicy``; thread-safe."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        resolver: Resolver | None = None,
        *,
        connector: Connector | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._allow = AllowList(self.policy.allow_hosts)
        if resolver is None and self.policy.resolve_all_to:
            resolver = pinned_resolver(self.policy.resolve_all_to)
        self._dns = DnsRunner(resolver or system_resolver, self.policy.dns_threads)
        self._connector = connector or plain_connect
        self._ssl = ssl_context or _default_ssl_context(self.policy.ca_file)
        self._gate = HostGate(self.policy.per_host_concurrency, self.policy.min_host_interval)
        self._robots = RobotsCache(
            self._fetch_robots, self.policy.robots_ttl, self.policy.robots_error_ttl
        )
        self._checker = GuardedBackend(self._dns, self.policy.dns_timeout, self._allow)
        self._lock = threading.Lock()
        self._strict = [
            self._make_transport(size=self.policy.shard_size) for _ in range(self.policy.shards)
        ]
        self._trusted: httpx.HTTPTransport | None = None  # allow_private feeds: own pool

    # ------------------------------------------------------------ public API

    def fetch(
        self,
        url: str,
        kind: str = "feed",
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        allow_private: bool = False,
        accept: str | None = None,
    ) -> FetchResult:
        return self.fetch_request(
            FetchRequest(url, kind, etag, last_modified, allow_private, accept)
        )

    def fetch_request(self, request: FetchRequest) -> FetchResult:
        if request.kind not in ("feed", "page", "robots", "sitemap"):
            raise ValueError(f"unknown fetch kind {request.kind!r} (feed, page or sitemap)")
        result = self._attempt(request)
        if (
            request.kind != "robots"
            and result.error_code in ("protocol", "reset")
            and (result.status is None)
        ):
            # A pooled keep-alive connection can go bad between two requests
            # (a server that lied about Content-Length, or closed it idle):
            # a GET that failed before any response head is retried once, the
            # dead connection having been dropped from the pool.
            result = self._attempt(request)
        _log(result)
        return result

    def _attempt(self, request: FetchRequest) -> FetchResult:
        trace = _Trace(request, time.monotonic(), final_url=strip_credentials(request.url))
        try:
            result = self._run(request, trace)
        except FetchError as exc:
            result = trace.failure(exc.code, exc.message)
        except Exception as exc:  # a bug must not stop a run: record it as data
            logger.exception("fetch failed unexpectedly", extra={"url": trace.final_url})
            result = trace.failure(
                "io_error", f"fetch: internal error ({type(exc).__name__}); please report"
            )
        return result

    def fetch_many(
        self, requests: Iterable[FetchRequest], concurrency: int | None = None
    ) -> Generator[tuple[FetchRequest, FetchResult], None, None]:
        """Fetch concurrently; yields ``(request, result)`` as each completes.

        Requests are handed to a bounded thread pool host by host (round-robin,
        at most ``per_host_concurrency`` each), so one slow host cannot occupy
        every thread (``concurrency`` requests in flight, default
        ``pool_size``). Closing the generator early cancels what has not started.
        """
        return run_many(self, requests, concurrency or self.policy.pool_size, self._gate)

    def close(self) -> None:
        for transport in self._strict:
            transport.close()
        if self._trusted is not None:
            self._trusted.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ one fetch

    def _run(self, request: FetchRequest, trace: _Trace) -> FetchResult:
        trace.private = request.allow_private and request.kind == "feed"
        if request.allow_private and not trace.private:
            trace.warnings.append("allow_private applies to feed URLs only; ignored for a page")
        checked = self._check(request.url, request.kind, trace)
        trace.warnings.extend(checked.warnings)
        trace.final_url, trace.origin = checked.url, checked.host_port
        deadline = trace.started + self.policy.deadline
        while True:
            self._check_robots(request.kind, checked)
            with self._gate.slot(checked.host, paced=self.policy.paced(request.kind)) as waited:
                deadline += waited  # politeness waits are not network time
                with budget(Budget(deadline, trace.origin if trace.private else None)):
                    outcome = self._hop(request, checked, trace)
            if isinstance(outcome, FetchResult):
                return outcome
            checked = self._follow(request, checked, outcome, trace)

    def _follow(
        self, request: FetchRequest, current: CheckedUrl, hop: transfer.Redirect, trace: _Trace
    ) -> CheckedUrl:
        limit = self.policy.max_redirects
        if len(trace.redirects) >= limit:
            raise FetchError(
                "redirects",
                f"fetch: more than {limit} redirects (a loop or an endless chain)",
            )
        nxt = self._check(hop.location, request.kind, trace)
        if current.scheme == "https" and nxt.scheme == "http":
            trace.warnings.append(f"redirected from https to plain http: {nxt.url}")
        trace.redirects.append(nxt.url)
        trace.final_url = nxt.url
        trace.warnings.extend(w for w in nxt.warnings if w not in trace.warnings)
        return nxt

    def _check(self, url: str, kind: str, trace: _Trace) -> CheckedUrl:
        checked = parse_url(url)
        # "own": the URL the operator configured (or a hop back to its host:port)
        own = trace.origin is None or checked.host_port == trace.origin
        check_target(
            checked,
            self._allow,
            web_ports_only=kind == "page" or not own,
            allow_private=trace.private and own,
        )
        return checked

    def _hop(
        self, request: FetchRequest, checked: CheckedUrl, trace: _Trace
    ) -> FetchResult | transfer.Redirect:
        transport = self._transport(trace.private, checked.host)
        if self.policy.proxy is not None:
            self._checker.preflight(checked.host, checked.port)
        try:
            response = transport.handle_request(self._build(request, checked))
        except httpx.HTTPError as exc:
            return trace.failure(*self._classify(exc))
        try:
            return self._handle(request, checked, response, trace)
        except (httpx.HTTPError, FetchError) as exc:
            code, message = self._describe(exc)
            return trace.failure(
                code, message, status=response.status_code, headers=transfer.lower_headers(response)
            )
        finally:
            response.close()

    def _describe(self, exc: httpx.HTTPError | FetchError) -> tuple[str, str]:
        if isinstance(exc, FetchError):
            return exc.code, exc.message
        return self._classify(exc)

    def _classify(self, exc: httpx.HTTPError) -> tuple[str, str]:
        scope = current_budget()
        hit = scope is not None and scope.remaining() <= DEADLINE_SLACK
        return classify(exc, self.policy.deadline, deadline_hit=hit)

    def _build(self, request: FetchRequest, checked: CheckedUrl) -> httpx.Request:
        headers = {
            "User-Agent": self.policy.user_agent,
            "Accept": self.policy.accept_for(request.kind, request.accept),
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        p = self.policy
        timeout = httpx.Timeout(
            connect=p.connect_timeout, read=p.read_timeout, write=p.read_timeout, pool=p.deadline
        )
        return httpx.Request(
            "GET", checked.url, headers=headers, extensions={"timeout": timeout.as_dict()}
        )

    def _handle(
        self, request: FetchRequest, checked: CheckedUrl, response: httpx.Response, trace: _Trace
    ) -> FetchResult | transfer.Redirect:
        redirect = transfer.redirect_target(response, checked.url)
        if redirect is not None:
            transfer.drain_small(response, self.policy.max_error_bytes)
            return redirect
        headers = transfer.lower_headers(response)
        meta: dict[str, Any] = {
            "status": response.status_code,
            "headers": headers,
            "etag": headers.get("etag"),
            "last_modified": headers.get("last-modified"),
            "retry_after": headers.get("retry-after"),
        }
        code = code_for_status(response.status_code)
        if code is not None:
            transfer.drain_small(response, self.policy.max_error_bytes)
            return trace.failure(code, status_message(code, response.status_code), **meta)
        if response.status_code == 304:
            return trace.result(not_modified=True, **meta)
        body = transfer.read_body(response, self.policy.max_bytes(request.kind))
        problem = body_problem(request.kind, body) if request.kind != "robots" else None
        if problem is not None:
            return trace.failure(problem[0], problem[1], **meta)
        if request.kind == "robots" and not body.strip():
            return trace.failure("empty_body", "fetch: empty robots.txt", **meta)
        return trace.result(body=body, **meta)

    # ------------------------------------------------------------ robots

    def _check_robots(self, kind: str, checked: CheckedUrl) -> None:
        if kind != "page" or not self.policy.respect_robots:
            return
        origin = f"{checked.scheme}://{urlsplit(checked.url).netloc}"
        verdict = self._robots.verdict(origin)
        delay = verdict.crawl_delay(ROBOTS_TOKEN)
        if delay:
            self._gate.set_interval(checked.host, min(delay, self.policy.max_crawl_delay))
        if not verdict.allows(checked.url, ROBOTS_TOKEN):
            raise FetchError(
                "robots_disallowed",
                f"fetch: robots.txt of {checked.host} disallows this page ({verdict.reason})",
            )

    def _fetch_robots(self, url: str) -> FetchResult:
        return self.fetch_request(FetchRequest(url, kind="robots"))

    # ------------------------------------------------------------ plumbing

    def _transport(self, private: bool, host: str) -> httpx.HTTPTransport:
        """The pool for a request: a host always uses the same one (keep-alive)."""
        if not private:
            return self._strict[zlib.crc32(host.encode()) % len(self._strict)]
        with self._lock:
            if self._trusted is None:
                size = max(2, min(self.policy.pool_size, MAX_POOL_CONNECTIONS) // 4)
                self._trusted = self._make_transport(size=size)
            return self._trusted

    def _make_transport(self, size: int | None = None) -> httpx.HTTPTransport:
        """A pooled transport whose connects go through ``GuardedBackend``.

        With a proxy the proxy makes the connection: addresses are then checked
        before each hop instead (``preflight``), and the proxy itself is trusted.
        """
        p = self.policy
        limit = size or p.pool_size
        backend = GuardedBackend(
            self._dns, p.dns_timeout, self._allow, self._connector, check_addresses=p.proxy is None
        )
        transport = httpx.HTTPTransport(
            verify=self._ssl,
            trust_env=False,
            proxy=p.proxy,
            limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit),
        )
        # httpx has no parameter for the network backend; httpcore is pinned (pyproject).
        transport._pool._network_backend = backend
        return transport


def _default_ssl_context(ca_file: str | None) -> ssl.SSLContext:
    context = httpx.create_ssl_context(verify=True, trust_env=False)
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def _log(result: FetchResult) -> None:
    if result.ok:
        logger.debug(
            "fetched", extra={"url": result.final_url, "outcome": "ok", "status": result.status}
        )
    else:
        logger.debug(
            "fetch failed",
            extra={"url": result.final_url, "outcome": "failed", "reason": result.error_code},
        )
