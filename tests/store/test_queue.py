"""The workbench's review queue on SQLite and Postgres: every filter, sort,
paging, full-text search (accents, hostile input, kept in sync), section
counts, decision history, and agreement with what the export and the bundle
read (status_of / effective_section)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import update

from pipeline.curate.views import OutletCache, effective_section, status_of
from pipeline.store import DecisionChange, QueueQuery, Store, migrate
from pipeline.store.queue import fts5_query
from pipeline.store.schema import articles
from tests.curate.factory import AUG, PERIOD, FakeRegistry, decide, save


def _ids(store: Store, **filters: object) -> set[int]:
    page = store.queue(QueueQuery(PERIOD, per_page=500, **filters))  # type: ignore[arg-type]
    assert page.total == len(page.items)
    return {i.id for i in page.items}


@pytest.fixture
def seeded(store: Store) -> dict[str, int]:
    """Six candidates that differ in one way each, and two outside the queue."""
    ids = {
        "ru": save(store, "Rusia y Venezuela firman acuerdo energético", outlet="ru_rt_es",
                   score=4.0, text="El gas natural llegará a Caracas."),
        "cn": save(store, "China financia un puerto en Perú", outlet="cn_xinhua",
                   actors=("china",), topics=("infrastructure",), countries=("pe",), score=3.5,
                   published=AUG + timedelta(days=3), text="Inversión china en Chancay."),
        "ir": save(store, "Irán y Venezuela: cooperación petrolera", outlet="ir_hispantv",
                   actors=("iran",), score=2.0, language="pt", published=AUG - timedelta(days=5),
                   text="Petróleo iraní para refinerías."),
        "op": save(store, "Opinión: la economía de Bolivia", outlet="int_elpais",
                   actors=("russia",), countries=("bo",), score=1.5, is_opinion=True,
                   text="Una columna sobre la economía boliviana."),
        "host": save(store, "Rusia envía ayuda médica a Nicaragua", outlet=None,
                     url="https://noticias.example.net/ayuda", topics=("medical",), score=3.0,
                     countries=("ni",), text="Vacunas Sputnik V en Managua."),
        "dec": save(store, "Maduro recibe al canciller ruso", outlet="ve_globovision",
                    actors=("venezuela", "russia"), score=0.5, relevant=False,
                    text="Visita oficial."),
        "irrelevant": save(store, "Resultados del fútbol", outlet="int_infobae", actors=(),
                           topics=(), relevant=False, score=0.0, section=None),
        "other_period": save(store, "Rusia y Cuba", published=AUG + timedelta(days=70)),
    }  # fmt: skip
    decide(store, ids["dec"], "included", section="russia")  # decided: in the queue
    decide(store, ids["cn"], "excluded", note="duplicate")
    return ids


def test_the_queue_holds_relevant_and_decided_articles_of_the_period(
    store: Store, seeded: dict[str, int]
) -> None:
    expected = {seeded[k] for k in ("ru", "cn", "ir", "op", "host", "dec")}
    assert _ids(store) == expected
    assert store.queue(QueueQuery("2021-10")).total == 1


def test_each_filter_narrows_the_queue(store: Store, seeded: dict[str, int]) -> None:
    cases: list[tuple[dict[str, object], set[str]]] = [
        ({"status": "included"}, {"dec"}),
        ({"status": "excluded"}, {"cn"}),
        ({"status": "candidate"}, {"ru", "ir", "op", "host"}),
        ({"section": "russia"}, {"ru", "op", "host", "dec"}),
        ({"section": "china"}, {"cn"}),
        ({"actor": "iran"}, {"ir"}),
        ({"actor": "venezuela"}, {"dec"}),
        ({"topic": "medical"}, {"host"}),
        ({"country": "pe"}, {"cn"}),
        ({"outlet": "cn_xinhua"}, {"cn"}),
        ({"outlet": "noticias.example.net"}, {"host"}),  # no outlet id: the host
        ({"language": "pt"}, {"ir"}),
        ({"state_media": True}, {"ru", "cn", "ir"}),
        ({"state_media": False}, {"op", "host", "dec"}),
        ({"opinion": True}, {"op"}),
        ({"opinion": False}, {"ru", "cn", "ir", "host", "dec"}),
        ({"score_min": 3.0}, {"ru", "cn", "host"}),
        ({"score_max": 1.5}, {"op", "dec"}),
        ({"score_min": 1.0, "score_max": 3.0}, {"ir", "op", "host"}),
        ({"state_media": True, "status": "candidate", "score_min": 3.0}, {"ru"}),
        ({"actor": "nobody"}, set()),
    ]
    for filters, names in cases:
        assert _ids(store, **filters) == {seeded[n] for n in names}, filters


def test_items_carry_what_the_review_screen_shows(store: Store, seeded: dict[str, int]) -> None:
    page = store.queue(QueueQuery(PERIOD, actor="china"), outlet_info=OutletCache(FakeRegistry()))
    (item,) = page.items
    assert (item.title, item.outlet, item.outlet_name, item.country) == (
        "China financia un puerto en Perú",
        "cn_xinhua",
        "Xinhua News Agency",
        "cn",
    )
    assert (item.status, item.section, item.version) == ("excluded", "china", 1)
    assert item.state_media and not item.is_opinion and item.score == 3.5
    assert item.published == (AUG + timedelta(days=3)).date()
    assert (item.actors, item.topics, item.countries) == (("china",), ("infrastructure",), ("pe",))
    assert item.url.startswith("https://www.infobae.com/") and item.language == "es"
    (bare,) = store.queue(QueueQuery(PERIOD, topic="medical")).items
    assert (bare.outlet, bare.outlet_name, bare.country) == ("noticias.example.net", None, None)


def test_sort_by_score_or_date_and_pages(store: Store, seeded: dict[str, int]) -> None:
    by_score = [i.id for i in store.queue(QueueQuery(PERIOD, per_page=500)).items]
    order = ["ru", "cn", "host", "ir", "op", "dec"]
    assert by_score == [seeded[k] for k in order]
    by_date = store.queue(QueueQuery(PERIOD, sort="date", per_page=500)).items
    dates = [(i.published, i.id) for i in by_date]
    assert dates == sorted(dates, reverse=True) and by_date[0].id == seeded["cn"]
    assert by_date[-1].id == seeded["ir"]
    pages = [store.queue(QueueQuery(PERIOD, per_page=4, page=n)) for n in (1, 2, 3)]
    assert [p.total for p in pages] == [6, 6, 6]
    assert [i.id for p in pages for i in p.items] == by_score
    assert [len(p.items) for p in pages] == [4, 2, 0]


BAD_QUERIES = [{"status": "maybe"}, {"sort": "title"}, {"page": 0}, {"per_page": 0},
               {"per_page": 501}]  # fmt: skip


@pytest.mark.parametrize("bad", BAD_QUERIES)
def test_an_out_of_range_query_is_a_value_error(store: Store, bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        store.queue(QueueQuery(PERIOD, **bad))  # type: ignore[arg-type]


def test_search_ignores_accents_and_case_in_title_and_text(
    store: Store, seeded: dict[str, int]
) -> None:
    assert _ids(store, q="economia") == {seeded["op"]}  # "economía" in title and text
    assert _ids(store, q="ECONOMÍA bolivia") == {seeded["op"]}
    assert _ids(store, q="petroleo") == {seeded["ir"]}  # text only: "Petróleo iraní"
    assert _ids(store, q="chancay") == {seeded["cn"]}
    assert _ids(store, q="inversion OR vacunas") == {seeded["cn"], seeded["host"]}
    assert _ids(store, q='"gas natural"') == {seeded["ru"]}
    assert _ids(store, q="venezuela -petrolera") == {seeded["ru"]}
    assert _ids(store, q="resultados futbol") == set()  # not a candidate
    assert _ids(store, q="rusia", state_media=False) == {seeded["host"]}


HOSTILE = ['"', "'", '"economía', "OR", "AND", "NOT", "*", "economía*", "NEAR(",
           'NEAR("a" "b", 2)', ")(", "title:rusia", "-", "^rusia", "rusia OR", "OR OR OR",
           "a AND NOT", "{col} : x", "\\", "%", "_", "'; DROP TABLE articles; --",
           "rusia\x00venezuela", "😀", " "]  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_search_text_never_raises(store: Store, seeded: dict[str, int], text: str) -> None:
    page = store.queue(QueueQuery(PERIOD, q=text))
    assert page.total == len(page.items) <= 6
    assert store.count_articles() == 8  # and nothing was dropped


def test_a_search_of_only_exclusions_keeps_what_does_not_match_on_both_backends(
    store: Store, seeded: dict[str, int]
) -> None:
    everything = _ids(store)
    assert _ids(store, q="-petróleo") == everything - {seeded["ir"]}  # accents folded too
    assert _ids(store, q="-caracas -managua") == everything - {seeded["ru"], seeded["host"]}


def test_search_follows_a_changed_text(store: Store, seeded: dict[str, int]) -> None:
    # a reextract rewrites the text column in place: the index triggers follow it
    with store.engine.begin() as conn:
        conn.execute(
            update(articles)
            .where(articles.c.id == seeded["ru"])
            .values(text="Texto corregido sobre hidrógeno verde.")
        )
    assert _ids(store, q="hidrogeno") == {seeded["ru"]}
    assert _ids(store, q="caracas") == set()
    assert _ids(store, q="acuerdo energetico") == {seeded["ru"]}  # the title is still found


def test_upgrading_a_0010_database_indexes_the_articles_already_stored(store: Store) -> None:
    with migrate._migration_lock(store.engine) as conn:
        command.downgrade(migrate.alembic_config(conn), "0010")
    try:
        old = save(store, "Cooperación nuclear entre Rusia y Bolivia", text="Átomos.")
    finally:
        store.upgrade()
    assert _ids(store, q="cooperacion nuclear") == {old}
    assert _ids(store, q="atomos") == {old}


def test_section_counts_per_effective_section_and_status(
    store: Store, seeded: dict[str, int]
) -> None:
    assert store.section_counts(PERIOD) == {
        "russia": {"candidate": 3, "included": 1},
        "china": {"excluded": 1},
        "iran": {"candidate": 1},
    }
    store.decide([DecisionChange(seeded["ir"], "included", "overview", None, 0, "ana", "web")])
    counts = store.section_counts(PERIOD)
    assert counts["overview"] == {"included": 1} and "iran" not in counts


def test_status_and_section_agree_with_the_export_and_bundle(
    store: Store, seeded: dict[str, int]
) -> None:
    decide(store, seeded["ru"], "excluded", section="overview")
    decide(store, seeded["ru"], "candidate", section=None)  # back to automatic
    decide(store, seeded["op"], "included", section="")  # blank section = automatic
    decide(store, seeded["host"], "included", section="medical")
    items = store.queue(QueueQuery(PERIOD, per_page=500)).items
    views = {v.id: v for v in store.articles_by_ids([i.id for i in items])}
    assert [(i.status, i.section, i.version) for i in items] == [
        (status_of(views[i.id]), effective_section(views[i.id]), views[i.id].version) for i in items
    ]
    assert {i.id: i.section for i in items}[seeded["ru"]] == "russia"
    assert {i.id: i.status for i in items}[seeded["op"]] == "included"


def test_decision_history_is_the_audit_trail_oldest_first(
    store: Store, seeded: dict[str, int]
) -> None:
    aid = seeded["ru"]
    assert store.decision_history(aid) == []
    store.decide([DecisionChange(aid, "included", None, "strong", 0, "ana", "web")])
    lost = store.decide([DecisionChange(aid, "excluded", "overview", "no", 0, "bea", "web")])
    assert lost.conflicts and not lost.applied
    store.decide([DecisionChange(aid, "excluded", "overview", "no", 0, "bea", "web")], force=True)
    history = store.decision_history(aid)
    assert [(h.analyst, h.status, h.section, h.note, h.version, h.source) for h in history] == [
        ("ana", "included", None, "strong", 1, "web"),
        ("bea", "excluded", "overview", "no", 2, "web"),
    ]
    assert history[0].overrode is None
    replaced = history[1].overrode
    assert replaced is not None
    assert (replaced.analyst, replaced.status, replaced.version) == ("ana", "included", 1)
    (item,) = store.queue(QueueQuery(PERIOD, q="acuerdo energetico")).items
    assert (item.status, item.section, item.version) == ("excluded", "overview", 2)


FTS5_CASES = [
    ("economía rusa", '(("economía" "rusa"))'),  # all words (the tokenizer folds accents)
    ('"gas natural" or china', '(("gas natural") OR ("china"))'),
    ("venezuela -petróleo", '(("venezuela")) NOT "petróleo"'),
    ("PDVSA*", '(("PDVSA" *))'),
    ('NEAR("a" "b") title:x', '(("NEAR a" "b" "title x"))'),  # syntax becomes words
    ('AND OR NOT " * ) (', '(("AND") OR ("NOT"))'),
    ("-solo", None),  # only an exclusion: no MATCH of its own (see fts5_exclusions)
    ("*** ()", None),
]


@pytest.mark.parametrize(("typed", "expected"), FTS5_CASES)
def test_fts5_query_quotes_every_term(typed: str, expected: str | None) -> None:
    assert fts5_query(typed) == expected
