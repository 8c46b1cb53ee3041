"""Quality gate: the shipped rules on the labelled sample, against the sample's floors.

The floors (relevance F1 and actor micro-F1 >= 0.9) hold on the whole sample
and on each split: ``holdout`` items were written before the rules were tuned
and never used to tune them, so they are the honest estimate.
"""

from __future__ import annotations

from collections import Counter

import pytest
import yaml
from tagging_helpers import SAMPLE_PATH

from pipeline.tagging import CompiledRules
from pipeline.tagging.evaluate import Sample, evaluate_sample


@pytest.fixture(scope="module")
def sample() -> Sample:
    return Sample.model_validate(yaml.safe_load(SAMPLE_PATH.read_text(encoding="utf-8")))


def test_sample_is_big_varied_and_well_labelled(sample: Sample, shipped: CompiledRules) -> None:
    items = sample.items
    assert len(items) >= 220
    assert len({i.id for i in items}) == len(items)
    assert sum(1 for i in items if i.trap or not i.relevant) >= 70
    assert set(Counter(i.lang for i in items)) == {"es", "pt", "en"}
    assert sum(1 for i in items if i.split == "holdout") >= 60
    known = {t.name for t in shipped.tags}
    for i in items:
        assert set(i.actors) | set(i.topics) | set(i.flags) <= known, i.id
        assert (i.section is None) is (not i.relevant), i.id
    assert sample.floors.relevance_f1 >= 0.9 and sample.floors.actor_micro_f1 >= 0.9


@pytest.mark.parametrize("split", [None, "dev", "holdout"])
def test_rules_meet_the_floors(sample: Sample, shipped: CompiledRules, split: str | None) -> None:
    report = evaluate_sample(sample, shipped, split)  # type: ignore[arg-type]
    misses = [f"{e.error} {e.kind} {e.name} [{e.item}]: {e.why}" for e in report.errors]
    assert report.below(sample.floors) == [], "\n".join(misses)
