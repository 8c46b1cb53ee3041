"""P6-http: the workbench over HTTP, as an analyst's browser meets it.

The store is seeded as in :mod:`bench.p6_workbench` (100,000 articles, 10,000 in
the reviewed period at ``--scale 1``); ``vric serve``'s app runs under uvicorn
on 127.0.0.1 and one keep-alive client, logged in as an analyst, times:

- the review queue page (``GET /periods/P/review``, pages 1 to 5) and
  ``GET /api/periods/P/items`` (pages, filters, date sort): budget p95 ≤ 150 ms;
- full-text search through ``/api/periods/P/items?q=``: p95 ≤ 250 ms;
- a decision round trip (``POST /api/items/{id}/decision`` with the shown
  version), followed by the meter read the page's script makes: p95 ≤ 50 ms
  for the decision.

The live meter is read once before timing (the server warms it at start: that
read is reported, not judged). SQLite only unless ``--pg-url`` answers.

    python -m bench.p6_http [--scale 0.1] [--no-pg]
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bench.harness import PG_DEFAULT, base_config, postgres_database, postgres_reachable, temp_dir
from bench.p4_seed import TARGET_PERIOD, Seeder, templates
from bench.p6_workbench import FULL_ARTICLES, FULL_PERIOD, p95
from bench.report import Measurement, Target, console_lines
from pipeline.accounts import hash_password
from pipeline.store import Store
from pipeline.web.app import WebOptions, create_app

TARGETS = {"page": Target("<=", 150.0), "search": Target("<=", 250.0),
           "decide": Target("<=", 50.0)}  # fmt: skip
CALLS = 40
PASSWORD = "bench password 1"
ITEM_VARIANTS = ("", "&state_media=true", "&sort=date", "&status=candidate", "&actor=china",
                 "&score_min=2&score_max=5", "&section=russia")  # fmt: skip
SEARCHES = ("venezuela", "rusia china", "acuerdo energético", '"gas natural"', "cuba or nicaragua")


class Served:
    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False,
                                                    lifespan="off"))  # fmt: skip
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)  # fmt: skip

    def __enter__(self) -> Served:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


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


def measure_backend(label: str, url: str, articles: int, period: int,
                    records: Sequence[Any]) -> tuple[list[Measurement], list[str]]:  # fmt: skip
    store = Store(url)
    store.upgrade()
    Seeder(store, records, period).grow_to(articles)
    if store.get_user("ana") is None:
        store.add_user("ana", "analyst", hash_password(PASSWORD))
    app = create_app(store, base_config(), WebOptions())
    p = TARGET_PERIOD
    with Served(app) as served, httpx.Client(base_url=served.url, timeout=60) as client:
        login(client)
        t0 = time.perf_counter()
        client.get(f"/api/periods/{p}/meter").raise_for_status()
        meter_s = time.perf_counter() - t0

        def page(i: int) -> None:
            if i % 2:
                client.get(f"/periods/{p}/review?page={1 + i % 5}").raise_for_status()
            else:
                variant = ITEM_VARIANTS[(i // 2) % len(ITEM_VARIANTS)]
                client.get(f"/api/periods/{p}/items?page=1{variant}").raise_for_status()

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

        _timed(page, 6)  # warm-up
        pages = _timed(page, CALLS)
        searches = _timed(search, CALLS)
        _timed(decide, min(CALLS, len(items)))
    store.close()
    mid = f"P6-http-{label}"
    where = f"{period:,}-article period in {articles:,}"
    out = [
        Measurement(mid, f"review page + items API p95, {where}", "ms", [p95(pages)],
                    TARGETS["page"], judged=True),
        Measurement(mid, "full-text search via the items API p95", "ms", [p95(searches)],
                    TARGETS["search"], judged=True),
        Measurement(mid, "decision POST p95 (version compare-and-set)", "ms", [p95(decide_ms)],
                    TARGETS["decide"], judged=True),
        Measurement(mid, "meter read after a decision p95 (not judged)", "ms", [p95(meter_ms)]),
    ]  # fmt: skip
    notes = [f"{label}: first meter read of the period {meter_s:.1f} s (the server warms it at "
             "start; not judged)."]  # fmt: skip
    return out, notes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="P6-http: the workbench over HTTP, p95.")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--templates", type=int, default=400)
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    articles = max(200, int(FULL_ARTICLES * args.scale))
    period = max(100, int(FULL_PERIOD * args.scale))
    records = templates(base_config(), args.templates, args.seed)
    measurements: list[Measurement] = []
    notes: list[str] = []
    with temp_dir("vric-bench-p6http-") as tmp:
        m, n = measure_backend("sqlite", f"sqlite:///{Path(tmp) / 'p6.db'}", articles, period,
                               records)  # fmt: skip
        measurements += m
        notes += n
    if not args.no_pg and postgres_reachable(args.pg_url) is None:
        with postgres_database(args.pg_url) as url:
            m, n = measure_backend("pg", url, articles, period, records)
            measurements += m
            notes += n
    print("\n".join(console_lines(measurements)))
    print("\n".join(notes))
    return 0 if all(m.met is not False for m in measurements) else 1


if __name__ == "__main__":
    sys.exit(main())
