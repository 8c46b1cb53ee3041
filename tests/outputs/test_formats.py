"""``vric bundle --formats``: the default is every format that can be made; a
PDF that cannot be made (WeasyPrint or its pango libraries missing, simulated
here by making ``import weasyprint`` fail) is one clear line and the other
files, unless ``--formats`` asked for pdf, which fails the run (exit 1, the
previous bundle untouched)."""

from __future__ import annotations

import builtins
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.curate.bundle import build_bundle, pdf
from pipeline.curate.bundle.build import parse_formats
from pipeline.errors import ConfigError, OutputError
from pipeline.store import Store
from tests.curate.factory import NOW, PERIOD, config, save

SECTION_CSVS = {"overview.csv", "russia.csv", "iran.csv", "china.csv", "medical_diplomacy.csv"}
CHARTS = {"chart-sections.svg", "chart-state-share.svg", "chart-weeks.svg"}
CSV_FILES = SECTION_CSVS | {"audit.csv", "coverage.csv", "chart-feeds.svg"}
ALL = CSV_FILES | CHARTS | {"digest.html", "digest.md", "digest.pdf", "digest.docx",
                            "manifest.json"}  # fmt: skip


@pytest.fixture
def no_weasyprint(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``import weasyprint`` raises ImportError, as without the package."""
    pdf._weasyprint.cache_clear()
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    yield
    pdf._weasyprint.cache_clear()


def _files(path: Path) -> set[str]:
    return {p.name for p in path.iterdir()}


def _messages(stderr: str) -> list[str]:
    """What vric said (the progress line "building ... bundle ..." left out)."""
    return [line for line in stderr.splitlines() if line.startswith("vric:")]


def _cli(store: Store, out: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setattr("pipeline.cli.curation_cmd.get_config", lambda: config(store.url))
    runner = CliRunner()
    return runner.invoke(cli, ["bundle", "--period", PERIOD, "--out", str(out), *args])


def test_the_default_is_every_format(store: Store, tmp_path: Path) -> None:
    save(store, "Rusia y Venezuela firman un acuerdo energético")
    result = build_bundle(store, config(), PERIOD, tmp_path, now=NOW)
    assert _files(result.path) == ALL
    assert result.manifest["formats"] == ["html", "md", "pdf", "docx", "csv"]
    assert result.manifest["unavailable"] == {}


@pytest.mark.parametrize(
    ("formats", "expected"),
    [
        ("html", CHARTS | {"digest.html"}),
        ("pdf", {"digest.pdf"}),
        ("docx,md", {"digest.docx", "digest.md"}),
        ("csv", CSV_FILES),
        (" HTML , csv ", CHARTS | CSV_FILES | {"digest.html"}),
    ],
)
def test_formats_limit_the_files(store: Store, tmp_path: Path, formats: str,
                                 expected: set[str]) -> None:  # fmt: skip
    save(store, "Rusia y Venezuela firman un acuerdo energético")
    result = build_bundle(store, config(), PERIOD, tmp_path, now=NOW,
                          formats=parse_formats(formats))  # fmt: skip
    assert _files(result.path) == expected | {"manifest.json"}
    assert set(result.manifest["files"]) == expected


def test_an_unknown_format_is_a_usage_error(store: Store, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    with pytest.raises(ConfigError, match="unknown format 'xlsx'"):
        parse_formats("html,xlsx")
    result = _cli(store, tmp_path, monkeypatch, "--formats", "html,xlsx")
    assert result.exit_code == 2 and "unknown format 'xlsx'" in result.stderr
    assert not (tmp_path / PERIOD).exists()


def test_without_weasyprint_the_default_bundle_skips_the_pdf_with_one_line(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_weasyprint: None
) -> None:
    save(store, "Rusia y Venezuela firman un acuerdo energético")
    assert pdf.available() is not None
    result = _cli(store, tmp_path, monkeypatch, "--json")
    assert result.exit_code == 0, result.output
    lines = _messages(result.stderr)
    assert len(lines) == 1, lines
    assert lines[0].startswith("vric: pdf_unavailable: WeasyPrint is not installed")
    assert lines[0].endswith("; the other files were written")
    assert "WeasyPrint is not installed" in lines[0]
    assert _files(tmp_path / PERIOD) == ALL - {"digest.pdf"}
    manifest = json.loads(result.stdout)
    assert manifest["formats"] == ["html", "md", "docx", "csv"]
    assert manifest["unavailable"]["pdf"].startswith("pdf_unavailable: WeasyPrint is not")
    assert "digest.pdf" not in manifest["files"]


def test_without_pango_the_reason_names_the_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint installed but libpango missing: importing it raises OSError."""
    real_import = builtins.__import__

    def fail_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': cannot open shared object")
        return real_import(name, *args, **kwargs)

    pdf._weasyprint.cache_clear()
    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(builtins, "__import__", fail_import)
    try:
        reason = pdf.available()
    finally:
        monkeypatch.undo()
        pdf._weasyprint.cache_clear()
    assert reason is not None and reason.startswith("WeasyPrint cannot load its libraries")
    assert "libpango-1.0-0 and libpangoft2-1.0-0 (make system-deps)" in reason


def test_without_weasyprint_an_explicit_pdf_fails_and_keeps_the_previous_bundle(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save(store, "Rusia y Venezuela firman un acuerdo energético")
    previous = build_bundle(store, config(), PERIOD, tmp_path, now=NOW).path
    before = {n: (previous / n).read_bytes() for n in _files(previous)}
    pdf._weasyprint.cache_clear()
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    try:
        with pytest.raises(OutputError, match="pdf_unavailable"):
            build_bundle(store, config(), PERIOD, tmp_path, now=NOW, formats={"pdf", "html"})
        result = _cli(store, tmp_path, monkeypatch, "--formats", "html,pdf")
    finally:
        pdf._weasyprint.cache_clear()
    assert result.exit_code == 1, result.output
    lines = _messages(result.stderr)
    assert len(lines) == 1 and "pdf_unavailable" in lines[0] and "digest.pdf" in lines[0]
    assert {n: (previous / n).read_bytes() for n in _files(previous)} == before
