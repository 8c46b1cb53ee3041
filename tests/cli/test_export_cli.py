"""`vric export csv` and `vric periods` as a user runs them."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.curate.export import COLUMNS
from pipeline.store import Store
from tests.curate.factory import PERIOD, RULES, config, decide, save


def _env(store: Store, tmp_path: Path) -> dict[str, str]:
    return {"VRIC_DATABASE_URL": store.url, "VRIC_CONFIG_DIR": str(tmp_path)}


def test_export_csv_writes_the_file_and_says_so(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save(store, "Rusia y Venezuela", outlet="ru_rt_es", url="https://actualidad.rt.com/a")
    save(store, "China y Perú", actors=("china",), section="china")
    monkeypatch.setattr("pipeline.cli.export_cmd.get_config", lambda: config(store.url))
    out = tmp_path / "candidatos.csv"
    args = ["export", "csv", "--period", PERIOD, "--state-media", "yes", "-o", str(out)]
    result = CliRunner().invoke(cli, args, env=_env(store, tmp_path))
    assert result.exit_code == 0, result.output
    assert f"1 rows written to {out}" in result.output
    lines = out.read_bytes().decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "RT en Español" in lines[1]


def test_export_csv_refuses_a_bad_period(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pipeline.cli.export_cmd.get_config", config)
    args = ["export", "csv", "--period", "2021-09", "-o", str(tmp_path / "x.csv")]
    result = CliRunner().invoke(cli, args, env=_env(store, tmp_path))
    assert result.exit_code == 2 and "does not start a period" in result.output


def test_periods_lists_counts_and_labels(store: Store, tmp_path: Path) -> None:
    a = save(store, "Agosto")
    save(store, "Fuera de tema", relevant=False)
    b = save(store, "Diciembre", published=datetime(2022, 1, 5, tzinfo=UTC))
    decide(store, a, "included")
    decide(store, b, "candidate")
    decide(store, b, "excluded")
    result = CliRunner().invoke(cli, ["periods", "--json"], env=_env(store, tmp_path))
    assert result.exit_code == 0, result.output
    rows = {r["period"]: r for r in json.loads(result.output)}
    assert rows["2021-08"] == {
        "period": "2021-08",
        "label": "August to September 2021",
        "articles": 2,
        "candidates": 1,
        "decided": 1,
        "included": 1,
        "excluded": 0,
    }
    assert rows["2021-12"]["label"] == "December 2021 to January 2022"
    assert (rows["2021-12"]["decided"], rows["2021-12"]["excluded"]) == (1, 1)


def test_export_csv_sections_are_those_of_the_loaded_rules(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = save(store, "Díaz-Canel recibe a Lavrov")
    decide(store, a, "candidate", section="cuba")
    out = tmp_path / "x.csv"
    args = ["export", "csv", "--period", PERIOD, "--section", "cuba", "-o", str(out)]
    monkeypatch.setattr("pipeline.cli.export_cmd.get_config", lambda: config(store.url))
    refused = CliRunner().invoke(cli, args, env=_env(store, tmp_path))
    assert refused.exit_code == 2
    assert "vric: --section 'cuba' is not a known value (known: overview, russia, iran" in (
        refused.output
    )
    labels = {**RULES.sections.labels, "cuba": "Cuba in LAC"}
    rules = RULES.model_copy(
        update={"sections": RULES.sections.model_copy(update={"labels": labels})}
    )
    with_cuba = dataclasses.replace(config(store.url), rules=rules)
    monkeypatch.setattr("pipeline.cli.export_cmd.get_config", lambda: with_cuba)
    result = CliRunner().invoke(cli, args, env=_env(store, tmp_path))
    assert result.exit_code == 0, result.output
    assert "1 rows written" in result.output


def _packaged_env(store: Store, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "config").mkdir(exist_ok=True)  # empty: the packaged rules, outlets, settings
    return {"VRIC_DATABASE_URL": store.url, "VRIC_CONFIG_DIR": str(tmp_path / "config")}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--actor", "rusia"], "--actor 'rusia' is not a known value (known: china, iran, "
                               "russia, venezuela); did you mean 'russia'?"),
        (["--topic", "energia"], "did you mean 'energy'?"),
        (["--section", "chin"], "--section 'chin' is not a known value (known: overview, russia, "
                                "iran, china, medical_diplomacy); did you mean 'china'?"),
        (["--lang", "xx"], "--lang 'xx' is not a known value (known: "),
        (["--lang", "ess"], "did you mean 'es'?"),
        (["--outlet", "ru_rt_ess"], "did you mean 'ru_rt_es'?"),
        (["--status", "incluido"], "Invalid value for '--status': 'incluido' is not one of"),
        (["--state-media", "si"], "Invalid value for '--state-media': 'si' is not one of"),
        (["--min-score", "alto"], "Invalid value for '--min-score': 'alto' is not a valid float"),
    ],
)  # fmt: skip
def test_every_filter_value_is_checked(
    store: Store, tmp_path: Path, fmt: str, args: list[str], says: str
) -> None:
    out = tmp_path / f"x.{fmt}"
    result = CliRunner().invoke(cli, ["export", fmt, "--period", PERIOD, *args, "-o", str(out)],
                                env=_packaged_env(store, tmp_path))  # fmt: skip
    assert result.exit_code == 2, result.output
    assert says in " ".join(result.output.split())
    assert not out.exists()


def test_two_bad_filters_are_both_reported(store: Store, tmp_path: Path) -> None:
    args = ["export", "csv", "--period", PERIOD, "--actor", "rusia", "--lang", "xx", "-o",
            str(tmp_path / "x.csv")]  # fmt: skip
    result = CliRunner().invoke(cli, args, env=_packaged_env(store, tmp_path))
    assert result.exit_code == 2
    assert "--actor 'rusia'" in result.output and "--lang 'xx'" in result.output


def test_an_export_that_matches_nothing_says_which_filter(store: Store, tmp_path: Path) -> None:
    save(store, "Rusia y Venezuela", outlet="ru_rt_es", url="https://actualidad.rt.com/a")
    save(store, "China y Perú", actors=("china",), section="china", language="pt")
    out = tmp_path / "x.csv"
    args = ["export", "csv", "--period", PERIOD, "--actor", "china", "--lang", "es", "-o",
            str(out)]  # fmt: skip
    result = CliRunner().invoke(cli, args, env=_packaged_env(store, tmp_path))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().decode("utf-8-sig").splitlines() == [",".join(COLUMNS)]
    assert ("vric: no row matched all the filters (2 rows before filters; --actor china "
            "matched 1, --lang es matched 1)") in result.output  # fmt: skip
    ok = CliRunner().invoke(cli, ["export", "csv", "--period", PERIOD, "--outlet", "ru_rt_es",
                                  "-o", str(out)], env=_packaged_env(store, tmp_path))  # fmt: skip
    assert ok.exit_code == 0 and "1 rows written" in ok.output and "no row" not in ok.output


def test_export_xlsx_writes_the_workbook(store: Store, tmp_path: Path) -> None:
    save(store, "Rusia y Venezuela")
    save(store, "China y Perú", actors=("china",), section="china")
    out = tmp_path / "candidatos.xlsx"
    args = ["export", "xlsx", "--period", PERIOD, "--section", "china", "-o", str(out)]
    result = CliRunner().invoke(cli, args, env=_packaged_env(store, tmp_path))
    assert result.exit_code == 0, result.output
    assert f"1 rows written to {out}" in result.output
    wb = openpyxl.load_workbook(out)
    assert wb["all"].max_row == 2 and wb["china"].max_row == 2 and wb["russia"].max_row == 1


def test_an_empty_period_says_so_without_blaming_a_filter(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    args = ["export", "csv", "--period", "2021-10", "-o", str(out)]
    result = CliRunner().invoke(cli, args, env=_packaged_env(store, tmp_path))
    assert result.exit_code == 0, result.output
    assert "vric: the period has no row to export (no filter was given)" in result.output
    assert out.read_bytes().decode("utf-8-sig").splitlines() == [",".join(COLUMNS)]
