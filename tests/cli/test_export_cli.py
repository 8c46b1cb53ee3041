"""`vric export csv` and `vric periods` as a user runs them."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
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
