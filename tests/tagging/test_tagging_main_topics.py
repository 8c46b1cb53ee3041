"""Topics are the item's main subjects: a passing word does not add a topic."""

from __future__ import annotations

from typing import Any

from tagging_helpers import make_rules, run

from pipeline.tagging import assess
from pipeline.tagging.explain import explain_lines
from pipeline.types import TagInput

TAGS: dict[str, Any] = {
    "diplomatic": {
        "kind": "topic",
        "threshold": 1.5,
        "terms": [{"t": ["visita oficial", "acuerdo de cooperación", "canciller"], "w": 1.5}],
    },
    "energy": {"kind": "topic", "threshold": 1.5, "terms": [{"t": ["petróleo"], "w": 1.5}]},
    "economic": {"kind": "topic", "threshold": 1.5, "terms": [{"t": ["comercio"], "w": 1.5}]},
}
BODY = (
    "El canciller llegó en visita oficial y firmó un acuerdo de cooperación; el canciller "
    "habló del comercio y, de pasada, del petróleo."
)


def rules(share: float, most: int) -> Any:
    return make_rules(TAGS, settings={"topics": {"min_share": share, "max": most}})


def test_a_passing_topic_is_dropped_and_the_main_one_kept() -> None:
    result = run(rules(0.3, 0), title="Visita oficial del canciller", body=BODY, language="es")
    assert [t.name for t in result.topics] == ["diplomatic"]


def test_without_the_setting_every_topic_at_threshold_is_kept() -> None:
    result = run(rules(0.0, 0), title="Visita oficial del canciller", body=BODY, language="es")
    assert {t.name for t in result.topics} == {"diplomatic", "economic", "energy"}


def test_two_subjects_of_similar_weight_are_both_kept_up_to_the_maximum() -> None:
    body = "Comercio y comercio: el petróleo, el petróleo. " * 2
    two = run(rules(0.3, 2), title="Acuerdo de cooperación", body=body, language="es")
    assert len(two.topics) == 2 and two.topics[0].name == "diplomatic"


def test_explain_says_why_a_topic_was_dropped_or_kept() -> None:
    ev = assess(
        TagInput(title="Visita oficial del canciller", body=BODY, language="es"), rules(0.3, 0)
    )
    text = "\n".join(explain_lines(ev, all_tags=True))
    assert "topic diplomatic" in text and "strongest topic" in text
    assert "topic energy: 1.5 / 1.5 (blocked): not a main subject: 1.5 < 0.3 x" in text


ACTORS: dict[str, Any] = {
    "russia": {"kind": "actor", "threshold": 4, "terms": [{"t": ["Rusia", "Lavrov"], "w": 2}]},
    "venezuela": {
        "kind": "actor",
        "threshold": 4,
        "terms": [{"t": ["Venezuela"], "w": 2}, {"t": ["Maduro"], "w": 2}],
    },
}
PASSING = "Maduro y Venezuela; Maduro en Venezuela; Maduro. Rusia, según Lavrov."


def test_an_actor_named_in_passing_is_dropped_when_actors_have_a_share() -> None:
    shared = make_rules(ACTORS, settings={"actors": {"min_share": 0.3}})
    result = run(shared, title="Venezuela", body=PASSING, language="es")
    assert [a.name for a in result.actors] == ["venezuela"]
    text = "\n".join(
        explain_lines(
            assess(TagInput(title="Venezuela", body=PASSING, language="es"), shared), all_tags=True
        )
    )
    assert "actor russia: 4 / 4 (blocked): not a main subject: 4 < 0.3 x 16 (venezuela)" in text


def test_without_an_actor_share_every_actor_at_threshold_is_kept() -> None:
    result = run(make_rules(ACTORS), title="Venezuela", body=PASSING, language="es")
    assert {a.name for a in result.actors} == {"venezuela", "russia"}
