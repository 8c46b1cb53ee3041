"""``python -m bench [--quick] [--only P1,P3] [--merge] [--pg-url URL | --no-pg] [--out DIR]``

Runs the scenarios (docs/benchmarks.md), prints every measurement next to
its target, and writes ``bench/results/latest.md`` and ``latest.json`` (plus
profiles and query plans under ``bench/results/``). The full run takes
about 12 minutes on 2 cores plus 10-20 for seeding P6's large stores,
``--quick`` under 2 minutes (no profiled runs).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import p1_ingest, p2_tagging, p3_polling, p4_export, p5_memory, p6_http, p6_workbench
from bench.harness import PG_DEFAULT, postgres_reachable
from bench.report import (
    Measurement,
    Results,
    console_lines,
    library_versions,
    machine_info,
    write_results,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SEED = 7


@dataclass(frozen=True)
class Scale:
    runs: int
    p1_articles: int
    p2_docs: int
    p2_naive_docs: int
    p3_feeds: int
    p3_runs: int
    p4_sizes: tuple[int, ...]
    p4_target: int
    p4_templates: int
    p4_runs: int
    p5_checkpoints: tuple[int, int]
    p6_scale: float  # of 100,000 articles / 10,000 in the period (bench.p6_workbench)
    profiles: bool  # profiled extra runs (the full mode; quick skips them)
    p1_stage_sample: int


FULL = Scale(
    runs=3,
    p1_articles=400,
    p2_docs=1500,
    p2_naive_docs=20,
    p3_feeds=1000,
    p3_runs=2,
    p4_sizes=(10_000, 40_000, 100_000),
    p4_target=10_000,
    p4_templates=400,
    p4_runs=3,
    p5_checkpoints=(100, 1000),
    p6_scale=1.0,
    profiles=True,
    p1_stage_sample=60,
)
QUICK = Scale(
    runs=2,
    p1_articles=80,
    p2_docs=300,
    p2_naive_docs=5,
    p3_feeds=150,
    p3_runs=1,
    p4_sizes=(2_000, 4_000),
    p4_target=2_000,
    p4_templates=60,
    p4_runs=1,
    p5_checkpoints=(10, 60),
    p6_scale=0.05,
    profiles=False,
    p1_stage_sample=15,
)

Scenario = Callable[[Scale, Path, str | None], tuple[list[Measurement], list[str]]]


def _p1(s: Scale, out: Path, pg: str | None) -> tuple[list[Measurement], list[str]]:
    profiles = out / "profiles" if s.profiles else None
    return p1_ingest.measure(s.p1_articles, s.runs, SEED, profiles, s.p1_stage_sample)


def _p2(s: Scale, out: Path, pg: str | None) -> tuple[list[Measurement], list[str]]:
    return p2_tagging.measure(s.p2_docs, s.p2_naive_docs, s.runs, SEED, out / "profiles")


def _p3(s: Scale, out: Path, pg: str | None) -> tuple[list[Measurement], list[str]]:
    profiles = out / "profiles" if s.profiles else None
    return p3_polling.measure(s.p3_feeds, 30, s.p3_runs, SEED, 0.1, profiles)


def _p4(s: Scale, out: Path, pg: str | None) -> tuple[list[Measurement], list[str]]:
    return p4_export.measure(
        s.p4_sizes, s.p4_target, s.p4_runs, SEED, s.p4_templates, pg, out, s.profiles
    )


def _p5(s: Scale, out: Path, pg: str | None) -> tuple[list[Measurement], list[str]]:
    return p5_memory.measure_in_child(s.p5_checkpoints, SEED)


def _p6(s: Scale, out: Path, pg: str | None) -> tuple[list[Measurement], list[str]]:
    """The store calls (P6-sqlite/-postgres), then the same over HTTP (P6-http-*)."""
    store, notes = p6_workbench.measure(s.p6_scale, s.runs, SEED, s.p4_templates, pg)
    http, more = p6_http.measure(s.p6_scale, SEED, s.p4_templates, pg)
    return store + http, notes + more


SCENARIOS: dict[str, Scenario] = {
    "P1": _p1, "P2": _p2, "P3": _p3, "P4": _p4, "P5": _p5, "P6": _p6,
}  # fmt: skip


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small scales, under 2 minutes")
    parser.add_argument("--only", help="comma-separated scenarios, e.g. P1,P4")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("VRIC_BENCH_PG_URL", PG_DEFAULT),
        help="admin URL of a Postgres server (a database is created and dropped)",
    )
    parser.add_argument("--no-pg", action="store_true", help="P4 and P6 on SQLite only")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--merge",
        action="store_true",
        help="replace only the chosen scenarios in the existing latest.json (re-run after a fix)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    scale = QUICK if args.quick else FULL
    chosen = [s.strip().upper() for s in args.only.split(",")] if args.only else list(SCENARIOS)
    started = time.perf_counter()
    machine = machine_info()
    pg = None if args.no_pg else args.pg_url
    results = Results(
        "quick" if args.quick else "full",
        datetime.now(UTC).isoformat(timespec="seconds"),
        machine,
        library_versions(),
    )
    if pg is not None:
        why = postgres_reachable(pg)
        if why is not None:
            results.note("P4", f"Postgres not measured: {why}")
            pg = None
        else:
            machine["postgres"] = _pg_version(pg)
    for name in chosen:
        print(f"== {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        measurements, notes = SCENARIOS[name](scale, args.out, pg)
        results.add(measurements)
        results.note(name, *notes, f"{name} took {time.perf_counter() - t0:.0f} s.")
        print("\n".join(console_lines(measurements)), flush=True)
    results.duration_s = time.perf_counter() - started
    previous = args.out / "latest.json"
    if args.merge and previous.exists():
        merged = Results.from_dict(json.loads(previous.read_text(encoding="utf-8")))
        merged.replace_scenarios(results, chosen)
        results = merged
    md, js = write_results(results, args.out)
    _summary(results, md, js)
    return 0


def _pg_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"Postgres {row[0] if row else '?'}"


def _summary(results: Results, md: Path, js: Path) -> None:
    print("\n== every measurement next to its target")
    print("\n".join(console_lines(results.measurements)))
    unmet = results.unmet()
    print(
        f"\n{len(unmet)} target(s) not met"
        + (": " + ", ".join(f"{m.id} {m.name}" for m in unmet) if unmet else "")
    )
    print(f"results: {md} and {js} ({results.duration_s / 60:.1f} min)")


if __name__ == "__main__":
    sys.exit(main())
