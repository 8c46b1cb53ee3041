"""The socket edge: resolve → validate every address → connect, under a deadline.

A custom httpcore network backend does the connect, so the SSRF check sees
the addresses actually dialled (no rebinding window between check and use),
and every stream it returns clamps each read and write to the time left in
the current request's total deadline: a server dripping one byte per read
timeout, in the headers or the body, is cut off at the deadline.

The request's budget travels in a context variable: httpcore runs a sync
request entirely in the calling thread, and ``fetch_many`` threads
each have their own context.
"""

from __future__ import annotations

import contextvars
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore
from httpcore._backends.sync import SyncStream  # public class, private path; httpcore is pinned

from pipeline.errors import FetchError
from pipeline.fetch.urls import AllowList, is_public_address, parse_ip_literal

logger = logging.getLogger(__name__)

Resolver = Callable[[str, int], list[tuple[str, int]]]
Connector = Callable[[str, int, float], socket.socket]


@dataclass(frozen=True)
class Budget:
    """What the connect and the stream wrappers need to know about the request."""

    deadline: float  # time.monotonic() value
    allow_private_host: str | None = None  # "host:port" the feed's allow_private covers

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "fetch_budget", default=None
)


@contextmanager
def budget(value: Budget) -> Iterator[None]:
    token = _BUDGET.set(value)
    try:
        yield
    finally:
        _BUDGET.reset(token)


def current_budget() -> Budget | None:
    return _BUDGET.get()


def clamp(timeout: float | None) -> float | None:
    """``timeout`` shortened to the time left; raises when none is left."""
    current = _BUDGET.get()
    if current is None:
        return timeout
    left = current.remaining()
    if left <= 0:
        raise DeadlineExceeded("the total deadline was exceeded")
    return left if timeout is None else min(timeout, left)


class DeadlineExceeded(httpcore.ReadTimeout):
    """The request's total deadline ran out (a subclass of httpcore's read
    timeout, so httpcore closes the connection and httpx maps it)."""


def system_resolver(host: str, port: int) -> list[tuple[str, int]]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [(str(info[4][0]), int(info[4][1])) for info in infos]


def pinned_resolver(address: str) -> Resolver:
    """A resolver that sends every host name to ``IP:port`` (``fetch.resolve_all_to``:
    the offline demo's server), so URLs keep their real host names."""
    ip, _, port = address.rpartition(":")
    target = [(ip.strip("[]"), int(port))]

    def resolve(host: str, port: int) -> list[tuple[str, int]]:
        return list(target)

    return resolve


def plain_connect(ip: str, port: int, timeout: float) -> socket.socket:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((ip, port))
    except BaseException:
        sock.close()
        raise
    return sock


class DnsRunner:
    """Runs a (possibly hanging) resolver in daemon threads with a deadline.

    ``getaddrinfo`` has no timeout (urllib3#1334); a lookup that overruns is
    abandoned, and at most ``threads`` lookups may be stuck at once: further
    lookups wait for a free thread within their own deadline.
    """

    def __init__(self, resolver: Resolver, threads: int) -> None:
        self._resolver = resolver
        self._slots = threading.BoundedSemaphore(max(1, threads))

    def resolve(self, host: str, port: int, timeout: float) -> list[tuple[str, int]]:
        start = time.monotonic()
        if not self._slots.acquire(timeout=max(0.0, timeout)):
            raise FetchError(
                "dns",
                f"fetch: DNS lookup of {host} not started within {timeout:.1f} s (resolver busy)",
            )
        box: dict[str, Any] = {}
        done = threading.Event()
        worker = threading.Thread(
            target=self._run, args=(host, port, box, done), daemon=True, name="vric-dns"
        )
        worker.start()
        if not done.wait(max(0.0, timeout - (time.monotonic() - start))):
            raise FetchError("dns", f"fetch: DNS lookup of {host} took longer than {timeout:.1f} s")
        if "error" in box:
            raise FetchError("dns", f"fetch: could not resolve {host} ({box['error']})")
        if not box["result"]:
            raise FetchError("dns", f"fetch: {host} has no address")
        return list(box["result"])

    def _run(self, host: str, port: int, box: dict[str, Any], done: threading.Event) -> None:
        try:
            box["result"] = self._resolver(host, port)
        except Exception as exc:  # the resolver is pluggable: any failure is a DNS failure
            box["error"] = str(exc) or type(exc).__name__
        finally:
            self._slots.release()
            done.set()


class GuardedStream(httpcore.NetworkStream):
    """A network stream whose reads and writes never outlive the deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._inner.write(buffer, clamp(timeout))
        except DeadlineExceeded as exc:
            raise httpcore.WriteTimeout(str(exc)) from exc

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        try:
            left = clamp(timeout)
        except DeadlineExceeded as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        return GuardedStream(self._inner.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """Resolve with the injected resolver, refuse non-public addresses unless
    allowed, connect to the validated address; the URL host stays the TLS
    server name and the Host header (httpcore passes them separately)."""

    def __init__(
        self,
        dns: DnsRunner,
        dns_timeout: float,
        allow: AllowList,
        connector: Connector = plain_connect,
        check_addresses: bool = True,
    ) -> None:
        self._dns = dns
        self._dns_timeout = dns_timeout
        self._allow = allow
        self._connector = connector
        self._check = check_addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._addresses(host, port)
        if self._check:
            self._validate(host, port, addresses)
        sock = self._connect_any(host, addresses, timeout)
        for option in socket_options or ():
            sock.setsockopt(*option)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return GuardedStream(SyncStream(sock))

    def preflight(self, host: str, port: int) -> None:
        """Resolve and validate without connecting: used when a proxy makes the
        connection (the proxy resolves again, so a rebinding window remains)."""
        if parse_ip_literal(host) is None:  # literals were checked with the URL
            self._validate(host, port, self._addresses(host, port))

    def _addresses(self, host: str, port: int) -> list[tuple[str, int]]:
        literal = parse_ip_literal(host)
        if literal is not None:
            return [(str(literal), port)]
        try:
            limit = clamp(self._dns_timeout)
        except DeadlineExceeded as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        return self._dns.resolve(host, port, limit or self._dns_timeout)

    def _validate(self, host: str, port: int, addresses: list[tuple[str, int]]) -> None:
        current = current_budget()
        if current is not None and current.allow_private_host == f"{host}:{port}":
            return
        for ip, ip_port in addresses:
            if not (is_public_address(ip) or self._allow.permits(host, port, ip, ip_port)):
                raise FetchError(
                    "blocked_address",
                    f"fetch: {host} resolves to the non-public address {ip}; refused"
                    " (allow it with VRIC_ALLOW_HOSTS or allow_private if intended)",
                )

    def _connect_any(
        self, host: str, addresses: list[tuple[str, int]], timeout: float | None
    ) -> socket.socket:
        last: OSError | None = None
        for ip, ip_port in addresses:
            try:
                left = clamp(timeout)
            except DeadlineExceeded as exc:
                raise httpcore.ConnectTimeout(str(exc)) from exc
            try:
                return self._connector(ip, ip_port, left if left is not None else 10.0)
            except TimeoutError as exc:
                last = exc
                if len(addresses) == 1:
                    raise httpcore.ConnectTimeout(f"connect to {host} timed out") from exc
            except OSError as exc:
                last = exc
        if isinstance(last, TimeoutError):
            raise httpcore.ConnectTimeout(f"connect to {host} timed out") from last
        raise httpcore.ConnectError(f"could not connect to {host}: {last}") from last
