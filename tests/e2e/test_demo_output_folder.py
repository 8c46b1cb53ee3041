"""`vric demo --out DIR` replaces only a folder an earlier demo wrote (issue 18:
it used to delete whatever DIR held, and `--out .` took the current folder,
`.git` included, then crashed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import DEFAULTS_DIR
from pipeline.demo.cycle import DEMO_PERIOD

pytestmark = pytest.mark.xdist_group("demo")


def _demo(out: str, cwd: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("VRIC_CONFIG_DIR", str(DEFAULTS_DIR))
    return CliRunner().invoke(cli, ["demo", "--out", out])


def test_a_folder_with_someone_elses_files_is_refused_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "demotest").mkdir()
    (tmp_path / "demotest" / "report.docx").write_bytes(b"an analyst's draft")
    result = _demo("demotest", tmp_path, monkeypatch)
    assert result.exit_code == 2, result.output
    assert "demotest is not empty and was not written by vric demo" in result.output
    assert "nothing was deleted" in result.output
    assert [p.name for p in (tmp_path / "demotest").iterdir()] == ["report.docx"]


def test_the_current_folder_is_refused_and_keeps_its_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# a clone\n", encoding="utf-8")
    result = _demo(".", tmp_path, monkeypatch)
    assert result.exit_code == 2, result.output
    assert "the working directory or one of its parents" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [".git", "README.md"]
    assert (tmp_path / ".git" / "HEAD").exists()


def test_a_second_demo_replaces_the_first_demos_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _demo("out", tmp_path, monkeypatch)
    assert first.exit_code == 0, first.output
    (tmp_path / "out" / "stale.txt").write_text("from the first run", encoding="utf-8")
    second = _demo("out", tmp_path, monkeypatch)
    assert second.exit_code == 0, second.output
    assert not (tmp_path / "out" / "stale.txt").exists()
    assert (tmp_path / "out" / f"candidates-{DEMO_PERIOD}.csv").exists()
