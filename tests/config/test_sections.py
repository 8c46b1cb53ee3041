"""The monitor's sections come from rules.yaml, in one place
(:func:`monitor_sections`): names, order and digest labels; a bad or
unlisted section name is a configuration problem, and a new label does not
change the rules version stored on articles."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.config import DEFAULTS_DIR, load_rules
from pipeline.config.rules_schema import RulesFile, monitor_sections, rules_problems, section_names
from pipeline.tagging import compile_rules


def _doc(**sections: Any) -> dict[str, Any]:
    return {
        "revision": "r1",
        "sections": {
            "overrides": [{"section": "health", "tag": "vacunas", "min_score": 2}],
            "actors": {"china": {"section": "china"}, "russia": {"section": "russia"}},
            **sections,
        },
        "tags": {
            "russia": {"kind": "actor", "terms": [{"t": ["Rusia"]}]},
            "china": {"kind": "actor", "terms": [{"t": ["China"]}]},
            "vacunas": {"kind": "topic", "terms": [{"t": ["vacuna"]}]},
        },
    }


def test_the_shipped_sections_in_monitor_order_with_their_labels() -> None:
    sections = monitor_sections(load_rules(DEFAULTS_DIR / "rules.yaml"))
    assert [(s.name, s.label) for s in sections] == [
        ("overview", "the Bolivarian Threat Network"),
        ("russia", "Russia in LAC"),
        ("iran", "Iran in LAC"),
        ("china", "China in LAC"),
        ("medical_diplomacy", "VRIC Medical Diplomacy"),
    ]


def test_without_labels_the_actor_then_override_sections_are_the_list() -> None:
    rules = RulesFile.model_validate(_doc())
    assert rules_problems(rules) == []
    assert section_names(rules) == ("china", "russia", "health")
    assert [s.label for s in monitor_sections(rules)] == ["china", "russia", "health"]


def test_labels_give_the_order_and_may_add_analyst_only_sections() -> None:
    labels = {"russia": "Russia in LAC", "cuba": "Cuba", "china": "China", "health": "Health"}
    rules = RulesFile.model_validate(_doc(labels=labels))
    assert rules_problems(rules) == []
    assert section_names(rules) == ("russia", "cuba", "china", "health")


@pytest.mark.parametrize(
    ("sections", "problem"),
    [
        (
            {"labels": {"russia": "Russia", "china": "China"}},
            "sections.overrides[0].section: section 'health' is not listed in sections.labels",
        ),
        (
            {"actors": {"china": {"section": "../china"}, "russia": {"section": "russia"}}},
            "sections.actors.china.section: '../china' is not a section name"
            " (1-40 lowercase letters, digits or _)",
        ),
        (
            {"labels": {"Russia": "x", "russia": "x", "china": "x", "health": " "}},
            "sections.labels.Russia: a section name is 1-40 lowercase letters, digits or _",
        ),
        (
            {"labels": {"russia": "x", "china": "x", "health": " "}},
            "sections.labels.health: empty label",
        ),
    ],
)
def test_bad_section_names_are_reported(sections: dict[str, Any], problem: str) -> None:
    assert problem in rules_problems(RulesFile.model_validate(_doc(**sections)))


def test_a_label_is_not_part_of_the_rules_version() -> None:
    plain = compile_rules(RulesFile.model_validate(_doc())).version
    labels = {"china": "China in LAC", "russia": "Russia in LAC", "health": "Health"}
    labelled = compile_rules(RulesFile.model_validate(_doc(labels=labels))).version
    moved = _doc()
    moved["sections"]["actors"]["china"]["section"] = "health"
    assert labelled == plain
    assert compile_rules(RulesFile.model_validate(moved)).version != plain
