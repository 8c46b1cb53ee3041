"""Store open modes: only ``create`` makes a database; ``read`` cannot write.

Issue 18: ``VRIC_DATABASE_URL=sqlite:///typo/vric.db vric periods`` created the
folder and an empty database. Read-only commands now say there is none (exit
2) and leave the disk as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.errors import NoDatabase, StoreError
from pipeline.store import Store

READ_COMMANDS = [
    ["periods"],
    ["status"],
    ["feeds", "status"],
    ["outlets", "unknown"],
    ["db", "current"],
    ["export", "csv", "--period", "2021-08", "-o", "out.csv"],
]
WRITE_COMMANDS = [["retag"], ["outlets", "reflag"], ["bundle", "--period", "2021-08", "--out", "b"]]


def _listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("mode", ["read", "write"])
def test_a_missing_sqlite_file_is_not_created_outside_create_mode(tmp_path: Path, mode) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NoDatabase, match=r"no database at .*typo/vric.db; run `vric init`"):
        Store(f"sqlite:///{tmp_path / 'typo' / 'vric.db'}", mode=mode)
    assert _listing(tmp_path) == []


def test_create_mode_makes_the_folder_and_the_file(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'new' / 'vric.db'}", mode="create")
    store.upgrade()
    store.close()
    assert (tmp_path / "new" / "vric.db").is_file()


def test_read_mode_reads_but_cannot_write_on_either_backend(store: Store) -> None:
    now = datetime(2021, 8, 10, tzinfo=UTC)
    store.start_run("cycle", "w1", now)
    reader = Store(store.url, mode="read")
    try:
        reader.check_schema()
        assert [r["worker"] for r in reader.recent_runs()] == ["w1"]
        with pytest.raises(StoreError):
            reader.start_run("cycle", "w2", now)
    finally:
        reader.close()
    assert [r["worker"] for r in store.recent_runs()] == ["w1"]


@pytest.mark.parametrize("args", READ_COMMANDS + WRITE_COMMANDS, ids=" ".join)
def test_commands_that_do_not_create_say_so_and_leave_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"VRIC_DATABASE_URL": "sqlite:///typo/vric.db", "VRIC_CONFIG_DIR": str(tmp_path)}
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 2, result.output
    assert "no database at typo/vric.db; run `vric init` to create it" in result.output
    assert "Traceback" not in result.output
    assert _listing(tmp_path) == []


def test_read_commands_work_on_an_existing_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"VRIC_DATABASE_URL": "sqlite:///vric.db", "VRIC_CONFIG_DIR": str(tmp_path)}
    assert CliRunner().invoke(cli, ["init"], env=env).exit_code == 0
    for args in READ_COMMANDS:
        result = CliRunner().invoke(cli, args, env=env)
        assert result.exit_code == 0, (args, result.output)
