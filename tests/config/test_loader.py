"""The configuration loader: the shipped files validate; broken copies give one
clear line per problem (file, entry, field) and exit code 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import DEFAULTS_DIR, format_loc, load_config, load_settings, locate
from pipeline.errors import ConfigError

FILES = ("feeds.yaml", "outlets.yaml", "rules.yaml")


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(DEFAULTS_DIR / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_format_loc_reads_like_a_path() -> None:
    assert format_loc(("feeds", 3, "url")) == "feeds[3].url"
    assert format_loc(()) == "(top level)"


def test_shipped_configuration_is_valid(config_dir: Path) -> None:
    config = load_config({"VRIC_CONFIG_DIR": str(config_dir)})
    assert len(config.feeds.feeds) >= 60
    assert config.compiled_rules.version


def test_bad_feed_url_names_file_entry_and_field(config_dir: Path) -> None:
    _edit(config_dir / "feeds.yaml", lambda d: d["feeds"][3].update(url="ftp://example.org/x"))
    with pytest.raises(ConfigError) as err:
        load_config({"VRIC_CONFIG_DIR": str(config_dir)})
    assert "feeds.yaml: feeds[3] (id ru_sputnik_brasil).url: not an http(s) URL" in (
        err.value.problems
    )


def test_problems_of_several_files_are_reported_together(config_dir: Path) -> None:
    _edit(config_dir / "feeds.yaml", lambda d: d["feeds"][0].update(interval="often"))
    _edit(config_dir / "outlets.yaml", lambda d: d["outlets"][0].update(cap_policy="sometimes"))
    with pytest.raises(ConfigError) as err:
        load_config({"VRIC_CONFIG_DIR": str(config_dir)})
    text = "\n".join(err.value.problems)
    assert "feeds.yaml: feeds[0] (id ru_rt_es).interval" in text
    assert "outlets.yaml: outlets[0] (id ru_rt_es).cap_policy: 'sometimes' is not allowed" in text


def test_yaml_syntax_error_gives_the_line(config_dir: Path) -> None:
    (config_dir / "rules.yaml").write_text("tags: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config({"VRIC_CONFIG_DIR": str(config_dir)})
    (line,) = err.value.problems
    assert line.startswith("rules.yaml: line 2, column 1: not valid YAML: ")
    assert "\n" not in line and "\\x0a" not in line


def test_schema_and_reference_errors_come_in_one_pass(config_dir: Path) -> None:
    """A typo in one feed does not hide an unknown outlet id in another, nor in itself."""

    def change(d):  # type: ignore[no-untyped-def]
        d["feeds"][2]["intervall"] = d["feeds"][2].pop("interval", 60)
        d["feeds"][5]["outlet"] = "ru_rt_espanol"
        d["feeds"][7].update(outlet="nowhere", kind="rss2")

    _edit(config_dir / "feeds.yaml", change)
    with pytest.raises(ConfigError) as err:
        load_config({"VRIC_CONFIG_DIR": str(config_dir)})
    ids = [f["id"] for f in yaml.safe_load((config_dir / "feeds.yaml").read_text())["feeds"]]
    assert sorted(err.value.problems) == sorted(
        [
            f"feeds.yaml: feeds[2] (id {ids[2]}).intervall: unknown key 'intervall'"
            " (did you mean 'interval'?)",
            f"feeds.yaml: feeds[5] (id {ids[5]}).outlet: unknown outlet id ru_rt_espanol",
            f"feeds.yaml: feeds[7] (id {ids[7]}).kind: 'rss2' is not allowed; use 'auto', 'rss',"
            " 'atom', 'rdf', 'json', 'sitemap', 'news_sitemap' or 'google_news'",
            f"feeds.yaml: feeds[7] (id {ids[7]}).outlet: unknown outlet id nowhere",
        ]
    )


def test_rules_schema_and_reference_errors_come_in_one_pass(config_dir: Path) -> None:
    def change(d):  # type: ignore[no-untyped-def]
        d["tags"]["iran"]["treshold"] = 2
        d["tags"]["china"]["terms"][0]["ctx"] = [{"any": ["@no_such_group"]}]

    _edit(config_dir / "rules.yaml", change)
    with pytest.raises(ConfigError) as err:
        load_config({"VRIC_CONFIG_DIR": str(config_dir)})
    assert err.value.problems == [
        "rules.yaml: tags.iran.treshold: unknown key 'treshold' (did you mean 'threshold'?)",
        "rules.yaml: tags.china.terms[0].ctx: unknown group 'no_such_group'",
    ]


def test_a_missing_key_is_named_on_its_entry(config_dir: Path) -> None:
    _edit(config_dir / "feeds.yaml", lambda d: d["feeds"][1].pop("outlet"))
    with pytest.raises(ConfigError) as err:
        load_config({"VRIC_CONFIG_DIR": str(config_dir)})
    assert err.value.problems == [
        "feeds.yaml: feeds[1] (id ru_rt_group): required key 'outlet' is missing"
    ]


def test_each_file_is_looked_up_in_the_config_dir_then_the_cwd_then_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_dir, cwd = tmp_path / "config", tmp_path / "cwd"
    config_dir.mkdir()
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    _first_feeds(config_dir / "feeds.yaml", 1)
    _first_feeds(cwd / "feeds.yaml", 2)
    shutil.copy(DEFAULTS_DIR / "rules.yaml", cwd / "rules.yaml")
    env = {"VRIC_CONFIG_DIR": str(config_dir)}
    assert len(load_config(env).feeds.feeds) == 1
    assert len(load_config({}).feeds.feeds) == 2
    assert len(load_config({"VRIC_CONFIG_DIR": str(tmp_path / "missing")}).feeds.feeds) == 2
    assert [(f.origin, f.path) for f in (locate(n, env) for n in FILES)] == [
        ("$VRIC_CONFIG_DIR", config_dir / "feeds.yaml"),
        ("packaged default", DEFAULTS_DIR / "outlets.yaml"),
        ("working directory", Path("rules.yaml")),
    ]


def _first_feeds(target: Path, count: int) -> None:
    data = yaml.safe_load((DEFAULTS_DIR / "feeds.yaml").read_text(encoding="utf-8"))
    data["feeds"] = data["feeds"][:count]
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_config_check_exits_2_with_one_line_per_problem(config_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _edit(config_dir / "feeds.yaml", lambda d: d["feeds"][3].update(url="not a url"))
    monkeypatch.setenv("VRIC_CONFIG_DIR", str(config_dir))
    result = CliRunner().invoke(cli, ["config", "check"])
    assert result.exit_code == 2
    assert "feeds.yaml: feeds[3] (id ru_sputnik_brasil).url: not an http(s) URL" in result.output
    assert "Traceback" not in result.output


def test_config_check_passes_on_the_shipped_files(config_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VRIC_CONFIG_DIR", str(config_dir))
    result = CliRunner().invoke(cli, ["config", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")


def test_environment_contract() -> None:
    s = load_settings(
        {
            "VRIC_DATABASE_URL": "postgresql://u@h/db",
            "VRIC_ALLOW_HOSTS": "127.0.0.1:8080, Feeds.Internal ,",
        }
    )
    assert s.database_url == "postgresql://u@h/db"
    assert s.allow_hosts == frozenset({"127.0.0.1:8080", "feeds.internal"})
    assert load_settings({}).database_url == "sqlite:///vric.db"
