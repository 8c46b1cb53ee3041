"""The import rules of STYLE.md, enforced: one test walks every module's
imports with ``ast``. A failure names the module and the import."""

from __future__ import annotations

import ast
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
}
# Nothing but the CLI (and ``python -m pipeline``) may import the thin shells.
SHELLS = {"pipeline.cli": ("cli/", "__main__.py"), "pipeline.daemon": ("daemon/", "cli/")}


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
