"""cProfile helpers: run a call under the profiler, keep the listing, and a
one-line summary of where the time went for the results table."""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def profile_call(fn: Callable[[], T], path: Path, *, title: str, top: int = 30) -> tuple[T, str]:
    """Run ``fn`` under cProfile; write the top functions (cumulative, then own
    time) to ``path``; return ``fn``'s result and :func:`hot_spots`."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        result = fn()
    finally:
        profiler.disable()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n\n{listing(profiler, top)}", encoding="utf-8")
    return result, hot_spots(pstats.Stats(profiler))


def listing(profiler: cProfile.Profile, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs()
    out.write("== by cumulative time ==\n")
    stats.sort_stats("cumulative").print_stats(top)
    out.write("\n== by own time ==\n")
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def _name(key: tuple[str, int, str]) -> str:
    filename, _, func = key
    if filename == "~":  # a builtin
        return func.strip("<>")
    module = filename.rsplit("/", 1)[-1].removesuffix(".py")
    return f"{module}.{func}"


def hot_spots(stats: pstats.Stats, *, count: int = 6, package: str = "/pipeline/") -> str:
    """``cumulative: a 3.1 s (62 %), ...; own time: b 1.2 s, ...``.

    Cumulative: the package's own functions under the profiled call, outermost
    excluded; own time: any function (a lock wait here means the main thread
    was waiting for workers).
    """
    table = stats.stats  # type: ignore[attr-defined]
    entries = [(key, row[2], row[3]) for key, row in table.items()]
    total = max((cum for _, _, cum in entries), default=0.0) or 1.0
    ours = sorted((e for e in entries if package in e[0][0]), key=lambda e: -e[2])[1 : count + 1]
    own = sorted(entries, key=lambda e: -e[1])[:count]
    cumulative = ", ".join(f"{_name(k)} {c:.2f} s ({c / total:.0%})" for k, _, c in ours)
    own_time = ", ".join(f"{_name(k)} {t:.2f} s" for k, t, _ in own)
    return f"cumulative: {cumulative}; own time: {own_time}"
