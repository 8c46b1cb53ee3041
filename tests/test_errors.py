"""The one table of error codes (pipeline.errors.CODES): every code the package
stores or raises is a row, and docs/fetching.md shows the same rows."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pipeline.errors import CODES, ERROR_CODES, CodedError, FetchError, code_info, is_transient
from pipeline.fetch.failures import code_for_status, status_message

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"
DOC = ROOT / "docs" / "fetching.md"

# Calls whose first argument is a stable code.
CODE_TAKERS = {
    "CodedError", "FetchError", "StoreError", "OutputError",
    "_failed", "failed", "fail_entries",
}  # fmt: skip
# Functions that map something else (an exception, a status) to a code.
CLASSIFIERS = {"code_for_status", "_transport_code", "classify_db_error"}


def _strings(node: ast.AST) -> set[str]:
    """String constants of a code expression (a literal, or ``"a" if x else "b"``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _codes_in(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if _name(node.func) in CODE_TAKERS and node.args:
                found |= _strings(node.args[0])
            for kw in node.keywords:
                if kw.arg in ("error_code", "code"):
                    found |= _strings(kw.value)
        elif isinstance(node, ast.FunctionDef) and node.name in CLASSIFIERS:
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return) and inner.value is not None:
                    found |= _strings(inner.value)
                elif isinstance(inner, ast.Tuple) and len(inner.elts) == 2:
                    found |= _strings(inner.elts[1])
    return found


def _raised_codes() -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for code in _codes_in(ast.parse(path.read_text(encoding="utf-8"))):
            where.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return where


def test_the_scan_sees_the_codes_it_should() -> None:
    raised = _raised_codes()
    # One from each kind of source: a raise, a parse failure, a classifier.
    assert {"bad_url", "not_a_feed", "rate_limited", "db_busy", "disk_full", "tls"} <= set(raised)


def test_every_code_raised_or_stored_anywhere_is_in_the_table() -> None:
    unknown = {code: paths for code, paths in _raised_codes().items() if code not in CODES}
    assert unknown == {}


def test_every_status_maps_to_a_code_of_the_table_with_its_text() -> None:
    for status in range(100, 600):
        code = code_for_status(status)
        assert code is None or code in CODES
        if code is not None:
            assert status_message(code, status).startswith("fetch: ")
    assert status_message("http_4xx", 403) == "fetch: " + CODES["http_4xx"].text.format(status=403)
    assert "unexpected HTTP status 102" in status_message("protocol", 102)


def test_rows_are_complete_and_texts_fill_in() -> None:
    assert frozenset(CODES) == ERROR_CODES
    for code, row in CODES.items():
        assert row.code == code and re.fullmatch(r"[a-z0-9_]+", code)
        assert row.weight in {0.0, 0.25, 0.5, 1.0}
        assert row.text and row.text.format(status=500, detail="x")
    assert code_info("no_such_code").weight == 0.5 and not is_transient("no_such_code")
    assert {c for c in CODES if is_transient(c)} == {
        "timeout", "dns", "connect", "reset", "protocol", "http_5xx", "rate_limited", "tls"
    }  # fmt: skip


def test_a_coded_error_refuses_a_code_outside_the_table() -> None:
    assert FetchError("dns", "fetch: x").code == "dns"
    with pytest.raises(ValueError, match="unknown error code"):
        CodedError("no_such_code", "x")


def _doc_rows() -> dict[str, tuple[float, bool]]:
    """``code -> (weight, retried)`` from the error-code table of docs/fetching.md."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"`[a-z0-9_]+`", cells[0]):
            rows[cells[0].strip("`")] = (float(cells[3]), cells[4] == "yes")
    return rows


def test_docs_fetching_lists_every_code_with_the_table_weight_and_retry() -> None:
    documented = _doc_rows()
    assert sorted(documented) == sorted(CODES)
    wrong = {
        code: (documented[code], (row.weight, row.transient))
        for code, row in CODES.items()
        if documented[code] != (row.weight, row.transient)
    }
    assert wrong == {}
