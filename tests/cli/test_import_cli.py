"""`vric import decisions` as analysts run it, on SQLite and Postgres: two
analysts sharing a period cannot silently undo each other's decisions
(exit 5, every conflict listed, nothing applied; --force applies and the
audit trail says what it overrode); dry runs show each change; the
analyst's name falls back to the login name."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import cli
from pipeline.store import Store
from tests.curate.factory import PERIOD, decide, save


def _env(store: Store, tmp_path: Path, **extra: str) -> dict[str, str]:
    (tmp_path / "config").mkdir(exist_ok=True)  # empty: the packaged configuration
    return {"VRIC_DATABASE_URL": store.url, "VRIC_CONFIG_DIR": str(tmp_path / "config"),
            "VRIC_ANALYST": "", **extra}  # fmt: skip


def _run(store: Store, tmp_path: Path, *args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=_env(store, tmp_path, **env))


def _export(store: Store, tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    result = _run(store, tmp_path, "export", "csv", "--period", PERIOD, "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def _write(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=columns or list(rows[0]), extrasaction="ignore",
                            lineterminator="\r\n")  # fmt: skip
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return path


def _edit(path: Path, changes: dict[int, dict[str, str]], out: Path) -> Path:
    rows = _rows(path)
    for row in rows:
        row.update(changes.get(int(row["id"]), {}))
    return _write(out, rows)


def _latest(store: Store, article_id: int) -> tuple[str, str | None, str | None]:
    (view,) = store.articles_by_ids([article_id])
    d = view.decision
    return (d.status, d.note, d.analyst) if d else ("candidate", None, None)


def test_ana_and_bob_a_stale_file_is_refused_until_forced(store: Store, tmp_path: Path) -> None:
    a55 = save(store, "Rusia envía asesores militares a Nicaragua")
    other = save(store, "China financia el puerto de Chancay", actors=("china",), section="china")
    ana_file = _export(store, tmp_path, "ana.csv")
    bob_file = _export(store, tmp_path, "bob.csv")
    bob = _edit(bob_file, {a55: {"status": "excluded", "note": "propaganda"}},
                tmp_path / "bob-edited.csv")  # fmt: skip
    done = _run(store, tmp_path, "import", "decisions", str(bob), "--analyst", "bob")
    assert done.exit_code == 0, done.output
    assert _latest(store, a55) == ("excluded", "propaganda", "bob")

    # Ana's copy was exported before Bob's decision; she only edited another row.
    ana = _edit(ana_file, {other: {"status": "included"}}, tmp_path / "ana-edited.csv")
    refused = _run(store, tmp_path, "import", "decisions", str(ana), "--analyst", "ana")
    assert refused.exit_code == 5
    assert "ana-edited.csv: row 2" not in refused.output  # the line says the row, not a problem
    assert (f"row 2, id {a55}: conflict: the file says status candidate, note '', but bob "
            "decided status excluded, note 'propaganda' on ") in refused.output  # fmt: skip
    assert "(version 1; the file has version 0)" in refused.output
    assert "1 conflict(s); nothing changed" in refused.output
    assert "--force" in refused.output
    assert _latest(store, a55) == ("excluded", "propaganda", "bob")  # nothing applied,
    assert _latest(store, other) == ("candidate", None, None)  # not even the good row
    assert len(store.decisions_for_period(PERIOD)) == 1

    forced = _run(store, tmp_path, "import", "decisions", str(ana), "--analyst", "ana", "--force")
    assert forced.exit_code == 0, forced.output
    assert "overrode 1 later decision(s)" in forced.output
    assert _latest(store, a55) == ("candidate", None, "ana")
    assert _latest(store, other) == ("included", None, "ana")
    trail = {d["article_id"]: d for d in store.decisions_for_period(PERIOD)[1:]}
    overrode = json.loads(trail[a55]["overrode"])
    assert (overrode["analyst"], overrode["status"], overrode["note"]) == (
        "bob", "excluded", "propaganda",
    )  # fmt: skip
    assert trail[other]["overrode"] is None  # that row was not stale


def test_a_fresh_export_after_someone_decided_imports_cleanly(store: Store, tmp_path: Path) -> None:
    a = save(store, "Rusia y Venezuela")
    decide(store, a, "excluded", analyst="bob")
    fresh = _edit(_export(store, tmp_path, "x.csv"), {a: {"note": "de acuerdo"}},
                  tmp_path / "y.csv")  # fmt: skip
    result = _run(store, tmp_path, "import", "decisions", str(fresh), "--analyst", "ana", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["applied"] and doc["conflicts"] == [] and doc["totals"]["changed"] == 1
    assert _latest(store, a) == ("excluded", "de acuerdo", "ana")


def test_dry_run_shows_each_change_needs_no_name_and_writes_nothing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = save(store, "Rusia y Venezuela")
    b = save(store, "China y Perú", actors=("china",), section="china")
    c = save(store, "Irán y Bolivia", actors=("iran",), section="iran")
    decide(store, c, "excluded", analyst="bob")
    path = _export(store, tmp_path, "x.csv")
    decide(store, c, "included", analyst="bob")  # c is now stale in the file
    edited = _edit(path, {a: {"status": "excluded", "note": "propaganda"},
                          b: {"section": "overview"}, c: {"note": "ver"}},
                   tmp_path / "y.csv")  # fmt: skip
    monkeypatch.setattr("getpass.getuser", _no_login)
    result = _run(store, tmp_path, "import", "decisions", str(edited), "--dry-run")
    assert result.exit_code == 5  # the import would be refused
    lines = result.output.splitlines()
    assert f"row 2, id {a}: status candidate → excluded; note '' → 'propaganda'" in lines
    assert f"row 3, id {b}: section china (automatic) → overview" in lines
    assert any(line.startswith(f"row 4, id {c}: conflict:") for line in lines)
    assert len(store.decisions_for_period(PERIOD)) == 2

    doc = json.loads(_run(store, tmp_path, "import", "decisions", str(edited), "--dry-run",
                          "--json").stdout)  # fmt: skip
    assert doc["dry_run"] and not doc["applied"] and doc["versioned"]
    assert doc["totals"] == {"changed": 3, "conflicts": 1, "unchanged": 0,
                             "by_status": {"candidate": 1, "excluded": 2}}  # fmt: skip
    first = doc["changed"][0]
    assert first["id"] == a and first["row"] == 2
    assert first["changes"] == {"status": {"from": "candidate", "to": "excluded"},
                                "note": {"from": None, "to": "propaganda"}}  # fmt: skip
    (conflict,) = doc["conflicts"]
    assert conflict["id"] == c and conflict["version"] == 1
    assert conflict["stored"]["status"] == "included" and conflict["stored"]["analyst"] == "bob"
    assert conflict["stored"]["version"] == 2
    forced = _run(store, tmp_path, "import", "decisions", str(edited), "--dry-run", "--force")
    assert forced.exit_code == 0 and "would override 1 later decision(s)" in forced.output
    assert len(store.decisions_for_period(PERIOD)) == 2  # still nothing written


def _no_login() -> str:
    raise OSError("No username set in the environment")


def test_the_analyst_is_the_login_name_unless_given(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [save(store, f"Rusia y Venezuela {i}") for i in range(3)]
    monkeypatch.setattr("getpass.getuser", lambda: "cron-job")
    for i, (args, env, who) in enumerate([
        ((), {}, "cron-job"),  # no $USER needed: getpass also asks the password database
        ((), {"VRIC_ANALYST": "marta"}, "marta"),
        (("--analyst", "lucia"), {"VRIC_ANALYST": "marta"}, "lucia"),
    ]):  # fmt: skip
        path = _export(store, tmp_path, f"x{i}.csv")
        edited = _edit(path, {ids[i]: {"status": "included"}}, tmp_path / f"e{i}.csv")
        result = _run(store, tmp_path, "import", "decisions", str(edited), *args, **env)
        assert result.exit_code == 0, result.output
        assert _latest(store, ids[i])[2] == who
    monkeypatch.setattr("getpass.getuser", _no_login)
    result = _run(store, tmp_path, "import", "decisions", str(path))
    assert result.exit_code == 2 and "--analyst" in result.output


def test_a_file_without_versions_imports_with_a_warning(store: Store, tmp_path: Path) -> None:
    a = save(store, "Rusia y Venezuela")
    path = _export(store, tmp_path, "x.csv")
    rows = _rows(path)
    rows[0]["status"] = "excluded"
    old = _write(tmp_path / "old.csv", rows, [c for c in rows[0] if c != "version"])
    decide(store, a, "included", analyst="bob")  # would be a conflict, but cannot be seen
    result = _run(store, tmp_path, "import", "decisions", str(old), "--analyst", "ana")
    assert result.exit_code == 0, result.output
    assert "warning: old.csv: no version column" in result.output
    assert "cannot be detected" in result.output
    assert _latest(store, a) == ("excluded", None, "ana")


def test_a_refused_file_exits_1_with_its_problems(store: Store, tmp_path: Path) -> None:
    save(store, "Rusia y Venezuela")
    rows = _rows(_export(store, tmp_path, "x.csv"))
    bad = _write(tmp_path / "bad.csv", [{**rows[0], "status": "tal vez"}])
    result = _run(store, tmp_path, "import", "decisions", str(bad), "--analyst", "x", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"][0].startswith("bad.csv: row 2 (id ")
    assert "nothing was imported" in result.output
