"""`vric stories` and `vric stories split` as an analyst runs them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.store import Store
from tests.curate.factory import AUG, PERIOD, save

LEAD = "El Tribunal Constitucional de Cabo Verde rechazó el recurso de Alex Saab."
TITLES = {
    "ve_lapatilla": "Tribunal de Cabo Verde rechaza recurso de Alex Saab y abre la puerta "
    "a su extradición",
    "int_ap": "Cape Verde court rejects Alex Saab's last appeal against extradition to the US",
}


def _env(store: Store, tmp_path: Path) -> dict[str, str]:
    return {"VRIC_DATABASE_URL": store.url, "VRIC_CONFIG_DIR": str(tmp_path), "USER": "ana"}


def _two_reports(store: Store) -> list[int]:
    return [
        save(store, title, outlet=outlet, published=AUG + timedelta(hours=i), text=LEAD,
             actors=("venezuela",), countries=("ve",))
        for i, (outlet, title) in enumerate(TITLES.items())
    ]  # fmt: skip


def _run(store: Store, tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=_env(store, tmp_path))
    return result.exit_code, result.output


def test_stories_regroups_and_lists_each_member_with_why(store: Store, tmp_path: Path) -> None:
    a, b = _two_reports(store)
    code, out = _run(store, tmp_path, "stories", "--period", PERIOD, "--json")
    assert (code, json.loads(out)["stories"]) == (0, [])  # nothing grouped yet: ingest does it
    code, out = _run(store, tmp_path, "stories", "--period", PERIOD, "--regroup", "--json")
    assert code == 0, out
    (story,) = json.loads(out)["stories"]
    assert story["outlets"] == ["int_ap", "ve_lapatilla"]
    assert [m["id"] for m in story["members"]] == [a, b]
    assert story["members"][0]["why"].startswith(f"#{b} (int_ap): alex_saab, cabo_verde")
    code, out = _run(store, tmp_path, "stories", "--period", PERIOD)
    assert code == 0 and "1 story in 2021-08" in out
    assert "Tribunal" in out and "Cape" in out  # one row per member


def test_a_split_is_recorded_and_survives_regrouping(store: Store, tmp_path: Path) -> None:
    a, b = _two_reports(store)
    _run(store, tmp_path, "stories", "--period", PERIOD, "--regroup")
    code, out = _run(
        store, tmp_path, "stories", "split", str(b), "--note", "other ruling", "--json"
    )
    assert code == 0, out
    split = json.loads(out)
    assert (split["article"], split["members"], split["analyst"]) == (b, [a, b], "ana")
    code, out = _run(store, tmp_path, "stories", "--period", PERIOD, "--regroup", "--json")
    doc = json.loads(out)
    assert (code, doc["stories"], [x["article"] for x in doc["splits"]]) == (0, [], [b])
    code, out = _run(store, tmp_path, "stories", "--period", PERIOD)
    assert f"split: #{b} left story {split['story']}" in out and "ana): other ruling" in out


def test_usage_errors_exit_2(store: Store, tmp_path: Path) -> None:
    (a, _) = _two_reports(store)
    code, out = _run(store, tmp_path, "stories", "split", str(a))
    assert code == 2 and f"article #{a} is in no story" in out
    code, out = _run(store, tmp_path, "stories", "--period", "2021-09")
    assert code == 2 and "does not start a period" in out
    code, out = _run(store, tmp_path, "stories")
    assert code == 2 and "--period is required" in out


def test_a_retag_groups_the_stories_again(store: Store, tmp_path: Path) -> None:
    lead = (
        "El Tribunal Constitucional de Cabo Verde rechazó el recurso de Alex Saab, señalado "
        "como testaferro de Nicolás Maduro, y allana su extradición desde Caracas, Venezuela."
    )
    ids = [
        save(store, title, outlet=outlet, published=AUG + timedelta(hours=i), text=lead,
             actors=(), countries=(), relevant=False, rules_version="old")
        for i, (outlet, title) in enumerate(TITLES.items())
    ]  # fmt: skip
    code, out = _run(store, tmp_path, "retag", "--period", PERIOD)
    assert code == 0 and "stories grouped again for 1 period(s)" in out, out
    code, out = _run(store, tmp_path, "stories", "--period", PERIOD, "--json")
    assert code == 0 and [m["id"] for m in json.loads(out)["stories"][0]["members"]] == ids
