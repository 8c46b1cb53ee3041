"""Stories in the store, on SQLite and Postgres: grouping a period's stored
articles, stable ids across regrouping, new articles joining, analysts' splits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect

from pipeline.article.stories import regroup_period
from pipeline.config import DEFAULTS_DIR, load_rules
from pipeline.config.settings import StoriesSettings
from pipeline.store import Store, migrate
from pipeline.tagging.entities import compile_entities
from tests.curate.factory import AUG, NOW, PERIOD, decide, save

MATCHER = compile_entities(load_rules(DEFAULTS_DIR / "rules.yaml"))
SETTINGS = StoriesSettings()
SAAB_ES = "Tribunal de Cabo Verde rechaza recurso de Alex Saab y abre la puerta a su extradición"
SAAB_EN = "Cape Verde court rejects Alex Saab's last appeal against extradition to the US"
SAAB_CO = "Alex Saab: tribunal de Cabo Verde rechaza su último recurso contra la extradición"
LEAD = "El Tribunal Constitucional de Cabo Verde rechazó el recurso de Alex Saab."
ROSATOM = "Rosatom invita a funcionarios argentinos a conocer la central nuclear flotante"


def _regroup(store: Store, at: timedelta = timedelta(0)) -> None:
    regroup_period(store, PERIOD, MATCHER, SETTINGS, NOW + at)


def _saab(store: Store, title: str, outlet: str, hours: float = 0, **kw: object) -> int:
    return save(
        store, title, outlet=outlet, published=AUG + timedelta(hours=hours), text=LEAD,
        actors=("venezuela",), countries=("ve",), **kw,
    )  # fmt: skip


def test_stories_tables_are_migrated(store: Store) -> None:
    assert store.stories(PERIOD) == []
    assert store.story_splits(PERIOD) == []


def test_a_period_is_grouped_with_reasons_and_regrouping_changes_nothing(store: Store) -> None:
    a = _saab(store, SAAB_ES, "ve_lapatilla")
    b = _saab(store, SAAB_EN, "int_ap", hours=5)
    other = save(store, ROSATOM, outlet="ru_sputnik_mundo", published=AUG)
    _regroup(store)
    (story,) = store.stories(PERIOD)
    assert [m.article_id for m in story.members] == [a, b]
    assert story.outlets == ("int_ap", "ve_lapatilla")
    assert story.members[0].reason.startswith(f"#{b} (int_ap): alex_saab, cabo_verde")
    assert store.story_of(other) is None
    again = regroup_period(store, PERIOD, MATCHER, SETTINGS, NOW + timedelta(hours=1))
    assert (again.created, again.removed, again.articles_changed) == (0, 0, 0)
    assert store.stories(PERIOD) == [story]


def test_a_new_report_joins_the_existing_story_under_its_id(store: Store) -> None:
    a = _saab(store, SAAB_ES, "ve_lapatilla")
    b = _saab(store, SAAB_EN, "int_ap", hours=5)
    _regroup(store)
    (before,) = store.stories(PERIOD)
    c = _saab(store, SAAB_CO, "co_eltiempo", hours=8)
    _regroup(store, timedelta(hours=2))
    (after,) = store.stories(PERIOD)
    assert after.id == before.id
    assert [m.article_id for m in after.members] == [a, b, c]


def test_a_split_is_audited_and_survives_regrouping(store: Store) -> None:
    a = _saab(store, SAAB_ES, "ve_lapatilla")
    b = _saab(store, SAAB_EN, "int_ap", hours=5)
    c = _saab(store, SAAB_CO, "co_eltiempo", hours=8)
    _regroup(store)
    (story,) = store.stories(PERIOD)
    split = store.split_from_story(c, "ana", NOW, note="a different ruling")
    assert (split.story_id, split.members, split.analyst) == (story.id, (a, b, c), "ana")
    _regroup(store, timedelta(days=1))
    (kept,) = store.stories(PERIOD)
    assert kept.id == story.id
    assert [m.article_id for m in kept.members] == [a, b]
    assert store.story_of(c) is None
    assert store.story_splits(PERIOD) == [split]


def test_a_story_whose_members_part_is_removed(store: Store) -> None:
    a = _saab(store, SAAB_ES, "ve_lapatilla")
    _saab(store, SAAB_EN, "int_ap", hours=5)
    _regroup(store)
    store.split_from_story(a, "ana", NOW)
    result = regroup_period(store, PERIOD, MATCHER, SETTINGS, NOW + timedelta(days=1))
    assert (result.stories, result.removed) == (0, 1)
    assert store.stories(PERIOD) == []


def test_splitting_an_article_in_no_story_is_refused(store: Store) -> None:
    alone = save(store, ROSATOM, outlet="ru_sputnik_mundo")
    with pytest.raises(LookupError, match="in no story"):
        store.split_from_story(alone, "ana", NOW)
    with pytest.raises(LookupError, match="no article"):
        store.split_from_story(alone + 100, "ana", NOW)
    assert store.story_splits(PERIOD) == []


def test_the_migration_runs_down_and_up_again_keeping_tags_and_decisions(db_url: str) -> None:
    store = Store(db_url)
    try:
        decided = _saab(store, SAAB_ES, "ve_lapatilla")
        decide(store, decided, "included")
        _saab(store, SAAB_EN, "int_ap", hours=5)
        _regroup(store)
        with store.engine.begin() as conn:
            migrate.command.downgrade(migrate.alembic_config(conn), "0011")
        assert "stories" not in inspect(store.engine).get_table_names()
        store.upgrade()
        assert store.stories(PERIOD) == []  # grouping again rebuilds them
        _regroup(store)
        assert len(store.stories(PERIOD)) == 1
        (view,) = store.articles_by_ids([decided])
        assert view.decision is not None and view.decision.status == "included"
        assert view.tag_names("actor") == ["venezuela"]
    finally:
        store.close()
