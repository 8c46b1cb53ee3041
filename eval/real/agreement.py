"""How far two labellers agree: ``python -m eval.real.agreement [--split S] [--list]``.

Compares the labels (``labels-*.yaml``) with the blind second pass
(``second-pass.yaml``): Cohen's kappa for relevance and for each actor over every
item, and for each topic the F1 of one pass against the other on the items both
call relevant (the same figure the tagger's topic F1 is, so the two can be read
side by side: a tagger near the labellers' agreement is near what the labels can
tell). ``--list`` prints the items whose relevance or actors differ.

Needs no cache: it reads labels only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.real.evaluate import HERE, load_labels
from pipeline.config import load_config, read_yaml
from pipeline.tagging.evaluate import Counts


@dataclass(frozen=True)
class Agreement:
    items: int
    relevance_kappa: float
    actor_kappa: dict[str, float]
    topic_f1: dict[str, float]  # the second pass scored against the first
    topic_micro_f1: float
    differing: list[str]  # items whose relevance or actors differ


def kappa(pairs: Sequence[tuple[bool, bool]]) -> float:
    """Cohen's kappa of two yes/no labellings (1.0 when both are constant and equal)."""
    n = len(pairs)
    if not n:
        return 1.0
    observed = sum(a == b for a, b in pairs) / n
    first, second = sum(a for a, _ in pairs) / n, sum(b for _, b in pairs) / n
    chance = first * second + (1 - first) * (1 - second)
    return 1.0 if chance == 1 else (observed - chance) / (1 - chance)


def load_second_pass(folder: Path = HERE) -> dict[str, dict[str, Any]]:
    data = read_yaml(folder / "second-pass.yaml") or {}
    return dict(data.get("items") or {})


def actor_names() -> list[str]:
    """The actors of the shipped rules, in their order."""
    return [name for name, tag in load_config().rules.tags.items() if tag.kind == "actor"]


def compare(
    first: Sequence[Mapping[str, Any]],
    second: Mapping[str, Mapping[str, Any]],
    actors: Sequence[str],
) -> Agreement:
    """Agreement over the items of ``first`` that ``second`` labelled too."""
    both = [(it, second[it["id"]]) for it in first if it["id"] in second]
    relevance = [(bool(a["relevant"]), bool(b["relevant"])) for a, b in both]
    actor_kappa = {
        name: kappa([(name in a["actors"], name in b["actors"]) for a, b in both])
        for name in actors
    }
    per_topic: dict[str, Counts] = {}
    micro = Counts()
    for a, b in both:
        if not (a["relevant"] and b["relevant"]):
            continue
        gold, found = set(a["topics"]), set(b["topics"])
        for name in gold | found:
            per_topic.setdefault(name, Counts()).add(name in gold, name in found)
            micro.add(name in gold, name in found)
    differing = [
        a["id"]
        for a, b in both
        if bool(a["relevant"]) != bool(b["relevant"]) or set(a["actors"]) != set(b["actors"])
    ]
    return Agreement(
        items=len(both),
        relevance_kappa=kappa(relevance),
        actor_kappa=actor_kappa,
        topic_f1={name: c.f1 for name, c in sorted(per_topic.items())},
        topic_micro_f1=micro.f1,
        differing=differing,
    )


def render(result: Agreement) -> str:
    lines = [f"items labelled twice: {result.items}"]
    lines.append(f"  relevance              kappa {result.relevance_kappa:.3f}")
    lines += [f"  {name:22} kappa {k:.3f}" for name, k in result.actor_kappa.items()]
    lines.append("topics (items both passes call relevant; F1 of the second against the first):")
    lines += [f"  {name:22} F1 {f1:.3f}" for name, f1 in result.topic_f1.items()]
    lines.append(f"  {'micro':22} F1 {result.topic_micro_f1:.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.real.agreement", description=__doc__)
    parser.add_argument("--split", choices=("dev", "holdout", "all"), default="all")
    parser.add_argument("--list", action="store_true", help="print the items that differ")
    args = parser.parse_args(argv)
    first = [it for it in load_labels(HERE) if args.split in ("all", it["split"])]
    second = load_second_pass()
    result = compare(first, second, actor_names())
    print(render(result))
    if args.list:
        by_id = {it["id"]: it for it in first}
        for item_id in result.differing:
            a, b = by_id[item_id], second[item_id]
            print(
                f"{item_id:10} relevant {a['relevant']}/{b['relevant']} "
                f"actors {sorted(a['actors'])} / {sorted(b['actors'])}: {b.get('note', '')}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
