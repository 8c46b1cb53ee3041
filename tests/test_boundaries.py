"""The import rules of STYLE.md, enforced: the tests walk every module's
imports with ``ast``. A failure names the module and the import.

- third-party libraries only in their owner package (httpx in fetch...);
- nothing imports the thin shells (cli, daemon, web) but the CLI;
- no module imports another module's ``_private`` name (``from m import _x``
  or ``m._x`` on an imported pipeline module);
- no import cycle between the packages of ``pipeline``.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"

# third-party module -> the only package paths allowed to import it
OWNERS = {
    "httpx": ("fetch/",),
    "httpcore": ("fetch/",),
    "sqlalchemy": ("store/",),
    "alembic": ("store/",),
    "apscheduler": ("daemon/",),
    "yaml": ("config/",),
    "feedparser": ("parse/",),
    "trafilatura": ("extract/",),
    "starlette": ("web/",),  # the workbench app (issue 13)
    "uvicorn": ("cli/serve_cmd.py",),  # only `vric serve` runs a server
}
# Nothing but the CLI (and ``python -m pipeline``) may import the thin shells.
SHELLS = {
    "pipeline.cli": ("cli/", "__main__.py"),
    "pipeline.daemon": ("daemon/", "cli/"),
    "pipeline.web": ("web/", "cli/"),  # vric serve, vric demo --serve
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_package_has_modules() -> None:
    assert len(MODULES) > 50


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_respects_the_import_rules(path: Path) -> None:
    rel = str(path.relative_to(PACKAGE))
    problems = []
    for name in _imports(path):
        top = name.split(".")[0]
        owners = OWNERS.get(top)
        if owners and not rel.startswith(owners):
            problems.append(f"{rel} imports {name}; only {owners} may")
        for shell, allowed in SHELLS.items():
            if (name == shell or name.startswith(shell + ".")) and not rel.startswith(allowed):
                problems.append(f"{rel} imports {name}; only {allowed} may")
    assert problems == []


# ------------------------------------------------------------ private names


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_pipeline_module(name: str) -> bool:
    parts = name.split(".")
    if parts[0] != "pipeline":
        return False
    target = PACKAGE.parent.joinpath(*parts)
    return target.is_dir() or target.with_suffix(".py").exists()


def _private_uses(path: Path) -> Iterator[str]:
    """``from pipeline.x import _y``, ``import pipeline.x._y`` and ``x._y`` where
    ``x`` is a pipeline module this file imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()  # local names bound to pipeline modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("pipeline"):
                continue
            for alias in node.names:
                if _is_private(alias.name):
                    yield f"line {node.lineno}: from {node.module} import {alias.name}"
                if _is_pipeline_module(f"{node.module}.{alias.name}"):
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pipeline") and any(
                    _is_private(p) for p in alias.name.split(".")
                ):
                    yield f"line {node.lineno}: import {alias.name}"
                if alias.name.startswith("pipeline") and alias.asname:
                    modules.add(alias.asname)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and _is_private(node.attr)
        ):
            yield f"line {node.lineno}: {node.value.id}.{node.attr}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_uses_another_modules_private_names(path: Path) -> None:
    rel = path.relative_to(PACKAGE)
    problems = [
        f"pipeline/{rel} {use}: a _private name of another module; make it public "
        "in the module that owns it (or move it there)"
        for use in _private_uses(path)
    ]
    assert problems == []


def test_the_private_name_check_finds_each_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from pipeline.store.reading import _tags_for, ArticleView\n"
        "from pipeline.curate.bundle import digest\n"
        "import pipeline.store._hidden\n"
        "from pipeline import __version__\n"
        "x = digest._LANG, digest.MARKUP, row._mapping\n",
        encoding="utf-8",
    )
    assert list(_private_uses(sample)) == [
        "line 1: from pipeline.store.reading import _tags_for",
        "line 3: import pipeline.store._hidden",
        "line 5: digest._LANG",
    ]


# ------------------------------------------------------------ package cycles

# A deferred import (inside a function) of a package that imports this one.
# Such an edge cannot break loading, but it is still a dependency loop, so
# each one is named here with its reason; a new one fails the test.
DEFERRED_CYCLE_EDGES = {
    ("pipeline.config", "pipeline.tagging"): (
        "Config.compiled_rules compiles the rules on first use and rules_problems "
        "parses the relevance expression with the tagging grammar"
    ),
}


def _package_of(module: str) -> str:
    """The node of the package graph: a module's package, or a top-level module itself."""
    parts = module.split(".")
    target = PACKAGE.parent.joinpath(*parts)
    if target.is_dir():
        return module
    if len(parts) == 2:  # pipeline/errors.py, pipeline/types.py...: a node of its own
        return module
    return ".".join(parts[:-1])


def _target_module(name: str) -> str | None:
    """``pipeline.store.reading.ArticleView`` → ``pipeline.store.reading``."""
    parts = name.split(".")
    while parts and not _is_pipeline_module(".".join(parts)):
        parts.pop()
    return ".".join(parts) if len(parts) > 1 else None


def _runtime_imports(tree: ast.AST) -> Iterator[tuple[ast.stmt, bool]]:
    """Every import outside ``if TYPE_CHECKING:``, and whether it is deferred
    (inside a function)."""

    def visit(node: ast.AST, deferred: bool) -> Iterator[tuple[ast.stmt, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for stmt in child.orelse:
                    yield from visit_stmt(stmt, deferred)
                continue
            yield from visit_stmt(child, deferred)

    def visit_stmt(node: ast.AST, deferred: bool) -> Iterator[tuple[ast.stmt, bool]]:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, deferred
        inner = deferred or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        yield from visit(node, inner)

    yield from visit(tree, False)


def _imported_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    assert isinstance(node, ast.ImportFrom)
    if node.level or not node.module:
        return []
    return [f"{node.module}.{a.name}" for a in node.names]


def package_graph() -> dict[str, dict[str, list[tuple[str, bool]]]]:
    """package → imported package → [(where, deferred)], runtime imports only."""
    graph: dict[str, dict[str, list[tuple[str, bool]]]] = {}
    for path in MODULES:
        source = _package_of(_module_name(path))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, deferred in _runtime_imports(tree):
            for name in _imported_names(node):
                target = _target_module(name) if name.startswith("pipeline.") else None
                if target is None:
                    continue
                dest = _package_of(target)
                if dest != source:
                    where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                    graph.setdefault(source, {}).setdefault(dest, []).append((where, deferred))
    return graph


def _cycles(graph: dict[str, dict[str, list[tuple[str, bool]]]]) -> list[list[str]]:
    """One shortest cycle through each edge that lies on a cycle, deduplicated."""
    found: dict[frozenset[str], list[str]] = {}
    for start in sorted(graph):
        for first in sorted(graph[start]):
            path = _shortest_path(graph, first, start)
            if path is not None:
                cycle = [start, *path]
                found.setdefault(frozenset(itertools.pairwise(cycle)), cycle)
    return list(found.values())


def _shortest_path(graph: dict[str, dict[str, list[tuple[str, bool]]]],
                   src: str, dst: str) -> list[str] | None:  # fmt: skip
    previous: dict[str, str | None] = {src: None}
    queue = [src]
    while queue:
        node = queue.pop(0)
        if node == dst:
            path = [node]
            while (back := previous[path[-1]]) is not None:
                path.append(back)
            return path[::-1]
        for nxt in sorted(graph.get(node, {})):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return None


def _cycle_text(cycle: list[str], graph: dict[str, dict[str, list[tuple[str, bool]]]]) -> str:
    steps = []
    for a, b in itertools.pairwise(cycle):
        where, deferred = graph[a][b][0]
        steps.append(f"{a} -> {b} ({where}{', deferred' if deferred else ''})")
    return "import cycle: " + "; ".join(steps)


def _allowed(cycle: list[str], graph: dict[str, dict[str, list[tuple[str, bool]]]]) -> bool:
    """A cycle is tolerated only when one of its edges is a named deferred edge
    made only of deferred imports."""
    for a, b in itertools.pairwise(cycle):
        if (a, b) in DEFERRED_CYCLE_EDGES and all(d for _, d in graph[a][b]):
            return True
    return False


def test_no_import_cycle_between_packages() -> None:
    graph = package_graph()
    problems = [_cycle_text(c, graph) for c in _cycles(graph) if not _allowed(c, graph)]
    assert problems == []


def test_the_named_deferred_edges_still_exist() -> None:
    """An exception that is no longer needed is removed from the list."""
    graph = package_graph()
    stale = [edge for edge in DEFERRED_CYCLE_EDGES if edge[1] not in graph.get(edge[0], {})]
    assert stale == []


def test_the_cycle_check_sees_a_cycle() -> None:
    graph = {
        "pipeline.curate": {"pipeline.store": [("curate/x.py:1", False)]},
        "pipeline.store": {"pipeline.curate": [("store/y.py:2", False)]},
    }
    assert [_cycle_text(c, graph) for c in _cycles(graph)] == [
        "import cycle: pipeline.curate -> pipeline.store (curate/x.py:1); "
        "pipeline.store -> pipeline.curate (store/y.py:2)"
    ]
