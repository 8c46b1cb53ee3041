"""Grouping reports of one event by different outlets into stories (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest

from pipeline.article.stories import StoryItem, group_stories, story_item
from pipeline.config import load_rules
from pipeline.config.rules_schema import RulesFile, rules_problems
from pipeline.config.settings import StoriesSettings
from pipeline.tagging.entities import EntityMatcher, compile_entities, find_entities

RULES = Path(__file__).resolve().parents[2] / "pipeline" / "config" / "defaults" / "rules.yaml"
T0 = datetime(2021, 9, 8, 14, 0, tzinfo=UTC)


@cache
def matcher() -> EntityMatcher:
    return compile_entities(load_rules(RULES))


def item(
    id: int,
    outlet: str,
    title: str,
    lead: str = "",
    *,
    days: float = 0,
    tags: tuple[tuple[str, str], ...] = (("actor", "venezuela"), ("country", "ve")),
    cluster: int | None = None,
    split: bool = False,
) -> StoryItem:
    return story_item(
        id=id, outlet=outlet, published_at=T0 + timedelta(days=days), title=title, lead=lead,
        tags=tags, matcher=matcher(), cluster_key=cluster, split=split,
    )  # fmt: skip


SAAB_ES = (
    "Tribunal de Cabo Verde rechaza recurso de Alex Saab y abre la puerta a su extradición",
    "El Tribunal Constitucional de Cabo Verde rechazó el último recurso de la defensa de "
    "Alex Saab, señalado como testaferro de Nicolás Maduro.",
)
SAAB_EN = (
    "Cape Verde court rejects Alex Saab's last appeal against extradition to the US",
    "Cape Verde's Constitutional Court turned down the final appeal of Alex Saab, the "
    "Colombian businessman accused of being a front man for Nicolás Maduro.",
)
MADURO_CELAC = (
    "Maduro y Díaz-Canel llegan a México para la VI Cumbre de la CELAC",
    "Nicolás Maduro y Miguel Díaz-Canel arribaron a Ciudad de México para la cumbre de la CELAC.",
)
MADURO_OPEC = (
    "Maduro recibe al secretario general de la OPEP en Caracas",
    "Nicolás Maduro recibió al secretario general de la OPEP en busca de inversiones para PDVSA.",
)
ROSATOM_AR = (
    "Rosatom invita a funcionarios argentinos a conocer la central nuclear flotante",
    "La corporación rusa Rosatom invitó a funcionarios argentinos a visitar la central "
    "flotante Akademik Lomonósov.",
)
ROSATOM_BO = (
    "Rosatom: el Centro de Irradiación de El Alto comenzará a operar este año",
    "La estatal rusa Rosatom anunció que el centro de El Alto, en Bolivia, abrirá en diciembre.",
)
RU_TAGS = (("actor", "russia"),)


def test_the_rules_entities_are_found_in_any_language_as_whole_words() -> None:
    found = find_entities(matcher(), ["Cape Verde court: Alex Saab", "la CELAC en México"])
    assert found == {"cabo_verde", "alex_saab", "celac"}
    assert find_entities(matcher(), ["Saabirov visited"]) == frozenset()
    # ALBA is case-sensitive: "alba" (dawn) is not the alliance
    assert find_entities(matcher(), ["al alba del lunes"]) == frozenset()
    assert find_entities(matcher(), ["la cumbre del ALBA"]) == {"alba_tcp"}


def test_one_event_in_two_languages_is_one_story_with_its_reason() -> None:
    stories = group_stories([item(1, "ve_lapatilla", *SAAB_ES), item(2, "int_ap", *SAAB_EN)])
    assert [s.members for s in stories] == [(1, 2)]
    why = stories[0].why[1]
    assert why.startswith("#2 (int_ap): alex_saab, cabo_verde")
    assert "days apart" in why and "title" in why


def test_the_same_actor_in_two_events_within_the_window_is_two_stories() -> None:
    items = [
        item(1, "ru_sputnik_mundo", *ROSATOM_AR, tags=(*RU_TAGS, ("country", "ar"))),
        item(2, "bo_lostiempos", *ROSATOM_BO, days=1, tags=(*RU_TAGS, ("country", "bo"))),
    ]
    assert group_stories(items) == ()


def test_one_leader_in_two_events_on_consecutive_days_is_two_stories() -> None:
    items = [item(1, "ve_telesur", *MADURO_CELAC), item(2, "ve_efectococuyo", *MADURO_OPEC, days=1)]
    assert group_stories(items) == ()


def test_reports_beyond_the_window_are_not_grouped() -> None:
    items = [item(1, "ve_lapatilla", *SAAB_ES), item(2, "int_ap", *SAAB_EN, days=3.5)]
    assert group_stories(items) == ()
    wide = StoriesSettings(window_days=4)
    assert [s.members for s in group_stories(items, wide)] == [(1, 2)]


def test_a_near_duplicate_cluster_alone_is_not_a_story_but_joins_one_whole() -> None:
    copies = [
        item(1, "int_infobae", *SAAB_ES, cluster=1),
        item(2, "co_eltiempo", *SAAB_ES, cluster=1),
    ]
    assert group_stories(copies) == ()
    stories = group_stories([*copies, item(3, "int_ap", *SAAB_EN)])
    assert [s.members for s in stories] == [(1, 2, 3)]


def test_an_article_split_off_stands_alone() -> None:
    items = [
        item(1, "ve_lapatilla", *SAAB_ES),
        item(2, "int_ap", *SAAB_EN),
        item(3, "co_eltiempo", *SAAB_ES, split=True),
    ]
    assert [s.members for s in group_stories(items)] == [(1, 2)]
    assert group_stories([items[0], items[2]]) == ()


def test_the_grouping_does_not_depend_on_the_input_order() -> None:
    items = [
        item(1, "ve_lapatilla", *SAAB_ES),
        item(2, "int_ap", *SAAB_EN),
        item(3, "ru_sputnik_mundo", *ROSATOM_AR, tags=RU_TAGS),
        item(4, "bo_lostiempos", *ROSATOM_BO, tags=RU_TAGS),
    ]
    assert group_stories(items) == group_stories(list(reversed(items)))


def test_one_spelling_for_two_entities_is_a_rules_problem() -> None:
    data = load_rules(RULES).model_dump(by_alias=True)
    data["entities"]["saab_cars"] = {"kind": "organisation", "names": ["SAAB"]}
    problems = rules_problems(RulesFile.model_validate(data))
    assert "entities.saab_cars: 'SAAB' already names 'alex_saab'" in problems


def test_an_entity_without_names_is_refused() -> None:
    data = load_rules(RULES).model_dump(by_alias=True)
    data["entities"]["nobody"] = {"kind": "person", "names": []}
    with pytest.raises(ValueError, match="names"):
        RulesFile.model_validate(data)
