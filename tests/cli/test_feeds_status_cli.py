"""`vric feeds status` before the first cycle lists every configured feed as `new`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import DEFAULTS_DIR


def _env(tmp_path: Path) -> dict[str, str]:
    conf = tmp_path / "conf"
    conf.mkdir()
    for name in ("outlets.yaml", "rules.yaml"):
        shutil.copy(DEFAULTS_DIR / name, conf / name)
    feeds = [
        {"id": "one", "url": "http://127.0.0.1:9/a.xml", "outlet": "ru_rt_es"},
        {"id": "two", "url": "http://127.0.0.1:9/b.xml", "outlet": "ru_rt_es", "enabled": False},
    ]
    (conf / "feeds.yaml").write_text(yaml.safe_dump({"feeds": feeds}))
    return {"VRIC_CONFIG_DIR": str(conf), "VRIC_DATABASE_URL": f"sqlite:///{tmp_path}/v.db"}


def test_a_fresh_database_shows_every_configured_feed_as_new(tmp_path: Path) -> None:
    env = _env(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], env=env).exit_code == 0
    result = runner.invoke(cli, ["feeds", "status", "--json"], env=env)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["key"], r["state"], r["enabled"]) for r in rows] == [
        ("one", "new", True),
        ("two", "new", False),
    ]
    table = runner.invoke(cli, ["feeds", "status"], env=env).stdout
    assert "one" in table and "new" in table


def test_a_broken_config_still_shows_the_database_and_says_why(tmp_path: Path) -> None:
    env = _env(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], env=env).exit_code == 0
    Path(env["VRIC_CONFIG_DIR"], "feeds.yaml").write_text("feeds: [{url: nope}]\n")
    result = runner.invoke(cli, ["feeds", "status", "--json"], env=env)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert "see `vric config check`" in result.stderr
