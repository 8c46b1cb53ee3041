"""The workbook both ways, on SQLite and Postgres: what an analyst sees when
opening it, and the import of a copy edited as a spreadsheet would save it
(cells edited, a column deleted, rows sorted, a blank sheet added)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.curate.decisions import ImportReport, import_decisions
from pipeline.curate.export import period_rows
from pipeline.curate.workbook import SHEET_COLUMNS, export_workbook, write_workbook
from pipeline.errors import ImportRowsError
from pipeline.store import Store
from tests.curate.factory import NOW, PERIOD, SECTIONS, FakeRegistry, decide, save

TITLE = '=HYPERLINK("http://evil.example/x","clic") Irán en Nicaragua'


def _seed(store: Store) -> tuple[int, int, int]:
    iran = save(store, TITLE, actors=("iran",), section="iran", outlet="ir_hispantv",
                url="https://www.hispantv.com/noticias/1")  # fmt: skip
    return (
        iran,
        save(store, "China financia el puerto de Chancay", actors=("china",), section="china"),
        save(store, "Rusia y Argentina negocian la central", section="russia"),
    )


def _export(store: Store, path: Path) -> Path:
    export_workbook(store, PERIOD, path, sections=SECTIONS, registry=FakeRegistry())
    return path


def _col(ws: Any, name: str) -> int:
    return [c.value for c in ws[1]].index(name) + 1


def _row_of(ws: Any, article_id: int) -> int:
    id_col = _col(ws, "id")
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, id_col).value == article_id)


def _set(ws: Any, article_id: int, **values: str) -> None:
    row = _row_of(ws, article_id)
    for name, value in values.items():
        ws.cell(row, _col(ws, name)).value = value


def _import(store: Store, path: Path, **kw: Any) -> ImportReport:
    return import_decisions(store, path.read_bytes(), source=path.name, sections=SECTIONS,
                            now=NOW, analyst=kw.pop("analyst", "ana"), **kw)  # fmt: skip


def _status(store: Store, article_id: int) -> tuple[str, str | None]:
    (view,) = store.articles_by_ids([article_id])
    return (view.decision.status, view.decision.note) if view.decision else ("candidate", None)


def test_what_an_analyst_sees(store: Store, tmp_path: Path) -> None:
    a, b, _ = _seed(store)
    decide(store, b, "excluded", note="=1+1 no es fuente")
    wb = openpyxl.load_workbook(_export(store, tmp_path / "x.xlsx"))
    assert wb.sheetnames == ["all", *SECTIONS]
    ws = wb["all"]
    header = [cell.value for cell in ws[1]]
    assert header[:5] == ["title", "outlet", "status", "section", "note"]
    assert sorted(header) == sorted(SHEET_COLUMNS) and "version" in header
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width > 40
    narrow = {ws.column_dimensions[openpyxl.utils.get_column_letter(_col(ws, n))].width
              for n in ("id", "version")}  # fmt: skip
    assert max(narrow) <= 8
    title = ws.cell(_row_of(ws, a), 1)
    assert title.value == TITLE and title.data_type == "s"  # text, never a formula
    note = ws.cell(_row_of(ws, b), _col(ws, "note"))
    assert note.value == "=1+1 no es fuente" and note.data_type == "s"
    url = ws.cell(_row_of(ws, a), _col(ws, "url"))
    assert url.hyperlink.target == "https://www.hispantv.com/noticias/1"
    (shading,) = ws.conditional_formatting  # state-media rows: HispanTV's, not Infobae's
    flag = openpyxl.utils.get_column_letter(_col(ws, "state_media"))
    assert str(shading.sqref).startswith("A2:") and shading.rules[0].formula == [f'${flag}2="yes"']
    assert shading.rules[0].dxf.fill.fgColor.rgb.endswith("FCE4D6")
    assert ws.cell(_row_of(ws, a), _col(ws, "state_media")).value == "yes"
    assert ws.cell(_row_of(ws, b), _col(ws, "state_media")).value == "no"
    validations = ws.data_validations.dataValidation
    lists = {str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in validations}
    assert lists["C"] == '"candidate,included,excluded"'
    assert lists["D"] == '"' + ",".join(SECTIONS) + '"'
    assert [wb[s].max_row for s in ("iran", "china", "russia", "overview")] == [2, 2, 2, 1]
    assert _row_of(wb["china"], b) == 2


def test_a_round_trip_through_a_spreadsheet(store: Store, tmp_path: Path) -> None:
    a, _, c = _seed(store)
    path = _export(store, tmp_path / "candidatos.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["all"]
    _set(ws, a, status="excluded", note="propaganda")
    _set(ws, c, status="included")
    ws.delete_cols(_col(ws, "section"))  # a column the analyst found in the way
    rows = sorted(ws.iter_rows(min_row=2, values_only=True), key=lambda r: str(r[0]))
    for r, values in enumerate(rows, start=2):  # sorted by title, as Data > Sort does
        for col, value in enumerate(values, start=1):
            ws.cell(r, col).value = value
    wb.create_sheet("mis notas")  # a blank sheet of the analyst's own
    for s in SECTIONS:  # the section sheets removed: "all" alone carries the edits
        del wb[s]
    wb.save(path)
    report = _import(store, path)
    assert {p.row.article_id for p in report.changed} == {a, c}
    assert _status(store, a) == ("excluded", "propaganda")
    assert _status(store, c) == ("included", None)
    (view,) = store.articles_by_ids([a])
    assert view.decision is not None and view.decision.section is None  # column absent
    again = openpyxl.load_workbook(_export(store, tmp_path / "second.xlsx"))["all"]
    assert again.cell(_row_of(again, a), 1).value == TITLE  # the title is still that text


def test_an_edit_on_a_section_sheet_wins_over_the_untouched_all_sheet(
    store: Store, tmp_path: Path
) -> None:
    a, b, _ = _seed(store)
    path = _export(store, tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(path)
    _set(wb["china"], b, status="included", note="clave")
    _set(wb["all"], a, status="excluded")  # and one on "all", none on "iran"
    wb.save(path)
    report = _import(store, path)
    assert _status(store, b) == ("included", "clave")
    assert _status(store, a) == ("excluded", None)
    where = {p.row.article_id: p.row.sheet for p in report.changed}
    assert where == {a: "all", b: "china"}


def test_two_different_edits_of_one_article_are_refused(store: Store, tmp_path: Path) -> None:
    _, b, _ = _seed(store)
    path = _export(store, tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(path)
    _set(wb["china"], b, status="included")
    _set(wb["all"], b, status="excluded")
    wb.save(path)
    with pytest.raises(ImportRowsError) as err:
        _import(store, path)
    row_all = _row_of(wb["all"], b)
    assert err.value.problems == [
        f"x.xlsx: sheet 'china', row 2 (id {b}): also on sheet 'all', row {row_all} with "
        "different values"
    ]
    assert _status(store, b) == ("candidate", None)


def test_a_stale_workbook_is_a_conflict_and_force_records_it(store: Store, tmp_path: Path) -> None:
    a, _, _ = _seed(store)
    path = _export(store, tmp_path / "x.xlsx")
    decide(store, a, "included", analyst="bob", note="buena")
    wb = openpyxl.load_workbook(path)
    _set(wb["all"], a, status="excluded")
    _set(wb["iran"], a, status="excluded")
    wb.save(path)
    report = _import(store, path)
    assert report.refused and report.conflicts[0].current.analyst == "bob"
    assert _status(store, a) == ("included", "buena")
    assert _import(store, path, force=True).applied
    assert _status(store, a) == ("excluded", None)
    last = store.decisions_for_period(PERIOD)[-1]
    assert json.loads(last["overrode"])["analyst"] == "bob"


def test_a_workbook_given_as_csv_and_a_workbook_without_ids(store: Store, tmp_path: Path) -> None:
    _seed(store)
    path = _export(store, tmp_path / "x.xlsx")
    renamed = tmp_path / "candidatos.csv"
    renamed.write_bytes(path.read_bytes())
    with pytest.raises(ImportRowsError) as err:
        _import(store, renamed)
    assert err.value.problems == [
        "candidatos.csv is an Excel workbook (.xlsx), not a CSV: rename it to "
        "candidatos.xlsx (vric reads both), or save it from the spreadsheet as 'CSV UTF-8'"
    ]
    other = openpyxl.Workbook()
    other.active.append(["titulo", "estado"])
    other.save(tmp_path / "otro.xlsx")
    with pytest.raises(ImportRowsError) as err:
        _import(store, tmp_path / "otro.xlsx")
    assert "otro.xlsx: no sheet has an id column" in err.value.problems[0]


def test_past_the_row_limit_a_sheet_continues_and_is_read_back(
    store: Store, tmp_path: Path
) -> None:
    ids = [save(store, f"Rusia y Venezuela {i}", section="russia") for i in range(3)]
    path = tmp_path / "x.xlsx"
    rows = period_rows(store, PERIOD)
    result = write_workbook(rows, path, sections=SECTIONS, registry=FakeRegistry(), max_rows=2)
    assert result.rows == 3
    wb = openpyxl.load_workbook(path)
    assert [n for n in wb.sheetnames if n.startswith(("all", "russia"))] == [
        "all", "russia", "all (2)", "russia (2)",
    ]  # fmt: skip
    assert (wb["all"].max_row, wb["all (2)"].max_row) == (3, 2)
    _set(wb["all (2)"], ids[2], status="included")
    _set(wb["russia (2)"], ids[2], status="included")
    wb.save(path)
    assert [p.row.article_id for p in _import(store, path).changed] == [ids[2]]
