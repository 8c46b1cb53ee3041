"""``vric run --once`` is the contract; without the flag the command says what to use."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import cli


def test_run_without_once_is_a_usage_error_that_names_both_modes(tmp_path: Path) -> None:
    db = tmp_path / "vric.db"
    result = CliRunner().invoke(cli, ["run"], env={"VRIC_DATABASE_URL": f"sqlite:///{db}"})
    assert result.exit_code == 2
    assert "pass --once" in result.output and "vric daemon" in result.output
    assert not db.exists()  # nothing was run, nothing created
