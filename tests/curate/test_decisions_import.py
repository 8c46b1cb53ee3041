"""What a file may leave out or get wrong, on SQLite and Postgres: absent
columns leave fields as they are, headers in any case and order, deleted and
duplicated rows, stale versions, a decision made while the import runs, and
files that are not what their name says."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest

from pipeline.curate.decisions import ImportReport, import_decisions
from pipeline.errors import ImportRowsError
from pipeline.store import Store
from tests.curate.factory import NOW, PERIOD, SECTIONS, decide, save

LATER = NOW + timedelta(hours=1)


def _csv(header: list[str], *rows: list[Any]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _import(store: Any, data: bytes, name: str = "candidatos.csv", **kw: Any) -> ImportReport:
    kw.setdefault("analyst", "ana")
    return import_decisions(store, data, source=name, sections=SECTIONS, now=LATER, **kw)


def _state(store: Store, article_id: int) -> tuple[str, str | None, str | None, int]:
    (view,) = store.articles_by_ids([article_id])
    d = view.decision
    section = d.section if d else None
    return (d.status if d else "candidate", section, d.note if d else None, view.version)


def _problems(store: Store, data: bytes, name: str = "candidatos.csv") -> list[str]:
    with pytest.raises(ImportRowsError) as err:
        _import(store, data, name)
    return err.value.problems


@pytest.fixture
def seeded(store: Store) -> tuple[Store, int, int]:
    """Article 36 with a note, article 62 moved by an analyst to china."""
    a36 = save(store, "Rusia y Venezuela firman acuerdo")
    a62 = save(store, "Rusia y China en el Caribe", actors=("russia", "china"), section="russia")
    decide(store, a36, "candidate", note="revisar fuente", analyst="bob")
    decide(store, a62, "candidate", section="china", analyst="bob")
    return store, a36, a62


def test_only_id_and_status_leaves_note_and_section_alone(seeded: tuple[Store, int, int]) -> None:
    store, a36, a62 = seeded
    report = _import(store, _csv(["id", "status"], [a36, "included"], [a62, "excluded"]))
    assert len(report.changed) == 2
    assert _state(store, a36) == ("included", None, "revisar fuente", 2)
    assert _state(store, a62) == ("excluded", "china", None, 2)


def test_only_id_and_note_leaves_status_and_section_alone(seeded: tuple[Store, int, int]) -> None:
    store, a36, a62 = seeded
    decide(store, a62, "included", section="china", analyst="bob")
    _import(store, _csv(["id", "note"], [a36, ""], [a62, "confirmado"]))
    assert _state(store, a36) == ("candidate", None, None, 2)  # an empty note clears it
    assert _state(store, a62) == ("included", "china", "confirmado", 3)


def test_headers_in_any_case_and_order_and_extra_columns(seeded: tuple[Store, int, int]) -> None:
    store, a36, a62 = seeded
    data = _csv([" Note", "TITLE", "Section ", "'Id", "STATUS", "Version"],
                ["ok", "x", "overview", a36, "Excluded", 1],
                ["", "y", "", a62, "candidate", 1])  # fmt: skip
    report = _import(store, data)
    assert [p.summary for p in report.changed] == [
        f"row 2, id {a36}: status candidate → excluded; section russia (automatic) → "
        "overview; note 'revisar fuente' → 'ok'",
        f"row 3, id {a62}: section china → russia (automatic)",
    ]
    assert _state(store, a62) == ("candidate", None, None, 2)


def test_a_section_equal_to_the_automatic_one_stays_automatic(store: Store) -> None:
    a = save(store, "Rusia y Venezuela", section="russia")
    _import(store, _csv(["id", "status", "section"], [a, "included", "russia"]))
    assert _state(store, a) == ("included", None, None, 1)  # not pinned to russia


def test_deleted_rows_are_left_as_they_are(seeded: tuple[Store, int, int]) -> None:
    store, a36, a62 = seeded
    report = _import(store, _csv(["id", "status", "note", "version"], [a62, "excluded", "", 1]))
    assert (len(report.changed), report.unchanged, report.rows) == (1, 0, 1)
    assert _state(store, a36) == ("candidate", None, "revisar fuente", 1)


def test_a_duplicated_row_must_agree_and_the_message_names_both(
    seeded: tuple[Store, int, int],
) -> None:
    store, a36, a62 = seeded
    same = _csv(["id", "status"], [a36, "excluded"], [a62, "included"], [a36, "excluded"])
    assert len(_import(store, same).changed) == 2
    differ = _csv(["id", "status"], [a36, "included"], [a62, "included"], [a36, "candidate"])
    assert _problems(store, differ) == [
        f"candidatos.csv: row 4 (id {a36}): also on row 2 with different values"
    ]
    assert _state(store, a36)[0] == "excluded"


def test_header_problems_are_refused_with_a_reason(store: Store) -> None:
    a = save(store)
    assert _problems(store, _csv(["id", "status", "Status"], [a, "included", "excluded"])) == [
        "candidatos.csv: column 'status' appears more than once"
    ]
    assert _problems(store, _csv(["id", "title"], [a, "x"])) == [
        "candidatos.csv: no status, section or note column: nothing to import"
    ]


def test_an_empty_or_bad_version_cell_is_a_problem(store: Store) -> None:
    a, b = save(store), save(store, "Otra")
    problems = _problems(store, _csv(["id", "status", "version"], [a, "included", ""],
                                     [b, "included", "dos"]))  # fmt: skip
    assert problems[0].startswith(f"candidatos.csv: row 2 (id {a}): version '' is not a decision")
    assert "delete the whole column to import without conflict checks" in problems[0]
    assert problems[1].startswith(f"candidatos.csv: row 3 (id {b}): version 'dos'")


def test_a_row_that_changes_nothing_is_never_a_conflict(seeded: tuple[Store, int, int]) -> None:
    store, a36, a62 = seeded
    stale = _csv(["id", "status", "note", "version"], [a36, "candidate", "revisar fuente", 0],
                 [a62, "excluded", "", 1])  # fmt: skip
    report = _import(store, stale)
    assert report.conflicts == () and len(report.changed) == 1 and report.unchanged == 1


def test_conflicts_are_all_listed_and_nothing_is_applied(seeded: tuple[Store, int, int]) -> None:
    store, a36, a62 = seeded
    fresh = save(store, "Irán y Bolivia", actors=("iran",), section="iran")
    data = _csv(["id", "status", "version"], [a36, "excluded", 0], [a62, "included", 0],
                [fresh, "included", 0])  # fmt: skip
    report = _import(store, data)
    assert report.refused and not report.applied
    assert [p.row.article_id for p in report.conflicts] == [a36, a62]
    assert report.conflicts[0].current.analyst == "bob"
    assert _state(store, fresh) == ("candidate", None, None, 0)
    forced = _import(store, data, force=True)
    assert forced.applied and len(forced.changed) == 3 and len(forced.conflicts) == 2
    overrode = [d["overrode"] for d in store.decisions_for_period(PERIOD)[-3:]]
    assert [json.loads(o)["version"] if o else None for o in overrode] == [1, 1, None]


class _DecidesMeanwhile:
    """A store where Bob decides just after the import read the articles."""

    def __init__(self, store: Store, article_id: int) -> None:
        self.store, self.article_id, self.reads = store, article_id, 0

    def article_states(self, ids: list[int]) -> Any:
        states = self.store.article_states(ids)
        self.reads += 1
        if self.reads == 1:
            decide(self.store, self.article_id, "candidate", note="de Bob", analyst="bob")
        return states

    def decide(self, *args: Any, **kw: Any) -> Any:
        return self.store.decide(*args, **kw)


def test_a_decision_made_during_an_import_without_versions_is_not_undone(store: Store) -> None:
    a = save(store, "Rusia y Venezuela")
    racing = _DecidesMeanwhile(store, a)
    report = _import(racing, _csv(["id", "status"], [a, "excluded"]))  # type: ignore[arg-type]
    assert racing.reads == 2 and report.applied  # planned again on Bob's decision
    assert _state(store, a) == ("excluded", None, "de Bob", 2)  # his note kept


def test_a_decision_made_during_a_versioned_import_is_a_conflict(store: Store) -> None:
    a = save(store, "Rusia y Venezuela")
    racing = _DecidesMeanwhile(store, a)
    report = _import(racing, _csv(["id", "status", "version"], [a, "excluded", 0]))  # type: ignore[arg-type]
    assert report.refused and report.conflicts[0].current.analyst == "bob"
    assert _state(store, a) == ("candidate", None, "de Bob", 1)


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("candidatos.xlsx", b"id,status\r\n1,included\r\n",
         "candidatos.xlsx is a CSV (text) file, not an Excel workbook: rename it to "
         "candidatos.csv"),
        ("viejo.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
         "viejo.csv is an Excel 97-2003 workbook (.xls); save it as .xlsx"),
        ("informe.csv", b"%PDF-1.7\n...", "informe.csv is a PDF document, not a spreadsheet"),
        ("datos.xlsx", b"PK\x03\x04garbage", "datos.xlsx is a zip archive, not a spreadsheet"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_what_its_name_says(
    store: Store, name: str, data: bytes, says: str
) -> None:
    (problem,) = _problems(store, data, name)
    assert problem.startswith(says)
