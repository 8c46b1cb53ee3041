"""P5: memory of a long-running ingest loop (run in a fresh child process).

``Ingestor.run_once`` in a loop in one process (the strictest case: the
daemon runs each cycle in a fresh child process, so its parent cannot grow
from cycle work), against a local server whose feeds move on by one item
per cycle on some feeds and never change on the others (304 or same body).
The clock is simulated: each cycle is one feed interval later, so every
feed is due every cycle and the 30-day near-duplicate window fills up and
then slides, as it would over weeks.

``measure_in_child`` starts ``python -m bench.p5_memory`` so that nothing the
other scenarios left in the benchmark's own process blurs the reading.
Judged by the main process's RSS at the last checkpoint against the first
(target: growth ≤ 5 %). The extractor workers are recycled by design and
reported only for information.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bench.corpus import START
from bench.harness import ROOT, base_config, bench_config, children_rss_mb, rss_mb, temp_dir, timed
from bench.report import Measurement, Target
from bench.server import ServerProcess
from bench.sites import ROLLING_STEP, RollingSite, rolling_site
from pipeline.ingest.runtime import ingestor
from pipeline.store import Store

logger = logging.getLogger(__name__)

GROWTH_TARGET = Target("<=", 5.0)
FEEDS, MOVING, WINDOW = 6, 1, 10
INTERVAL_MIN = 360  # the feeds' interval: one simulated step per cycle


class SimClock:
    """A clock the loop moves forward by one step per cycle."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, step: timedelta) -> None:
        self.now += step


def measure(
    checkpoints: Sequence[int], seed: int, capacity: int = 20_000
) -> tuple[list[Measurement], list[str]]:
    base = base_config()
    site = RollingSite(FEEDS, MOVING, WINDOW, seed, capacity)  # for its URLs only
    specs = [
        {"id": f"p5-{f}", "url": site.feed_url(f), "outlet": "unknown", "interval": INTERVAL_MIN}
        for f in range(FEEDS)
    ]
    factory = functools.partial(rolling_site, FEEDS, MOVING, WINDOW, seed, capacity)
    readings: dict[int, tuple[float, float]] = {}
    cycle_ms: list[float] = []
    report: dict[str, Any] = {}
    probe = sorted({*checkpoints, *_probes(checkpoints[-1])})
    with ServerProcess(factory) as server, temp_dir("vric-bench-p5-") as tmp:
        config = bench_config(
            base,
            specs,
            f"sqlite:///{tmp / 'p5.db'}",
            allow_hosts={f"127.0.0.1:{server.port}"},
            fetch={"min_host_interval": 0.0},
        )
        store = Store(config.settings.database_url)
        store.upgrade()
        clock = SimClock(START + ROLLING_STEP * WINDOW + timedelta(minutes=5))
        with ingestor(config, store, resolver=server.resolve, owner="bench-p5", clock=clock) as ing:
            for cycle in range(1, checkpoints[-1] + 1):
                server.set_tick(WINDOW + cycle)
                with timed() as t:
                    report = ing.run_once().as_dict()
                cycle_ms.append(t[0].wall * 1000)
                clock.advance(ROLLING_STEP)
                if cycle in probe:
                    readings[cycle] = (rss_mb(), children_rss_mb(exclude=server.pid))
            articles = store.count_articles()
        store.close()
    return _measurements(checkpoints, readings, cycle_ms), _notes(probe, readings, articles, report)


def _probes(last: int) -> list[int]:
    return [max(1, last * k // 10) for k in range(1, 11)]


def _measurements(
    checkpoints: Sequence[int], readings: dict[int, tuple[float, float]], cycle_ms: list[float]
) -> list[Measurement]:
    first, last = checkpoints[0], checkpoints[-1]
    growth = (readings[last][0] - readings[first][0]) / readings[first][0] * 100
    mid = cycle_ms[len(cycle_ms) // 2 :]
    return [
        Measurement(
            "P5",
            f"main-process RSS growth, cycle {first} → {last}",
            "%",
            [growth],
            GROWTH_TARGET,
            judged=True,
        ),
        Measurement("P5", f"main-process RSS at cycle {first}", "MB", [readings[first][0]]),
        Measurement("P5", f"main-process RSS at cycle {last}", "MB", [readings[last][0]]),
        Measurement(
            "P5", f"worker processes RSS at cycle {last} (recycled)", "MB", [readings[last][1]]
        ),
        Measurement("P5", "cycle wall time, second half of the loop", "ms", mid),
    ]


def _notes(
    probe: Sequence[int],
    readings: dict[int, tuple[float, float]],
    articles: int,
    report: dict[str, Any],
) -> list[str]:
    curve = ", ".join(f"{c}: {readings[c][0]:.0f}" for c in probe if c in readings)
    return [
        f"{FEEDS} feeds, {MOVING} moving one item per cycle; {articles} articles stored "
        "at the end; "
        f"last cycle report: feeds ok {report.get('feeds_ok')}, unchanged "
        f"{report.get('feeds_unchanged')}, new articles {report.get('articles_new')}, "
        f"errors {report.get('errors') or 'none'}.",
        f"Main-process RSS (MB) by cycle: {curve}.",
    ]


def measure_in_child(checkpoints: Sequence[int], seed: int) -> tuple[list[Measurement], list[str]]:
    cmd = [
        sys.executable,
        "-m",
        "bench.p5_memory",
        "--checkpoints",
        ",".join(map(str, checkpoints)),
        "--seed",
        str(seed),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"P5 child failed: {proc.stderr[-2000:]}")
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    return [Measurement.from_dict(m) for m in doc["measurements"]], list(doc["notes"])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="P5 in this process; prints JSON.")
    parser.add_argument("--checkpoints", default="100,1000")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    measurements, notes = measure([int(c) for c in args.checkpoints.split(",")], args.seed)
    print(json.dumps({"measurements": [m.as_dict() for m in measurements], "notes": notes}))


if __name__ == "__main__":
    main()
