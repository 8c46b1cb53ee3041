"""P6: the workbench's store calls on a large store, SQLite and Postgres.

The store is seeded like P4 (:mod:`bench.p4_seed`: copies of assembled corpus
articles with their tags, batched Core inserts): 100,000 articles of which
10,000 are in the reviewed period, at ``--scale 1``. Then, on one long-lived
``Store`` as ``vric serve`` holds it, each call is timed many times after a
warm-up pass:

- ``store.queue`` page 1 (50 items) unfiltered by score and by date, and with
  each common filter (status, section, actor, state media, score range,
  language), plus a deep page;
- full-text search (``QueueQuery.q``): one word, two words, an accent-free
  spelling, a phrase, an ``or``, and hostile text;
- a decision round trip: ``store.decide`` with the version the queue showed
  (the compare-and-set in one write transaction), as ``POST
  /api/items/{id}/decision`` does.

Judged by the 95th percentile of each kind (the issue's budgets): queue
≤ 150 ms, search ≤ 250 ms, decision ≤ 50 ms; each run's p95 is one value, so
the table shows the median p95 of the runs with its min and max.

    python -m bench.p6_workbench [--scale 0.1] [--runs 3] [--no-pg] [--pg-url URL]

Seeding is setup, never measured; it is the slow part (about 300 s per backend
at ``--scale 1`` on 2 cores, so ``--scale 0.1`` takes about half a minute).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import PG_DEFAULT, base_config, postgres_database, postgres_reachable, temp_dir
from bench.p4_seed import TARGET_PERIOD, Seeder, templates
from bench.report import Measurement, Target, console_lines
from pipeline.store import DecisionChange, QueueQuery, Store

FULL_ARTICLES = 100_000
FULL_PERIOD = 10_000
TARGETS = {"queue": Target("<=", 150.0), "search": Target("<=", 250.0),
           "decide": Target("<=", 50.0)}  # fmt: skip
CALLS_PER_RUN = 60  # timed calls of each kind per run (p95 = the 3rd slowest)

QUEUE_VARIANTS: dict[str, dict[str, Any]] = {
    "page 1 by score": {},
    "page 1 by date": {"sort": "date"},
    "status candidate": {"status": "candidate"},
    "status included": {"status": "included"},
    "section russia": {"section": "russia"},
    "actor china": {"actor": "china"},
    "state media": {"state_media": True},
    "score 30-50": {"score_min": 30.0, "score_max": 50.0},  # about half the candidates
    "language pt, by date": {"language": "pt", "sort": "date"},
    "page 20": {"page": 20},
}
SEARCHES = ["Kremlin", "Huawei Brasil", "cooperacion", "energía nuclear", '"Xi Jinping"',
            "Rosatom or Rosneft", "Maduro -Caracas", "PDVSA*", 'NEAR( "OR" *']  # fmt: skip


@dataclass(frozen=True)
class Timings:
    """Milliseconds per call, by kind, for one run."""

    by_kind: dict[str, list[float]]
    by_variant: dict[str, list[float]]


def p95(values: Sequence[float]) -> float:
    """The 95th percentile (inclusive method: exact for the observed calls)."""
    if len(values) < 2:
        return float(values[0]) if values else float("nan")
    return float(statistics.quantiles(values, n=20, method="inclusive")[-1])


def _ms(call: Callable[[Any], Any], arg: Any) -> float:
    t0 = time.perf_counter()
    call(arg)
    return (time.perf_counter() - t0) * 1000


def one_run(store: Store, calls: int) -> Timings:
    """``calls`` timed calls of each kind, cycling through the variants."""
    by_variant: dict[str, list[float]] = {}
    kinds: dict[str, list[float]] = {"queue": [], "search": [], "decide": []}
    queue = itertools.cycle(QUEUE_VARIANTS.items())
    for _ in range(calls):
        name, filters = next(queue)
        ms = _ms(store.queue, QueueQuery(TARGET_PERIOD, **filters))
        kinds["queue"].append(ms)
        by_variant.setdefault(f"queue: {name}", []).append(ms)
    search = itertools.cycle(SEARCHES)
    for _ in range(calls):
        text = next(search)
        ms = _ms(store.queue, QueueQuery(TARGET_PERIOD, q=text))
        kinds["search"].append(ms)
        by_variant.setdefault(f"search: {text}", []).append(ms)
    items = store.queue(QueueQuery(TARGET_PERIOD, per_page=calls)).items
    for n, item in enumerate(items):
        status = ("included", "excluded", "candidate")[n % 3]
        if status == item.status:
            status = "excluded" if status == "included" else "included"
        change = DecisionChange(item.id, status, None, "bench", item.version, "bench", "web")
        kinds["decide"].append(_ms(store.decide, [change]))
    return Timings(kinds, by_variant)


def measure_backend(
    label: str, url: str, articles: int, period: int, runs: int, records: Sequence[Any]
) -> tuple[list[Measurement], list[str]]:
    store = Store(url)
    store.upgrade()
    t0 = time.perf_counter()
    Seeder(store, records, period).grow_to(articles)
    seeded = time.perf_counter() - t0
    one_run(store, len(QUEUE_VARIANTS) + len(SEARCHES))  # warm-up: caches, plans
    results = [one_run(store, CALLS_PER_RUN) for _ in range(runs)]
    sizes = _sizes(store)
    store.close()
    mid = f"P6-{label}"
    where = f"{period:,}-article period in {articles:,}"
    out = [
        Measurement(mid, f"queue page p95 ({len(QUEUE_VARIANTS)} filter/sort variants), {where}",
                    "ms", [p95(r.by_kind["queue"]) for r in results], TARGETS["queue"],
                    judged=True),
        Measurement(mid, f"full-text search p95 ({len(SEARCHES)} queries), {where}", "ms",
                    [p95(r.by_kind["search"]) for r in results], TARGETS["search"], judged=True),
        Measurement(mid, "decision round trip p95 (decide() with the shown version)", "ms",
                    [p95(r.by_kind["decide"]) for r in results], TARGETS["decide"], judged=True),
    ]  # fmt: skip
    slowest = _slowest(results)
    notes = [
        f"{label}: seeded {articles:,} articles ({period:,} in {TARGET_PERIOD}; "
        f"{sizes['queue']:,} in its queue, {sizes['relevant_share']:.0%} of the period) "
        f"in {seeded:.0f} s (setup, not measured).",
        f"{label}: slowest variants by median: {slowest}.",
        f"{label}: search hits: " + ", ".join(f"`{q}` {n:,}" for q, n in sizes["hits"].items()),
    ]
    return out, notes


def _sizes(store: Store) -> dict[str, Any]:
    queue = store.queue(QueueQuery(TARGET_PERIOD, per_page=1)).total
    period = store.count_articles(TARGET_PERIOD) or 1
    hits = {q: store.queue(QueueQuery(TARGET_PERIOD, q=q, per_page=1)).total for q in SEARCHES}
    return {"queue": queue, "relevant_share": queue / period, "hits": hits}


def _slowest(results: Sequence[Timings]) -> str:
    merged: dict[str, list[float]] = {}
    for r in results:
        for name, values in r.by_variant.items():
            merged.setdefault(name, []).extend(values)
    ranked = sorted(merged.items(), key=lambda kv: statistics.median(kv[1]), reverse=True)
    return "; ".join(f"{name} {statistics.median(v):.0f} ms" for name, v in ranked[:3])


def measure(
    scale: float, runs: int, seed: int, templates_n: int, pg_url: str | None
) -> tuple[list[Measurement], list[str]]:
    """P6 on SQLite, then on Postgres when ``pg_url`` is given (a database is
    created there and dropped)."""
    articles, period = max(200, int(FULL_ARTICLES * scale)), max(100, int(FULL_PERIOD * scale))
    records = templates(base_config(), templates_n, seed)
    measurements: list[Measurement] = []
    notes = [f"scale {scale:g}: {articles:,} articles, {period:,} in the period; "
             f"{runs} runs of {CALLS_PER_RUN} calls of each kind."]  # fmt: skip
    with temp_dir("vric-bench-p6-") as tmp:
        m, n = measure_backend("sqlite", f"sqlite:///{tmp / 'p6.db'}", articles, period, runs,
                               records)  # fmt: skip
        measurements += m
        notes += n
    if pg_url:
        with postgres_database(pg_url) as url:
            m, n = measure_backend("postgres", url, articles, period, runs, records)
            measurements += m
            notes += n
    return measurements, notes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="P6: workbench store calls, p95 vs budgets.")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of 100,000 articles / 10,000 in the period (default 1)",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--templates", type=int, default=400)
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    pg = None if args.no_pg or postgres_reachable(args.pg_url) else args.pg_url
    measurements, notes = measure(args.scale, args.runs, args.seed, args.templates, pg)
    print("\n".join(console_lines(measurements)))
    print("\n".join(notes))
    if args.out:
        import json

        doc = {"measurements": [m.as_dict() for m in measurements], "notes": notes}
        args.out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return 0 if all(m.met is not False for m in measurements) else 1


if __name__ == "__main__":
    sys.exit(main())
