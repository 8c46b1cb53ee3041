"""Score rules against a labelled sample: precision, recall, F1, and the misses.

The sample is a YAML document validated with :class:`Sample` (the CLI reads
the file through ``pipeline.config``). Metrics:

- relevance: over all items;
- actors and flags: per tag over all items (an actor can be labelled on an
  item that is not relevant, e.g. Russia at home), plus the micro average;
- topics and section: only over items labelled relevant, since topics of
  items nobody will read are not labelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.tagging.compile import CompiledRules
from pipeline.tagging.engine import Evaluation, TagTrace, assess
from pipeline.types import TagInput

Split = Literal["dev", "holdout"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Floors(_Strict):
    relevance_f1: float = Field(0.0, ge=0, le=1)
    actor_micro_f1: float = Field(0.0, ge=0, le=1)
    topic_micro_f1: float = Field(0.0, ge=0, le=1)
    section_accuracy: float = Field(0.0, ge=0, le=1)


class SampleItem(_Strict):
    id: str
    split: Split = "dev"
    lang: str | None = None
    title: str
    lead: str = ""
    text: str
    url: str | None = None
    relevant: bool
    actors: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    section: str | None = None
    trap: str | None = None  # the ambiguity the item is built around

    def tag_input(self) -> TagInput:
        return TagInput(
            title=self.title, body=self.text, lead=self.lead, language=self.lang, url=self.url
        )


class Sample(_Strict):
    floors: Floors = Floors()
    items: tuple[SampleItem, ...] = Field(min_length=1)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: bool, predicted: bool) -> None:
        self.tp += gold and predicted
        self.fp += predicted and not gold
        self.fn += gold and not predicted


@dataclass(frozen=True)
class Error:
    item: str
    kind: str  # relevance | actor | topic | flag | section
    name: str
    error: str  # FP | FN | wrong
    why: str  # the terms that fired, or what failed


@dataclass
class Report:
    items: int = 0
    relevance: Counts = field(default_factory=Counts)
    per_tag: dict[tuple[str, str], Counts] = field(default_factory=dict)
    section_right: int = 0
    section_total: int = 0
    errors: list[Error] = field(default_factory=list)

    def micro(self, kind: str) -> Counts:
        total = Counts()
        for (k, _), c in self.per_tag.items():
            if k == kind:
                total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
        return total

    @property
    def section_accuracy(self) -> float:
        return self.section_right / self.section_total if self.section_total else 1.0

    def below(self, floors: Floors) -> list[str]:
        """One line per floor the report does not reach."""
        got = {
            "relevance_f1": self.relevance.f1,
            "actor_micro_f1": self.micro("actor").f1,
            "topic_micro_f1": self.micro("topic").f1,
            "section_accuracy": self.section_accuracy,
        }
        return [
            f"{name} {got[name]:.3f} < floor {floor:.3f}"
            for name, floor in floors.model_dump().items()
            if got[name] + 1e-9 < floor
        ]


def describe(trace: TagTrace | None, threshold: float | None = None) -> str:
    """What fired (or failed) for one tag, for the FP / FN listings."""
    if trace is None:
        return "no term matched"
    counted = [f"{c.occ[3]}@{('title', 'lead', 'body')[c.occ[0]]}" for c in trace.counted]
    dropped = sorted({f"{c.occ[3]} ({c.reason})" for c in trace.dropped})
    parts = [f"score {trace.score} / threshold {threshold or trace.tag.threshold}"]
    if counted:
        parts.append("counted: " + ", ".join(counted))
    if dropped:
        parts.append("dropped: " + "; ".join(dropped[:4]))
    if trace.blocked:
        parts.append(trace.blocked)
    return "; ".join(parts)


def _traces(ev: Evaluation) -> dict[tuple[str, str], TagTrace]:
    return {(t.tag.kind, t.tag.name): t for t in ev.traces}


def _score_labels(
    report: Report,
    item: SampleItem,
    ev: Evaluation,
    kind: str,
    gold: Iterable[str],
    names: Iterable[str],
) -> None:
    traces, gold_set = _traces(ev), set(gold)
    fired = {name for (k, name), t in traces.items() if k == kind and t.fired}
    for name in sorted(set(names) | gold_set | fired):
        is_gold, is_fired = name in gold_set, name in fired
        report.per_tag.setdefault((kind, name), Counts()).add(is_gold, is_fired)
        if is_gold != is_fired:
            why = describe(traces.get((kind, name)))
            report.errors.append(Error(item.id, kind, name, "FP" if is_fired else "FN", why))


def _score_item(report: Report, item: SampleItem, ev: Evaluation, rules: CompiledRules) -> None:
    kinds = {t.name: t.kind for t in rules.tags}
    report.items += 1
    report.relevance.add(item.relevant, ev.relevant)
    if item.relevant != ev.relevant:
        actors = [f"{t.tag.name} {t.score}" for t in ev.traces if t.fired and t.tag.kind != "topic"]
        why = "fired: " + (", ".join(actors) or "nothing")
        report.errors.append(
            Error(item.id, "relevance", "relevant", "FP" if ev.relevant else "FN", why)
        )
    _score_labels(report, item, ev, "actor", item.actors, [])
    _score_labels(report, item, ev, "flag", item.flags, [])
    if item.relevant:
        _score_labels(report, item, ev, "topic", item.topics, [])
        report.section_total += 1
        if ev.section == item.section:
            report.section_right += 1
        else:
            why = f"expected {item.section}, got {ev.section}"
            report.errors.append(Error(item.id, "section", str(item.section), "wrong", why))
    unknown = [a for a in (*item.actors, *item.topics, *item.flags) if a not in kinds]
    for name in unknown:
        report.errors.append(Error(item.id, "label", name, "unknown", "not a tag in the rules"))


def evaluate_sample(sample: Sample, rules: CompiledRules, split: Split | None = None) -> Report:
    """Tag every item (of ``split``, or all) and compare with the labels."""
    report = Report()
    for item in sample.items:
        if split is None or item.split == split:
            _score_item(report, item, assess(item.tag_input(), rules), rules)
    return report
