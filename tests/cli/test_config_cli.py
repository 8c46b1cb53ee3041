"""`vric config where / init / check` as a new user meets them, and errors on one clean line."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import DEFAULTS_DIR


def _run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, env=env)
    return result.exit_code, result.stdout, result.stderr


def test_config_where_names_the_file_each_config_comes_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "rules.yaml").write_bytes((DEFAULTS_DIR / "rules.yaml").read_bytes())
    (tmp_path / "feeds.yaml").write_bytes((DEFAULTS_DIR / "feeds.yaml").read_bytes())
    code, out, _ = _run(["config", "where"], {"VRIC_CONFIG_DIR": str(tmp_path / "conf")})
    assert code == 0
    assert out.splitlines() == [
        f"feeds.yaml: working directory: {tmp_path / 'feeds.yaml'}",
        f"outlets.yaml: packaged default: {DEFAULTS_DIR / 'outlets.yaml'}",
        f"rules.yaml: $VRIC_CONFIG_DIR: {tmp_path / 'conf' / 'rules.yaml'}",
        "settings.yaml: built-in defaults",
    ]
    code, out, _ = _run(["config", "where", "--json"], {"VRIC_CONFIG_DIR": ""})
    rows = {r["file"]: r for r in json.loads(out)}
    assert rows["rules.yaml"]["from"] == "packaged default"
    assert rows["feeds.yaml"]["path"] == str(tmp_path / "feeds.yaml")


def test_config_init_writes_editable_copies_that_then_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _out, err = _run(["config", "init", "myconf"])
    assert code == 0, err
    for name in ("feeds.yaml", "outlets.yaml", "rules.yaml"):
        assert (tmp_path / "myconf" / name).read_bytes() == (DEFAULTS_DIR / name).read_bytes()
    code, out, _ = _run(["config", "where"], {"VRIC_CONFIG_DIR": str(tmp_path / "myconf")})
    assert out.count("$VRIC_CONFIG_DIR") == 3


def test_config_init_never_overwrites_a_file(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("mine: true\n")
    code, _out, err = _run(["config", "init", str(tmp_path)])
    assert code == 2
    assert f"{tmp_path} already has rules.yaml; nothing written" in err
    assert (tmp_path / "rules.yaml").read_text() == "mine: true\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rules.yaml"]


def test_config_check_prints_plain_words_on_clean_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(["config", "init", str(tmp_path)])
    text = (tmp_path / "feeds.yaml").read_text().replace("interval:", "intervall:", 1)
    (tmp_path / "feeds.yaml").write_text(text)
    (tmp_path / "rules.yaml").write_text("tags: [unclosed\n  more: x\n")
    code, _, err = _run(["config", "check"], {"VRIC_CONFIG_DIR": str(tmp_path)})
    assert code == 2
    lines = err.splitlines()
    assert any("intervall: unknown key 'intervall' (did you mean 'interval'?)" in x for x in lines)
    assert any(x.startswith("rules.yaml: line ") and "not valid YAML" in x for x in lines)
    assert "\\x0a" not in err and "Extra inputs" not in err


def test_a_database_error_is_one_clean_line(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/nothing"
    code, _, err = _run(["periods"], {"VRIC_DATABASE_URL": url})
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert "\\x0a" not in err and "[db_unavailable]" in err
