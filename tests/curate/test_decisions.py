"""The analysts' round trip on both backends: export, edit as Excel would,
import, re-export; bad rows refused with row numbers and nothing applied;
dry runs and repeated imports change nothing; every decision is kept."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.curate.decisions import ImportReport, import_decisions, normalise_period
from pipeline.curate.decisions_parse import parse_decisions
from pipeline.curate.export import export_period
from pipeline.errors import ImportRowsError
from pipeline.store import Store
from tests.curate.factory import NOW, PERIOD, SECTIONS, FakeRegistry, decide, save


def _export(store: Store, path: Path) -> list[dict[str, str]]:
    export_period(store, PERIOD, path, registry=FakeRegistry())
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def as_excel(rows: list[dict[str, str]], *, sep: str = ";", encoding: str = "utf-8-sig") -> bytes:
    """What Excel in a Spanish locale saves: ; separators, CRLF, everything quoted
    that needs it, padded cells and a ' typed before an id."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=sep, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def _import(store: Store, data: bytes, **kw: object) -> ImportReport:
    kw.setdefault("analyst", "lucia")
    kw.setdefault("now", NOW + timedelta(hours=1))
    kw.setdefault("sections", SECTIONS)
    return import_decisions(store, data, source="candidatos.csv", **kw)  # type: ignore[arg-type]


def _seed(store: Store) -> list[int]:
    return [
        save(store, "Rusia y Argentina negocian la central nuclear", topics=("nuclear",)),
        save(
            store,
            "China financia el puerto de Chancay",
            actors=("china",),
            section="china",
            url="https://elcomercio.pe/economia/chancay/",
        ),
        save(
            store,
            '=HYPERLINK("http://x") Irán en Nicaragua',
            actors=("iran",),
            section="iran",
            url="https://www.laprensani.com/iran",
        ),
    ]


def test_the_round_trip_export_edit_import_reexport(store: Store, tmp_path: Path) -> None:
    a, b, c = _seed(store)
    rows = _export(store, tmp_path / "first.csv")
    edits = {
        a: ("Included  ", "", "=comprobar cifras"),  # Excel user typing: case, trailing spaces
        b: ("excluded", "overview", "sin fuente"),
        c: ("candidate", "iran", ""),  # unchanged
    }
    for row in rows:
        status, section, note = edits[int(row["id"])]
        row.update(status=status, section=section or row["section"], note=note)
        row["id"] = "'" + row["id"]  # a ' typed in front of the number
    report = _import(store, as_excel(rows))
    assert (len(report.changed), report.unchanged) == (2, 1)
    again = {int(r["id"]): r for r in _export(store, tmp_path / "second.csv")}
    assert again[a]["status"] == "included" and again[a]["note"] == "'=comprobar cifras"
    assert again[a]["analyst"] == "lucia" and again[a]["section"] == "russia"
    assert (again[b]["status"], again[b]["section"], again[b]["note"]) == (
        "excluded",
        "overview",
        "sin fuente",
    )
    assert again[c]["status"] == "candidate" and again[c]["analyst"] == ""
    # Importing the re-export (or the same file again) adds nothing.
    assert _import(store, (tmp_path / "second.csv").read_bytes()).changed == ()
    assert _import(store, as_excel(rows)).changed == ()
    assert len(store.decisions_for_period(PERIOD)) == 2


def test_dry_run_changes_nothing(store: Store, tmp_path: Path) -> None:
    a, _, _ = _seed(store)
    rows = _export(store, tmp_path / "x.csv")
    for row in rows:
        row["status"] = "included"
    report = _import(store, as_excel(rows), dry_run=True, analyst=None)  # no name needed
    assert len(report.changed) == 3 and report.dry_run and not report.applied
    assert store.decisions_for_period(PERIOD) == []
    assert _export(store, tmp_path / "y.csv")[0]["status"] == "candidate"
    assert a


def test_bad_rows_are_all_reported_and_nothing_is_applied(store: Store, tmp_path: Path) -> None:
    a, b, c = _seed(store)
    rows = _export(store, tmp_path / "x.csv")
    for row in rows:
        row["status"] = "included"  # would be a valid change
    rows[1]["status"] = "maybe"
    rows[2]["section"] = "venezuela"
    rows.append({**rows[0], "id": "99999"})
    rows.append({**rows[0], "period": "2021-10"})
    rows.append({**rows[0], "id": "abc"})
    rows.append({**rows[0], "note": "otra nota"})  # id a again, different values
    with pytest.raises(ImportRowsError) as err:
        _import(store, as_excel(rows))
    problems = err.value.problems  # every problem of the file, in row order
    assert len(problems) == 6
    assert problems[0].startswith(f"candidatos.csv: row 3 (id {b}): status 'maybe' must be one")
    assert f"row 4 (id {c}): section 'venezuela' must be empty or one of" in problems[1]
    assert "row 5 (id 99999): no such article in the database" in problems[2]
    assert (
        f"row 6 (id {a}): period changed to 2021-10, but the article is in 2021-08" in (problems[3])
    )
    assert "row 7: id 'abc' is not an article id" in problems[4]
    assert f"row 8 (id {a}): also on row 2 with different values" in problems[5]
    assert store.decisions_for_period(PERIOD) == []


def test_every_decision_is_kept_and_the_latest_wins(store: Store, tmp_path: Path) -> None:
    a, _, _ = _seed(store)
    decide(store, a, "included", analyst="ana", at=NOW - timedelta(days=1))
    rows = _export(store, tmp_path / "x.csv")
    rows[0]["status"] = "excluded"
    _import(store, as_excel(rows), analyst="pedro")
    trail = [(d["analyst"], d["status"], d["source"]) for d in store.decisions_for_period(PERIOD)]
    assert trail == [("ana", "included", "test"), ("pedro", "excluded", "candidatos.csv")]
    assert _export(store, tmp_path / "y.csv")[0]["status"] == "excluded"


def test_clearing_the_section_returns_to_the_automatic_one(store: Store, tmp_path: Path) -> None:
    a, _, _ = _seed(store)
    decide(store, a, "candidate", section="overview")
    rows = _export(store, tmp_path / "x.csv")
    assert rows[0]["section"] == "overview"
    rows[0]["section"] = ""
    assert len(_import(store, as_excel(rows)).changed) == 1
    assert _export(store, tmp_path / "y.csv")[0]["section"] == "russia"


def test_windows_1252_file_is_read_with_a_warning(store: Store, tmp_path: Path) -> None:
    _seed(store)
    rows = _export(store, tmp_path / "x.csv")
    for row in rows:
        row["note"] = "revisión pendiente"
        row["title"] = row["title"].replace("=", "")
    report = _import(store, as_excel(rows, sep=",", encoding="cp1252"))
    assert len(report.changed) == 3 and "Windows-1252" in report.warnings[0]


@pytest.mark.parametrize(
    ("cell", "period"),
    [
        ("2021-08", "2021-08"),
        ("2021-08-01", "2021-08"),
        ("Aug-21", "2021-08"),
        ("ago-21", "2021-08"),
        ("ago/2021", "2021-08"),
        ("8/1/2021", "2021-08"),
        ("01/08/2021", "2021-08"),
        ("08/2021", "2021-08"),
        ("2021-08-01 00:00", "2021-08"),
        ("August 2021", "2021-08"),
        ("dic-21", "2021-12"),
        ("nonsense", None),
        ("2021-13", None),
    ],
)
def test_periods_as_spreadsheets_rewrite_them(cell: str, period: str | None) -> None:
    assert normalise_period(cell) == period


def test_a_file_without_the_needed_columns_is_refused() -> None:
    parsed = parse_decisions(b"title,url\r\nx,y\r\n", source="otro.csv", sections=SECTIONS)
    assert [str(p) for p in parsed.problems] == [
        "otro.csv: no id column (import a file written by `vric export csv`)"
    ]
    parsed = parse_decisions(b"id,title\r\n1,y\r\n", source="otro.csv", sections=SECTIONS)
    assert [str(p) for p in parsed.problems] == [
        "otro.csv: no status, section or note column: nothing to import"
    ]
