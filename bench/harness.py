"""Wiring shared by the scenarios: configuration, an in-memory HTTP client,
fresh databases, timers and memory readings. No scenario logic here."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from pipeline.config import DEFAULTS_DIR, Config, load_config
from pipeline.config.feeds_schema import FeedsFile
from pipeline.fetch import FetchRequest
from pipeline.types import FetchResult

ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def base_config() -> Config:
    """The shipped configuration (outlets.yaml, rules.yaml): the packaged defaults."""
    return load_config({"VRIC_CONFIG_DIR": str(DEFAULTS_DIR)})


def bench_config(
    base: Config,
    feeds: Sequence[Mapping[str, Any]],
    database_url: str,
    *,
    allow_hosts: Iterable[str] = (),
    fetch: Mapping[str, Any] | None = None,
    ingest: Mapping[str, Any] | None = None,
) -> Config:
    """``base`` with the benchmark's feeds, database and setting overrides."""
    s = base.settings
    settings = s.model_copy(
        update={
            "database_url": database_url,
            "allow_hosts": frozenset(allow_hosts),
            "fetch": s.fetch.model_copy(update=dict(fetch or {})),
            "ingest": s.ingest.model_copy(update=dict(ingest or {})),
        }
    )
    config = Config(
        settings=settings,
        feeds=FeedsFile.model_validate({"feeds": list(feeds)}),
        outlets=base.outlets,
        rules=base.rules,
    )
    # Share the compiled registry and rules: compiling them is configuration
    # loading, which no scenario measures.
    config.__dict__["registry"] = base.registry
    config.__dict__["compiled_rules"] = base.compiled_rules
    return config


def outlet_id(config: Config, url: str) -> str:
    match = config.registry.lookup(url)
    return match.outlet if match else "unknown"


class MemoryClient:
    """Stands in for ``HttpClient``: serves bodies held in memory, costs nothing.

    P1 uses it so that "raw HTML to stored rows" measures the pipeline, not
    the loopback network; P1-http measures the same through the real client.
    """

    def __init__(self, bodies: Mapping[str, bytes]) -> None:
        self.bodies = bodies

    def fetch_many(
        self, requests: Iterable[FetchRequest], concurrency: int | None = None
    ) -> Iterator[tuple[FetchRequest, FetchResult]]:
        for request in requests:
            yield request, self.fetch_request(request)

    def fetch_request(self, request: FetchRequest) -> FetchResult:
        body = self.bodies.get(request.url)
        if body is None:
            return FetchResult(request.url, request.url, status=404, error_code="gone")
        ctype = "application/rss+xml" if request.kind == "feed" else "text/html; charset=utf-8"
        return FetchResult(
            request.url, request.url, status=200, headers={"content-type": ctype}, body=body
        )

    def close(self) -> None:
        pass


@contextlib.contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database on the Postgres server at ``admin_url``, dropped afterwards."""
    import psycopg

    name = f"vric_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_reachable(admin_url: str) -> str | None:
    """None when the server answers, else why not."""
    try:
        import psycopg

        plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".strip()[:200]
    return None


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # this process only (not its children)


@contextlib.contextmanager
def timed() -> Iterator[list[Timing]]:
    """``with timed() as t: ...`` then ``t[0].wall``, ``t[0].cpu``."""
    out: list[Timing] = []
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield out
    finally:
        out.append(Timing(time.perf_counter() - wall, time.process_time() - cpu))


def rss_mb(pid: int | None = None) -> float:
    return float(psutil.Process(pid or os.getpid()).memory_info().rss) / 2**20


def peak_rss_mb() -> float:
    """Peak resident set of this process so far.

    ``VmHWM`` of the process's own memory map: ``ru_maxrss`` survives
    ``exec`` on Linux, so a child started by a big parent would report the
    parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_rss_mb(exclude: int | None = None) -> float:
    """RSS of this process's descendants (but ``exclude`` and its own)."""
    kids = psutil.Process().children(recursive=True)
    skip = {exclude} if exclude else set()
    if exclude:
        with contextlib.suppress(psutil.Error):
            skip |= {k.pid for k in psutil.Process(exclude).children(recursive=True)}
    total = 0.0
    for kid in (k for k in kids if k.pid not in skip):
        with contextlib.suppress(psutil.Error):
            total += kid.memory_info().rss
    return total / 2**20


def repeat(fn: Callable[[], float], runs: int) -> list[float]:
    return [fn() for _ in range(runs)]
