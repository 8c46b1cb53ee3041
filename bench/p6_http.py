"""P6-http: the workbench over HTTP, as an analyst's browser meets it.

The store is seeded as in :mod:`bench.p6_workbench` (100,000 articles, 10,000 in
the reviewed period at ``--scale 1``); ``vric serve``'s app runs under uvicorn
on 127.0.0.1 and one keep-alive client, logged in as an analyst, times:

- ``GET /api/periods/P/items`` (pages, filters, date sort) and the review
  queue page (``GET /periods/P/review``, pages 1 to 5): budget p95 ≤ 150 ms;
- full-text search through ``/api/periods/P/items?q=``: p95 ≤ 250 ms;
- a decision round trip (``POST /api/items/{id}/decision`` with the shown
  version), followed by the meter read the page's script makes: p95 ≤ 50 ms
  for the decision.

The server is ``vric serve`` in its own process (as in production); the
access log's own times are reported beside the client's. The live meter is
read once before timing (the server warms it at start: that read is
reported, not judged). Postgres too when ``--pg-url`` answers.

    python -m bench.p6_http [--scale 0.1] [--no-pg]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from bench.harness import PG_DEFAULT, base_config, postgres_database, postgres_reachable, temp_dir
from bench.p4_seed import TARGET_PERIOD, Seeder, templates
from bench.p6_workbench import FULL_ARTICLES, FULL_PERIOD, p95
from bench.report import Measurement, Target, console_lines
from pipeline.accounts import hash_password
from pipeline.config import DEFAULTS_DIR
from pipeline.store import Store

TARGETS = {"page": Target("<=", 150.0), "search": Target("<=", 250.0),
           "decide": Target("<=", 50.0)}  # fmt: skip
CALLS = 40
PHASES = ("warm-up", "items", "review", "search", "decide")
PASSWORD = "bench password 1"
ITEM_VARIANTS = ("", "&state_media=true", "&sort=date", "&status=candidate", "&actor=china",
                 "&score_min=2&score_max=5", "&section=russia")  # fmt: skip
SEARCHES = ("venezuela", "rusia china", "acuerdo energético", '"gas natural"', "cuba or nicaragua")


class Served:
    """``vric serve`` in its own process on a free loopback port (the client's
    timing then has no share of the server's interpreter), JSON logs to a file."""

    def __init__(self, db_url: str, log: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_url = db_url
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Served:
        env = {**os.environ, "VRIC_DATABASE_URL": self.db_url, "VRIC_CONFIG_DIR": str(DEFAULTS_DIR)}
        with self.log.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pipeline", "--log-json", "serve", "--port", str(self.port)],
                env=env, stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"vric serve did not start: {self.log.read_text()[-2000:]}")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)

    def app_times(self) -> dict[str, list[float]]:
        """The access log's ``ms`` per phase; phases are separated by /healthz calls."""
        phases: list[list[float]] = [[]]
        for line in self.log.read_text(encoding="utf-8").splitlines():
            if not line.startswith("{"):
                continue
            doc = json.loads(line)
            if doc.get("logger") != "pipeline.web.access":
                continue
            if doc.get("path") == "/healthz":
                phases.append([])
            else:
                phases[-1].append(float(doc["ms"]))
        # the start-up polls add phases at the front: the timed ones are the last five
        return dict(zip(PHASES, phases[-len(PHASES) :], strict=True))


def _timed(call: Callable[[int], Any], n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        call(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def login(client: httpx.Client) -> None:
    client.get("/login")
    r = client.post("/login", data={"username": "ana", "password": PASSWORD,
                                    "csrf_token": client.cookies["vric_login_csrf"]})  # fmt: skip
    if r.status_code != 303:
        raise RuntimeError(f"login failed: HTTP {r.status_code}")
    client.headers["X-CSRF-Token"] = client.get("/api/session").json()["csrf_token"]


def measure_backend(label: str, url: str, articles: int, period: int, records: Sequence[Any],
                    log: Path) -> tuple[list[Measurement], list[str]]:  # fmt: skip
    store = Store(url)
    store.upgrade()
    Seeder(store, records, period).grow_to(articles)
    if store.get_user("ana") is None:
        store.add_user("ana", "analyst", hash_password(PASSWORD))
    store.close()
    p = TARGET_PERIOD
    served = Served(url, log)
    with served, httpx.Client(base_url=served.url, timeout=60) as client:
        login(client)
        t0 = time.perf_counter()
        client.get(f"/api/periods/{p}/meter").raise_for_status()
        meter_s = time.perf_counter() - t0

        def api_page(i: int) -> None:
            variant = ITEM_VARIANTS[i % len(ITEM_VARIANTS)]
            client.get(f"/api/periods/{p}/items?page={1 + i % 3}{variant}").raise_for_status()

        def review(i: int) -> None:
            client.get(f"/periods/{p}/review?page={1 + i % 5}").raise_for_status()

        def search(i: int) -> None:
            client.get(f"/api/periods/{p}/items", params={"q": SEARCHES[i % len(SEARCHES)]})

        items = client.get(f"/api/periods/{p}/items?per_page=200").json()["items"]
        decide_ms: list[float] = []
        meter_ms: list[float] = []

        def decide(i: int) -> None:
            it = items[i % len(items)]
            t = time.perf_counter()
            r = client.post(f"/api/items/{it['id']}/decision",
                            json={"status": "excluded" if it["status"] != "excluded"
                                  else "candidate", "version": it["version"]})  # fmt: skip
            decide_ms.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
            it["version"], it["status"] = r.json()["version"], "x"
            t = time.perf_counter()
            client.get(f"/api/periods/{p}/meter").raise_for_status()
            meter_ms.append((time.perf_counter() - t) * 1000)

        client.get("/healthz")
        _timed(api_page, 4)  # warm-up
        _timed(review, 4)
        client.get("/healthz")
        pages = _timed(api_page, CALLS)
        client.get("/healthz")
        reviews = _timed(review, CALLS)
        client.get("/healthz")
        searches = _timed(search, CALLS)
        client.get("/healthz")
        _timed(decide, min(CALLS, len(items)))
    in_app = {k: p95(v) for k, v in served.app_times().items() if v}
    mid = f"P6-http-{label}"
    where = f"{period:,}-article period in {articles:,}"
    out = [
        Measurement(mid, f"items API p95 (pages, filters, sorts), {where}", "ms", [p95(pages)],
                    TARGETS["page"], judged=True),
        Measurement(mid, "review queue page p95 (HTML, tabs with counts)", "ms", [p95(reviews)],
                    TARGETS["page"], judged=True),
        Measurement(mid, "full-text search via the items API p95", "ms", [p95(searches)],
                    TARGETS["search"], judged=True),
        Measurement(mid, "decision POST p95 (version compare-and-set)", "ms", [p95(decide_ms)],
                    TARGETS["decide"], judged=True),
        Measurement(mid, "meter read after a decision p95 (not judged)", "ms", [p95(meter_ms)]),
    ]  # fmt: skip
    notes = [f"{label}: first meter read of the period {meter_s:.1f} s (the server warms it at "
             "start; not judged).",
             f"{label}: time inside the app (access log), p95: items API {in_app['items']:.0f} "
             f"ms, review page {in_app['review']:.0f} ms, search {in_app['search']:.0f} ms, "
             f"decision + meter reads {in_app['decide']:.0f} ms."]  # fmt: skip
    return out, notes


def measure(
    scale: float, seed: int, n_templates: int, pg_url: str | None
) -> tuple[list[Measurement], list[str]]:
    """P6-http on SQLite, and on Postgres when ``pg_url`` answers (``python -m bench``)."""
    articles = max(200, int(FULL_ARTICLES * scale))
    period = max(100, int(FULL_PERIOD * scale))
    records = templates(base_config(), n_templates, seed)
    measurements: list[Measurement] = []
    notes: list[str] = []
    with temp_dir("vric-bench-p6http-") as tmp:
        m, n = measure_backend("sqlite", f"sqlite:///{Path(tmp) / 'p6.db'}", articles, period,
                               records, Path(tmp) / "serve-sqlite.log")  # fmt: skip
        measurements += m
        notes += n
    if pg_url is not None and postgres_reachable(pg_url) is None:
        with postgres_database(pg_url) as url, temp_dir("vric-bench-p6http-") as tmp:
            m, n = measure_backend("pg", url, articles, period, records, Path(tmp) / "serve.log")
            measurements += m
            notes += n
    return measurements, notes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="P6-http: the workbench over HTTP, p95.")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--templates", type=int, default=400)
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    pg = None if args.no_pg else args.pg_url
    measurements, notes = measure(args.scale, args.seed, args.templates, pg)
    print("\n".join(console_lines(measurements)))
    print("\n".join(notes))
    return 0 if all(m.met is not False for m in measurements) else 1


if __name__ == "__main__":
    sys.exit(main())
