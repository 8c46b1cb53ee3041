"""Every command that prints a table also accepts ``--json`` (issue 18).

The command tree is walked from ``vric``; a command "prints a table" when its
callback, or a function of its module it calls (transitively), calls one of
the table printers. A new command with a table and no ``--json`` fails here.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Iterator
from functools import cache

import click

from pipeline.cli import cli

TABLE_PRINTERS = {"print_table", "print_counts", "print_cycle", "Table"}

# Commands that print a table on purpose without --json, and why.
WITHOUT_JSON: dict[str, str] = {}


def _commands(
    cmd: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, click.Command]]:
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), cmd


@cache
def _calls_by_function(module_name: str) -> dict[str, set[str]]:
    """For each function of a module (nested ones included): the names it calls."""
    tree = ast.parse(inspect.getsource(sys.modules[module_name]))
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = {
                call.func.id if isinstance(call.func, ast.Name) else call.func.attr
                for call in ast.walk(node)
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name | ast.Attribute)
            }
    return found


def _prints_table(callback: object) -> bool:
    source = textwrap.dedent(inspect.getsource(callback))  # type: ignore[arg-type]
    module = _calls_by_function(callback.__module__)  # type: ignore[attr-defined]
    todo = [
        call.func.id if isinstance(call.func, ast.Name) else call.func.attr
        for call in ast.walk(ast.parse(source))
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name | ast.Attribute)
    ]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in TABLE_PRINTERS:
            return True
        if name in seen or name not in module:
            continue
        seen.add(name)
        todo.extend(module[name])
    return False


def _has_json(cmd: click.Command) -> bool:
    return any("--json" in getattr(p, "opts", ()) for p in cmd.params)


def test_every_command_that_prints_a_table_accepts_json() -> None:
    tables = {path for path, cmd in _commands(cli) if _prints_table(cmd.callback)}
    missing = sorted(path for path, cmd in _commands(cli) if path in tables and not _has_json(cmd))
    assert missing == sorted(WITHOUT_JSON), (
        f"print a table without --json: {missing}; add --json or list the command "
        "in WITHOUT_JSON with the reason"
    )
    # The walk sees the tables it should (a detector that finds nothing proves nothing).
    assert {"feeds status", "status", "periods", "backfill", "demo", "rules test"} <= tables


def test_rules_test_json_has_the_numbers_of_its_tables() -> None:
    import json
    from pathlib import Path

    from click.testing import CliRunner

    sample = Path(__file__).parents[1] / "tagging" / "sample.yaml"
    result = CliRunner().invoke(cli, ["rules", "test", str(sample), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["items"] > 100 and doc["below_floor"] == []
    assert {"russia", "china", "iran"} <= set(doc["actor"]["tags"])
    assert 0.0 < doc["actor"]["micro"]["f1"] <= 1.0
