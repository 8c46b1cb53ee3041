"""Tables stay readable in 80 columns: long values fold, nothing is cut to `…`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import DEFAULTS_DIR

LONG_URL = "http://127.0.0.1:8765/feeds/actualidad/america-latina/venezuela/ultimas-noticias.rss"


def _cells(output: str, column: int) -> str:
    """The text of one table column, its folded lines joined."""
    parts = []
    for line in output.splitlines():
        fields = line.split("│")
        if len(fields) > column + 1:
            parts.append(fields[column + 1].strip())
    return "".join(parts)


def test_long_feed_keys_fold_instead_of_being_cut(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    for name in ("outlets.yaml", "rules.yaml"):
        shutil.copy(DEFAULTS_DIR / name, conf / name)
    key = "ru_rt_es-" + "actualidad-america-latina-venezuela-" * 2 + "rss"
    feeds = [
        {"id": key, "url": LONG_URL, "outlet": "ru_rt_es"},
        {"id": "short", "url": "http://127.0.0.1:8765/b.rss", "outlet": "ru_rt_es"},
    ]
    (conf / "feeds.yaml").write_text(yaml.safe_dump({"feeds": feeds}))
    env = {
        "VRIC_CONFIG_DIR": str(conf),
        "VRIC_DATABASE_URL": f"sqlite:///{tmp_path}/v.db",
        "COLUMNS": "80",
    }
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], env=env).exit_code == 0
    out = runner.invoke(cli, ["feeds", "status"], env=env).stdout
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert key in _cells(out, 0)  # folded over several lines, whole
    doc = json.loads(runner.invoke(cli, ["feeds", "status", "--json"], env=env).stdout)
    assert doc[0]["url"] == LONG_URL


def test_outlets_lookup_shows_every_field_in_80_columns() -> None:
    env = {"VRIC_CONFIG_DIR": str(DEFAULTS_DIR), "COLUMNS": "80"}
    url = "https://actualidad.rt.com/actualidad/123456-rusia-venezuela-acuerdo-cooperacion"
    out = CliRunner().invoke(cli, ["outlets", "lookup", url], env=env).stdout
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in out.splitlines()
            if line.count("│") == 3}  # fmt: skip
    assert rows["matched"] == "domain:actualidad.rt.com"
    assert rows["controlling_state"] == "russia"
