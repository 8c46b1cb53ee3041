"""P4's child process: one export or bundle in a fresh interpreter, measured.

It imports what ``vric export csv`` and ``vric bundle`` import and loads the
configuration as they do (settings, outlets, rules; the outlet registry),
nothing of the bench's seeding (the corpus, the assemble stages, the tagging
engine), so "RSS before the operation" is what a command holds before its
first query. It prints one JSON line: wall time, peak RSS (``VmHWM``), RSS
before the operation, rows, and with ``--explain`` the plan of every SELECT
the operation sent.

    python -m bench.p4_child --url URL --op export --period 2021-08 --out DIR [--explain]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.config import DEFAULTS_DIR, Config, load_config
from pipeline.store import Store

LARGE_TABLES = ("articles", "tags", "entries", "decisions")
LARGE_ROWS = 10_000  # a full scan of a table this size in a period query is listed


def _status_mb(field: str) -> float:
    """A ``/proc/self/status`` figure in MB (``VmRSS``, ``VmHWM``); 0 elsewhere.

    ``VmHWM`` is the process's own peak: ``ru_maxrss`` survives ``exec`` on
    Linux, so a child started by a big parent would report the parent's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


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
    # The shipped configuration, loaded as the commands load it: the outlet
    # registry is built before the clock starts (the commands build it before
    # their first query too); the tagging rules are not compiled (neither
    # command tags anything).
    config = load_config({"VRIC_CONFIG_DIR": str(DEFAULTS_DIR)})
    config.registry  # noqa: B018
    store = Store(url)
    statements = _capture(store) if with_explain else {}
    start_rss = _status_mb("VmRSS")
    t0 = time.perf_counter()
    hot = ""
    if profile is not None:
        from bench.profiles import profile_call

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
        "peak_rss_mb": _status_mb("VmHWM"),
        "start_rss_mb": start_rss,
        "rows": count,
        "hot": hot,
    }
    if with_explain:
        doc["plans"] = explain(store, statements)
    store.close()
    return doc


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="P4 child: one export or bundle, measured.")
    parser.add_argument("--url", required=True)
    parser.add_argument("--op", choices=["export", "bundle"], required=True)
    parser.add_argument("--period", default="2021-08")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args(argv)
    doc = child(args.url, args.op, args.period, args.out, args.explain, args.profile)
    print(json.dumps(doc))


if __name__ == "__main__":
    main()
