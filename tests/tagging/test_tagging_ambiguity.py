"""Every ambiguity rule of the vocabulary, on the shipped rules.yaml.

Each rule has at least one trap (the ordinary word, the namesake, the place)
that must not make the actor, and, where the term is an actor signal, one real
use that must. The cases live in ``ambiguity_cases.yaml`` beside this file;
the rule ids are the vocabulary's ``ambiguous_terms`` in order, plus the traps
the tagging issue names (Miss Venezuela, Iran at football, the verb irán,
diasporas, sports teams).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from tagging_helpers import names, run

from pipeline.tagging import CompiledRules

CASES = yaml.safe_load(Path(__file__).with_name("ambiguity_cases.yaml").read_text("utf-8"))

VOCABULARY_RULES = {
    "casa", "china", "ira", "sputnik", "rt", "maduro", "surnames", "common-surnames", "mas",
    "pcc", "epl", "cne", "alba", "petro", "mir", "wagner", "quds", "cosco", "cuba-names",
    "franja", "bolivia-places", "miraflores", "ruso", "cuba-pt", "xi", "canal", "propaganda",
    "inteligencia", "colectivos", "acronyms", "brics", "tiktok", "persa", "kazan",
}  # fmt: skip
ISSUE_TRAPS = {"miss-venezuela", "iran-football", "iran-verb", "diaspora", "sports-team"}


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['rule']}-{case['lang']}-{'yes' if case['expected'] else 'no'}"


def test_every_vocabulary_ambiguity_rule_has_cases() -> None:
    covered = {c["rule"] for c in CASES["actor_cases"] + CASES["topic_cases"]}
    assert len(VOCABULARY_RULES) == 34
    assert covered >= VOCABULARY_RULES | ISSUE_TRAPS
    assert any(not c["expected"] for c in CASES["actor_cases"] if c["rule"] == "casa")


@pytest.mark.parametrize("case", CASES["actor_cases"], ids=_case_id)
def test_actor_ambiguity(shipped: CompiledRules, case: dict[str, Any]) -> None:
    result = run(shipped, title=case["title"], body=case["body"], language=case["lang"])
    assert (case["actor"] in names(result)) is case["expected"], result.actors


@pytest.mark.parametrize("case", CASES["topic_cases"], ids=_case_id)
def test_topic_ambiguity(shipped: CompiledRules, case: dict[str, Any]) -> None:
    result = run(shipped, title=case["title"], body=case["body"], language=case["lang"])
    assert (case["topic"] in names(result, "topic")) is case["expected"], result.topics


def test_the_cuban_pcc_needs_cuba_even_when_the_item_is_portuguese(shipped: CompiledRules) -> None:
    gang = run(shipped, title="PCC", body="O PCC e o PCC de novo, em São Paulo.", language="pt")
    party = run(shipped, title="PCC", body="O PCC de Cuba, em Havana.", language="pt")
    assert "venezuela" not in names(gang) and "venezuela" in names(party)


def test_unknown_language_still_respects_case_rules(shipped: CompiledRules) -> None:
    result = run(shipped, title="más más más", body="mas mas MÁS irán irán")
    assert names(result) == set()
