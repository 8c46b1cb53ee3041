"""P4: period CSV export and period bundle on a large store, SQLite and Postgres.

The store is seeded (:mod:`bench.p4_seed`) with a target period of a fixed
size, then grown with articles of other periods; at each database size the
export (``pipeline.curate.export.export_period``, as ``vric export csv``) and the
bundle (``pipeline.curate.bundle.build_bundle``, as ``vric bundle``) run in a fresh
child process that reports the operation's wall time and its peak RSS. The
statements they send are captured once per backend and explained
(``EXPLAIN QUERY PLAN`` / ``EXPLAIN``): a full scan of a large table in a
period query is listed.

The bundle is built with ``--formats html,md,csv``: the lists, digest and
tables the budget was set for. The PDF and DOCX digests cost about 35 ms per
item in WeasyPrint (a bench-sized uncurated period of 3,358 items would take
minutes, a curated one of a few hundred items seconds); they are not part of
this budget.

Judged at the largest size: export ≤ 3 s, bundle ≤ 5 s, peak RSS ≤ 200 MB,
and "flat as the database grows", read here as the time at the largest size
at most 1.25 times the time at the smallest (same period, same rows).

    python -m bench.p4_export child --url URL --op export --period 2021-08 --out DIR [--explain]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import ROOT, base_config, peak_rss_mb, postgres_database, rss_mb, temp_dir
from bench.p4_seed import TARGET_PERIOD, Seeder, templates
from bench.profiles import profile_call
from bench.report import Measurement, Target, shown
from pipeline.config import Config
from pipeline.store import Store

TARGETS = {"export": Target("<=", 3.0), "bundle": Target("<=", 5.0)}
RSS_TARGET = Target("<=", 200.0)
LARGE_TABLES = ("articles", "tags", "entries", "decisions")
LARGE_ROWS = 10_000  # a full scan of a table this size in a period query is listed
FLAT_TARGET = Target("<=", 1.25)


# ---------------------------------------------------------------- child process


def _capture(store: Store) -> dict[str, Any]:
    from sqlalchemy import event

    seen: dict[str, Any] = {}

    def record(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.setdefault(statement, params)

    event.listen(store.engine, "before_cursor_execute", record)
    return seen


def explain(store: Store, statements: dict[str, Any]) -> list[dict[str, Any]]:
    prefix = "EXPLAIN QUERY PLAN " if store.dialect == "sqlite" else "EXPLAIN "
    out = []
    captured = list(statements.items())  # before the counts below are captured too
    with store.engine.connect() as conn:
        big = {t for t in LARGE_TABLES if _rows(conn, t) >= LARGE_ROWS}
        for statement, params in captured:
            rows = conn.exec_driver_sql(prefix + statement, params).all()
            plan = [str(r[-1]) if store.dialect == "sqlite" else str(r[0]) for r in rows]
            out.append(
                {
                    "statement": " ".join(statement.split())[:400],
                    "plan": plan,
                    "full_scans": full_scans(plan, store.dialect, big),
                }
            )
    return out


def _rows(conn: Any, table: str) -> int:
    return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())


def full_scans(plan: Sequence[str], dialect: str, big: Collection[str] = LARGE_TABLES) -> list[str]:
    """Plan lines that read the whole of a large table (a small one may well be scanned)."""
    hits = []
    for line in plan:
        text = line.strip()
        if dialect == "sqlite" and text.startswith("SCAN ") and text.split()[1] in big:
            hits.append(text)
        if (
            dialect != "sqlite"
            and "Seq Scan on" in text
            and text.split("Seq Scan on ")[1].split()[0] in big
        ):
            hits.append(text.strip("-> "))
    return hits


def _operate(store: Store, config: Config, op: str, period: str, out: Path) -> int:
    if op == "export":
        from pipeline.curate.export import export_period

        return export_period(store, period, out / "export.csv", registry=config.registry).rows
    from pipeline.curate.bundle import build_bundle

    bundle = build_bundle(
        store, config, period, out, now=datetime.now(UTC), formats=("html", "md", "csv")
    )
    return int(bundle.manifest.get("total", 0))


def child(
    url: str, op: str, period: str, out: Path, with_explain: bool, profile: Path | None = None
) -> dict[str, Any]:
    config = base_config()
    config.registry, config.compiled_rules  # noqa: B018 -- load before the clock starts
    store = Store(url)
    statements = _capture(store) if with_explain else {}
    start_rss = rss_mb()
    t0 = time.perf_counter()
    hot = ""
    if profile is not None:
        count, hot = profile_call(
            lambda: _operate(store, config, op, period, out),
            profile,
            title=f"P4: {op} of period {period} on {store.dialect} (cProfile)",
        )
    else:
        count = _operate(store, config, op, period, out)
    seconds = time.perf_counter() - t0
    doc: dict[str, Any] = {
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "start_rss_mb": start_rss,
        "rows": count,
        "hot": hot,
    }
    if with_explain:
        doc["plans"] = explain(store, statements)
    store.close()
    return doc


def run_child(
    url: str, op: str, period: str, *, with_explain: bool = False, profile: Path | None = None
) -> dict[str, Any]:
    with temp_dir("vric-bench-p4o-") as out:
        cmd = [
            sys.executable,
            "-m",
            "bench.p4_export",
            "child",
            "--url",
            url,
            "--op",
            op,
            "--period",
            period,
            "--out",
            str(out),
        ]
        cmd += ["--explain"] if with_explain else []
        cmd += ["--profile", str(profile)] if profile else []
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"P4 child failed ({op}): {proc.stderr[-2000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------- parent


def measure_backend(
    label: str,
    url: str,
    sizes: Sequence[int],
    target_size: int,
    runs: int,
    seed: int,
    records: Sequence[Any],
    out_dir: Path,
    profiles: bool = True,
) -> tuple[list[Measurement], list[str]]:
    store = Store(url)
    store.upgrade()
    seeder = Seeder(store, records, target_size, seed)
    by_size: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for size in sizes:
        seeder.grow_to(size)
        last = size == sizes[-1]
        n = runs if size in (sizes[0], sizes[-1]) else 1  # the "flat" ratio compares these two
        by_size[size] = {op: _runs(url, op, n, explain=last) for op in TARGETS}
    # The statements of the last timed run at the largest size are explained after
    # its clock stopped (capturing them costs a dict lookup per statement).
    plans = {op: by_size[sizes[-1]][op][-1]["plans"] for op in TARGETS}
    hot = {}
    for op in TARGETS if profiles else ():  # one more run each, profiled (not timed)
        path = out_dir / "profiles" / f"P4-{label}-{op}.txt"
        hot[op] = run_child(url, op, TARGET_PERIOD, profile=path)["hot"]
    store.close()
    notes = _plan_notes(label, plans, out_dir / "plans")
    notes += [
        f"{label} {op} at {sizes[-1]:,} articles, profile "
        f"`{shown(out_dir / 'profiles' / f'P4-{label}-{op}.txt')}`: {spots}."
        for op, spots in hot.items()
    ]
    return _measurements(label, sizes, by_size, target_size), notes


def _runs(url: str, op: str, n: int, *, explain: bool) -> list[dict[str, Any]]:
    """``n`` timed runs; the last one also explains its statements when asked."""
    return [
        run_child(url, op, TARGET_PERIOD, with_explain=explain and i == n - 1) for i in range(n)
    ]


def _measurements(
    label: str, sizes: Sequence[int], by_size: Any, target_size: int
) -> list[Measurement]:
    big, small = sizes[-1], sizes[0]
    out = []
    for op in ("export", "bundle"):
        runs = by_size[big][op]
        rows = runs[-1]["rows"]
        secs = [r["seconds"] for r in runs]
        out.append(
            Measurement(
                f"P4-{label}",
                f"{op} of {target_size:,} period articles ({rows:,} rows) in {big:,}",
                "s",
                secs,
                TARGETS[op],
                judged=True,
            )
        )
        out.append(
            Measurement(
                f"P4-{label}",
                f"{op} peak RSS",
                "MB",
                [r["peak_rss_mb"] for r in runs],
                RSS_TARGET,
                judged=True,
            )
        )
        out.append(
            Measurement(
                f"P4-{label}",
                f"{op}: RSS before the operation (imports, config)",
                "MB",
                [r["start_rss_mb"] for r in runs],
            )
        )
        for size in sizes[:-1]:
            out.append(
                Measurement(
                    f"P4-{label}",
                    f"{op} in {size:,} articles",
                    "s",
                    [r["seconds"] for r in by_size[size][op]],
                )
            )
        growth = [s / _median([r["seconds"] for r in by_size[small][op]]) for s in secs]
        out.append(
            Measurement(
                f"P4-{label}",
                f"{op} time at {big:,} ÷ at {small:,} (flat)",
                "ratio",
                growth,
                FLAT_TARGET,
                judged=True,
            )
        )
    return out


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _plan_notes(label: str, plans: dict[str, list[dict[str, Any]]], plan_dir: Path) -> list[str]:
    plan_dir.mkdir(parents=True, exist_ok=True)
    path = plan_dir / f"P4-{label}.txt"
    lines: list[str] = []
    scans: dict[tuple[str, str], set[str]] = {}  # (scan, query head) -> operations
    for op, items in plans.items():
        for item in items:
            lines += [f"[{op}] {item['statement']}", *[f"    {p}" for p in item["plan"]], ""]
            for scan in item["full_scans"]:
                key = (scan.split("  (cost")[0], _query_head(item["statement"]))
                scans.setdefault(key, set()).add(op)
    path.write_text("\n".join(lines), encoding="utf-8")
    total = sum(len(v) for v in plans.values())
    head = f"{label}: {total} distinct SELECTs explained, plans in `{shown(path)}`"
    if not scans:
        return [head + "; no period query reads a large table in full."]
    notes = [f"{label} ({', '.join(sorted(ops))}): full scan `{scan}` in `{query}…`"
             for (scan, query), ops in scans.items()]  # fmt: skip
    return [head + "; full scans of large tables:", *notes]


def _query_head(statement: str) -> str:
    """The statement up to its WHERE clause: enough to name the query."""
    return statement.split(" WHERE ", maxsplit=1)[0][:150]


def measure(
    sizes: Sequence[int],
    target_size: int,
    runs: int,
    seed: int,
    templates_n: int,
    pg_url: str | None,
    out_dir: Path,
    profiles: bool = True,
) -> tuple[list[Measurement], list[str]]:
    """P4 on SQLite, then on Postgres when ``pg_url`` is given (a database is
    created there and dropped); ``profiles`` False skips the profiled runs."""
    config = base_config()
    records = templates(config, templates_n, seed)
    measurements: list[Measurement] = []
    notes: list[str] = []
    with temp_dir("vric-bench-p4-") as tmp:
        m, n = measure_backend(
            "sqlite", f"sqlite:///{tmp / 'p4.db'}", sizes, target_size, runs, seed, records,
            out_dir, profiles,
        )  # fmt: skip
        measurements += m
        notes += n
    if pg_url:
        with postgres_database(pg_url) as url:
            m, n = measure_backend(
                "postgres", url, sizes, target_size, runs, seed, records, out_dir, profiles
            )
            measurements += m
            notes += n
    return measurements, notes


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="P4 child: one export or bundle, measured.")
    parser.add_argument("command", choices=["child"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--op", choices=["export", "bundle"], required=True)
    parser.add_argument("--period", default=TARGET_PERIOD)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args(argv)
    doc = child(args.url, args.op, args.period, args.out, args.explain, args.profile)
    print(json.dumps(doc))


if __name__ == "__main__":
    main()
