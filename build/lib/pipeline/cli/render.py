"""Terminal rendering for humans (rich tables); JSON output lives in the commands."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import (
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from pipeline.cli.common import printable

console = Console(highlight=False, soft_wrap=False)
T = TypeVar("T")


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.2f}"
    return printable(str(value))


def print_table(columns: Sequence[str], rows: Sequence[Mapping[str, Any]], title: str = "") -> None:
    """A table that fits the terminal (80 columns when piped): long values such
    as URLs fold onto the next line instead of being cut to ``http://127.…``;
    a row separator keeps folded rows apart. One row too wide for the terminal
    (``outlets lookup``) is shown as field/value lines instead."""
    if len(rows) == 1 and _folds(columns, rows):
        print_counts(title, {c: rows[0].get(c) for c in columns}, header=("field", "value"))
        return
    table = Table(title=title or None, show_lines=_folds(columns, rows))
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(_fmt(row.get(c)) for c in columns))
    console.print(table)


def _folds(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> bool:
    widths = [max([len(c), *(len(_fmt(r.get(c))) for r in rows)]) for c in columns]
    return sum(widths) + 3 * len(columns) + 1 > console.width


def print_counts(
    title: str, counts: Mapping[str, Any], header: tuple[str, str] = ("what", "count")
) -> None:
    table = Table(title=title or None)
    table.add_column(header[0], overflow="fold")
    table.add_column(
        header[1], justify="right" if header[1] == "count" else "left", overflow="fold"
    )
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


err_console = Console(stderr=True, highlight=False)


def track(items: Iterable[T], description: str) -> Iterator[T]:
    """A rich progress counter on a terminal; one plain line at the end otherwise."""
    if not err_console.is_terminal:
        n = 0
        for n, item in enumerate(items, 1):  # noqa: B007 - n is reported below
            yield item
        err_console.print(f"{description}: {n} done")
        return
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err_console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task(description, total=None)
        for item in items:
            yield item
            progress.advance(task)


@contextmanager
def working(description: str) -> Iterator[None]:
    """A spinner on a terminal while a long call runs; a plain line otherwise."""
    if err_console.is_terminal:
        with err_console.status(description):
            yield
    else:
        err_console.print(f"{description} ...")
        yield
