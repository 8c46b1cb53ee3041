"""Measurements and the results table (Markdown and JSON).

A :class:`Measurement` holds the value of every run; the table shows the
median, min and max, the target and whether it is met. A scenario may add
notes (why a target is not met, which profile shows it), shown under the
table. :func:`machine_info` and :func:`library_versions` describe where and
with what the numbers were taken.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import psutil

LIBRARIES: Final = (
    "trafilatura",
    "lxml",
    "feedparser",
    "langdetect",
    "pyahocorasick",
    "datasketch",
    "httpx",
    "httpcore",
    "SQLAlchemy",
    "psycopg",
    "pebble",
)


@dataclass(frozen=True)
class Target:
    op: str  # ">=" or "<="
    value: float

    def met(self, observed: float) -> bool:
        return observed >= self.value if self.op == ">=" else observed <= self.value

    def __str__(self) -> str:
        return f"{'≥' if self.op == '>=' else '≤'} {_fmt(self.value)}"


@dataclass
class Measurement:
    """One measured quantity; ``values`` has one entry per run."""

    id: str  # scenario id and variant, e.g. "P3-unchanged"
    name: str
    unit: str
    values: list[float]
    target: Target | None = None
    judged: bool = False  # the ratio (or limit) the scenario is judged by
    note: str = ""

    @property
    def median(self) -> float:
        return float(statistics.median(self.values)) if self.values else float("nan")

    @property
    def met(self) -> bool | None:
        if self.target is None or not self.values:
            return None
        return self.target.met(self.median)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Measurement:
        """The inverse of :meth:`as_dict` (a scenario run in a child process)."""
        t = doc.get("target")
        target = Target(t["op"], float(t["value"])) if t else None
        return cls(
            doc["id"],
            doc["name"],
            doc["unit"],
            [float(v) for v in doc["values"]],
            target,
            bool(doc.get("judged")),
            doc.get("note", ""),
        )

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["target"] = (
            None if self.target is None else {"op": self.target.op, "value": self.target.value}
        )
        out |= {
            "median": self.median,
            "min": min(self.values, default=None),
            "max": max(self.values, default=None),
            "met": self.met,
            "runs": len(self.values),
        }
        return out


@dataclass
class Results:
    mode: str
    started: str
    machine: dict[str, Any]
    versions: dict[str, str]
    measurements: list[Measurement] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)  # scenario id -> lines
    duration_s: float = 0.0

    def add(self, items: Iterable[Measurement]) -> None:
        self.measurements.extend(items)

    def note(self, scenario: str, *lines: str) -> None:
        self.notes.setdefault(scenario, []).extend(lines)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Results:
        return cls(
            doc["mode"], doc["started"], dict(doc["machine"]), dict(doc["versions"]),
            [Measurement.from_dict(m) for m in doc["measurements"]],
            {k: list(v) for k, v in doc.get("notes", {}).items()}, float(doc["duration_s"]),
        )  # fmt: skip

    def replace_scenarios(self, newer: Results, scenarios: Sequence[str]) -> None:
        """Keep this run's other scenarios; take ``scenarios`` from ``newer``."""
        keep = [m for m in self.measurements if scenario_of(m) not in scenarios]
        self.measurements = keep + newer.measurements
        self.measurements.sort(key=scenario_of)
        self.notes = {k: v for k, v in self.notes.items() if k not in scenarios}
        self.notes.update(newer.notes)
        self.notes = dict(sorted(self.notes.items()))
        rerun = ", ".join(scenarios)
        self.note("re-runs", f"{rerun} re-run {newer.started} ({newer.duration_s / 60:.1f} min)"
                  f" and merged into the {self.mode} run of {self.started}.")  # fmt: skip

    def unmet(self) -> list[Measurement]:
        return [m for m in self.measurements if m.met is False]

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "started": self.started,
            "duration_s": round(self.duration_s, 1),
            "machine": self.machine,
            "versions": self.versions,
            "measurements": [m.as_dict() for m in self.measurements],
            "notes": self.notes,
        }


def scenario_of(m: Measurement) -> str:
    """``P3`` for ``P3-changed``."""
    return m.id.split("-", 1)[0]


def _fmt(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "–"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if magnitude >= 0.1 or value == 0 else f"{value:.3f}"


def shown_value(m: Measurement, value: float | None) -> str:
    """``_fmt``, with more digits when rounding would hide why a target is missed."""
    text = _fmt(value)
    if m.target is not None and value is not None and text == _fmt(m.target.value):
        return f"{value:.4f}"
    return text


def verdict(m: Measurement) -> str:
    return {True: "met", False: "**not met**", None: ""}[m.met]


def table_rows(measurements: Sequence[Measurement]) -> list[str]:
    rows = [
        "| id | measure | median | min | max | unit | target | result |",
        "|---|---|---:|---:|---:|---|---|---|",
    ]
    for m in measurements:
        name = f"**{m.name}**" if m.judged else m.name
        lo, hi = (min(m.values), max(m.values)) if m.values else (None, None)
        rows.append(
            f"| {m.id} | {name} | {shown_value(m, m.median)} | {_fmt(lo)} | {_fmt(hi)} | "
            f"{m.unit} | {m.target or ''} | {verdict(m)} |"
        )
    return rows


def summary_rows(measurements: Sequence[Measurement]) -> list[str]:
    """The judged measurements only, for the README."""
    rows = ["| id | measure | median (min–max) | target | result |", "|---|---|---:|---|---|"]
    for m in measurements:
        if m.judged and m.values:
            spread = f"{shown_value(m, m.median)} ({_fmt(min(m.values))}–{_fmt(max(m.values))})"
            rows.append(
                f"| {m.id} | {m.name} | {spread} {m.unit} | {m.target or ''} | {verdict(m)} |"
            )
    return rows


def render_markdown(r: Results) -> str:
    m = r.machine
    lines = [
        f"Mode `{r.mode}`, started {r.started}, took {r.duration_s / 60:.1f} min.",
        f"Machine: {m.get('cpu_model')}, {m.get('cores')} cores ({m.get('usable_cores')} usable), "
        f"{m.get('memory_gb')} GB RAM, load average at start {m.get('load_average')}; "
        f"{m.get('os')}; Python {m.get('python')}; SQLite {m.get('sqlite')}; "
        f"{m.get('postgres', 'Postgres: not measured')}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in r.versions.items()) + ".",
        "",
        *table_rows(r.measurements),
        "",
        "Values are medians over the runs (min and max beside them); bold rows are the ratios "
        "each scenario is judged by.",
    ]
    for scenario, notes in r.notes.items():
        lines += ["", f"**{scenario}**", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def write_results(r: Results, out_dir: Path, stem: str = "latest") -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js = out_dir / f"{stem}.md", out_dir / f"{stem}.json"
    md.write_text("# Benchmark results\n\n" + render_markdown(r), encoding="utf-8")
    js.write_text(json.dumps(r.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return md, js


def console_lines(measurements: Sequence[Measurement]) -> list[str]:
    """One line per measurement: value next to its target."""
    out = []
    for m in measurements:
        target = f"  target {m.target}  {verdict(m).strip('*')}" if m.target else ""
        out.append(
            f"{m.id:<16} {m.name[:58]:<58} {shown_value(m, m.median):>9} {m.unit:<8}{target}"
        )
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, Any]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def library_versions(names: Sequence[str] = LIBRARIES) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def shown(path: Path) -> str:
    """A path as written in the results: relative to the repository when inside it."""
    root = Path(__file__).resolve().parents[1]
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)
