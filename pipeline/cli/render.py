"""Terminal rendering for humans (rich tables); JSON output lives in the commands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline.cli.common import printable

console = Console(highlight=False, soft_wrap=False)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.2f}"
    return printable(str(value))


def print_table(columns: Sequence[str], rows: Sequence[Mapping[str, Any]], title: str = "") -> None:
    table = Table(title=title or None, show_lines=False)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*(_fmt(row.get(c)) for c in columns))
    console.print(table)


def print_counts(title: str, counts: Mapping[str, Any]) -> None:
    table = Table(title=title)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in counts.items():
        table.add_row(printable(str(key)), _fmt(value))
    console.print(table)


def print_cycle(report: Mapping[str, Any]) -> None:
    flat = {k: v for k, v in report.items() if not isinstance(v, dict)}
    print_counts("cycle", flat)
    if report.get("errors"):
        print_counts("errors by code", report["errors"])
    if report.get("skipped"):
        print_counts("skipped by reason", report["skipped"])
