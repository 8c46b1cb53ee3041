"""The second labelling pass and the agreement measures (eval/real/agreement.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.real.agreement import actor_names, compare, kappa, load_second_pass
from eval.real.evaluate import load_labels
from pipeline.config import load_config

FOLDER = Path(__file__).resolve().parents[2] / "eval" / "real"


def test_kappa_discounts_the_agreement_expected_by_chance() -> None:
    # 3 of 4 agree; the first says yes half the time, the second a quarter: chance 0.5.
    assert kappa([(True, True), (True, False), (False, False), (False, False)]) == 0.5
    assert kappa([(True, True), (False, False)]) == 1.0
    assert kappa([(True, False), (False, True)]) == -1.0
    assert kappa([(False, False)] * 3) == 1.0  # both constant and equal


def _item(item_id: str, relevant: bool, actors: list[str], topics: list[str]) -> dict[str, object]:
    return {"id": item_id, "relevant": relevant, "actors": actors, "topics": topics}


def test_compare_lists_the_items_that_differ_and_scores_topics_on_shared_relevant_items() -> None:
    first = [
        _item("a", True, ["china"], ["economic", "diplomatic"]),
        _item("b", True, ["russia", "venezuela"], ["military_security"]),
        _item("c", False, [], []),
        _item("d", True, ["iran"], ["energy"]),  # not in the second pass: left out
    ]
    second = {
        "a": _item("a", True, ["china"], ["economic"]),
        "b": _item("b", True, ["russia"], ["military_security"]),
        "c": _item("c", True, ["china"], ["economic"]),
    }
    result = compare(first, second, actor_names())
    assert result.items == 3
    assert result.differing == ["b", "c"]
    assert result.topic_f1["military_security"] == 1.0
    assert result.topic_f1["diplomatic"] == 0.0  # only the first pass has it
    assert result.topic_micro_f1 == pytest.approx(0.8)  # tp 2, fn 1, fp 0
    assert result.actor_kappa["iran"] == 1.0


def test_the_committed_second_pass_covers_every_label_with_known_tags() -> None:
    kinds = {name: tag.kind for name, tag in load_config().rules.tags.items()}
    second = load_second_pass(FOLDER)
    labels = load_labels(FOLDER)
    assert {it["id"] for it in labels} == set(second)
    wrong = {
        item_id: [a for a in v["actors"] if kinds.get(a) != "actor"]
        + [t for t in v["topics"] if kinds.get(t) != "topic"]
        for item_id, v in second.items()
    }
    assert {k: v for k, v in wrong.items() if v} == {}
    assert all(bool(v["topics"]) == bool(v["relevant"]) for v in second.values())
