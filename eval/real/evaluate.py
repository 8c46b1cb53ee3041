"""Score the tagger on the real-text set: ``python -m eval.real.evaluate [--split S] [--json]``.

Reads every ``labels-*.yaml`` in the folder, joins each item with its cached text
(``cache/<id>.json``; items without one are counted and listed, not an error), and
scores them with :func:`pipeline.tagging.evaluate.evaluate_sample`. On top of that it
checks the state-media label against the outlet registry (the lookup ``vric tag --url``
does) and the opinion label against :func:`pipeline.article.opinion.detect_opinion`, fed with
what we have of the page: its URL, the title and the excerpt (no page metadata).

It is a report, not a gate: it exits 0 whenever it ran, 2 when there is no cache at all.
eval/real/README.md says how to gather the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.article.opinion import detect_opinion
from pipeline.config import load_config, read_yaml
from pipeline.outlets import Registry
from pipeline.tagging import CompiledRules
from pipeline.tagging.evaluate import (
    Counts,
    Report,
    Sample,
    SampleItem,
    evaluate_sample,
)
from pipeline.types import ExtractedPage

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NO_CACHE = 2
_SAMPLE_FIELDS = ("id", "split", "lang", "url", "relevant", "actors", "topics", "flags", "section")


@dataclass(frozen=True)
class RealItem:
    """One labelled article joined with its cached title and text."""

    sample: SampleItem
    state_media: bool
    opinion: bool
    opinion_marker: str | None


@dataclass
class RealReport:
    split: str
    labelled: int  # items of the split in the labels files
    missing: list[str]  # ids of the split without a cache file
    tagging: Report
    state_media_right: int = 0
    state_media_wrong: list[str] = field(default_factory=list)
    opinion: Counts = field(default_factory=Counts)
    opinion_by_marker: dict[str, Counts] = field(default_factory=dict)  # recall per marker
    opinion_errors: list[str] = field(default_factory=list)

    @property
    def state_media_accuracy(self) -> float:
        total = self.state_media_right + len(self.state_media_wrong)
        return self.state_media_right / total if total else 1.0


def load_labels(folder: Path) -> list[dict[str, Any]]:
    """Every item of every ``labels-*.yaml`` in ``folder``; ids must be unique."""
    items: list[dict[str, Any]] = []
    for path in sorted(folder.glob("labels-*.yaml")):
        items += (read_yaml(path) or {}).get("items") or []
    ids = [it["id"] for it in items]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate ids in the labels files: {', '.join(duplicates)}")
    return items


def join_cache(labels: list[dict[str, Any]], cache: Path) -> tuple[list[RealItem], list[str]]:
    """(items with a cache file, ids without one)."""
    joined, missing = [], []
    for label in labels:
        path = cache / f"{label['id']}.json"
        if not path.is_file():
            missing.append(label["id"])
            continue
        cached = json.loads(path.read_text(encoding="utf-8"))
        fields = {k: label[k] for k in _SAMPLE_FIELDS if k in label}
        sample = SampleItem(title=cached["title"], text=cached["text"], **fields)
        joined.append(
            RealItem(
                sample=sample,
                state_media=bool(label.get("state_media")),
                opinion=bool(label.get("opinion")),
                opinion_marker=label.get("opinion_marker"),
            )
        )
    return joined, missing


def has_cache(folder: Path) -> bool:
    cache = folder / "cache"
    return cache.is_dir() and any(cache.glob("*.json"))


def evaluate(
    folder: Path, rules: CompiledRules, registry: Registry, split: str = "all"
) -> RealReport:
    """Score the labelled items of ``folder`` (``all``, ``dev`` or ``holdout``)."""
    labels = [it for it in load_labels(folder) if split == "all" or it.get("split") == split]
    items, missing = join_cache(labels, folder / "cache")
    tagging = (
        evaluate_sample(Sample(items=tuple(i.sample for i in items)), rules) if items else Report()
    )
    out = RealReport(split=split, labelled=len(labels), missing=missing, tagging=tagging)
    for item in items:
        s = item.sample
        outlet = registry.lookup(s.url) if s.url else None
        if bool(outlet and outlet.state_media) == item.state_media:
            out.state_media_right += 1
        else:
            out.state_media_wrong.append(s.id)
        page = ExtractedPage(status="ok", text=s.text, title=s.title)
        found, _ = detect_opinion(
            s.url or "", s.title, page, bool(outlet and outlet.commentary_only), s.lang
        )
        out.opinion.add(item.opinion, found)
        if item.opinion:
            marker = item.opinion_marker or "none"
            out.opinion_by_marker.setdefault(marker, Counts()).add(True, found)
        if item.opinion != found:
            out.opinion_errors.append(f"{'FP' if found else 'FN'} {s.id}")
    return out


# ---------------------------------------------------------------- output


def _counts(c: Counts) -> dict[str, Any]:
    return {
        "precision": round(c.precision, 4),
        "recall": round(c.recall, 4),
        "f1": round(c.f1, 4),
        "tp": c.tp,
        "fp": c.fp,
        "fn": c.fn,
    }


def _per_tag(report: Report, kind: str) -> dict[str, Any]:
    rows = {name: _counts(c) for (k, name), c in sorted(report.per_tag.items()) if k == kind}
    return {"per_tag": rows, "micro": _counts(report.micro(kind))}


def to_json(r: RealReport) -> dict[str, Any]:
    t = r.tagging
    return {
        "split": r.split,
        "labelled": r.labelled,
        "scored": t.items,
        "missing": r.missing,
        "relevance": _counts(t.relevance),
        "section_accuracy": round(t.section_accuracy, 4),
        "actors": _per_tag(t, "actor"),
        "topics": _per_tag(t, "topic"),
        "flags": _per_tag(t, "flag"),
        "state_media": {
            "accuracy": round(r.state_media_accuracy, 4),
            "right": r.state_media_right,
            "wrong": r.state_media_wrong,
        },
        "opinion": {
            **_counts(r.opinion),
            "recall_by_marker": {m: _counts(c) for m, c in sorted(r.opinion_by_marker.items())},
            "errors": r.opinion_errors,
        },
        "errors": [
            {"item": e.item, "kind": e.kind, "name": e.name, "error": e.error, "why": e.why}
            for e in t.errors
        ],
    }


def _row(name: str, c: Counts) -> str:
    return (
        f"  {name:<22} P {c.precision:.3f}  R {c.recall:.3f}  F1 {c.f1:.3f}"
        f"   tp {c.tp:>3}  fp {c.fp:>3}  fn {c.fn:>3}"
    )


def to_text(r: RealReport, errors: bool = False) -> str:
    t = r.tagging
    lines = [
        f"split {r.split}: {t.items} items scored of {r.labelled} labelled"
        f" ({len(r.missing)} without a cache file)",
    ]
    if r.missing:
        lines.append("  missing: " + " ".join(r.missing))
    lines.append(_row("relevance", t.relevance))
    lines.append(f"  section accuracy {t.section_accuracy:.3f} over {t.section_total} relevant")
    for kind, title in (
        ("actor", "actors"),
        ("topic", "topics (relevant items)"),
        ("flag", "flags"),
    ):
        lines.append(f"{title}:")
        lines += [_row(n, c) for (k, n), c in sorted(t.per_tag.items()) if k == kind]
        lines.append(_row("micro", t.micro(kind)))
    total = r.state_media_right + len(r.state_media_wrong)
    lines.append(
        f"state media (outlet registry): accuracy {r.state_media_accuracy:.3f}"
        f" ({r.state_media_right}/{total})"
        + (f"; wrong: {' '.join(r.state_media_wrong)}" if r.state_media_wrong else "")
    )
    lines.append("opinion (detector on URL + title + excerpt):")
    lines.append(_row("opinion", r.opinion))
    for marker, c in sorted(r.opinion_by_marker.items()):
        lines.append(f"  recall, marker {marker:<8} {c.recall:.3f} ({c.tp}/{c.tp + c.fn})")
    if errors:
        lines += [f"  {e}" for e in r.opinion_errors]
        lines.append("tagging errors:")
        lines += [f"  {e.error} {e.kind} {e.name} [{e.item}]: {e.why}" for e in t.errors]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.real.evaluate", description=__doc__)
    parser.add_argument("--split", choices=["dev", "holdout", "all"], default="all")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--errors", action="store_true", help="also list every FP and FN")
    parser.add_argument("--folder", type=Path, default=HERE, help="labels + cache/ folder")
    parser.add_argument(
        "--config-dir",
        type=Path,
        default=Path(os.environ.get("VRIC_CONFIG_DIR") or REPO),
        help="folder with rules.yaml, outlets.yaml and feeds.yaml (default: the repository)",
    )
    args = parser.parse_args(argv)
    if not has_cache(args.folder):
        cache = (args.folder / "cache").resolve()
        shown = cache.relative_to(Path.cwd()) if cache.is_relative_to(Path.cwd()) else cache
        print(f"no cache in {shown}: see eval/real/README.md to gather it", file=sys.stderr)
        return NO_CACHE
    config = load_config({"VRIC_CONFIG_DIR": str(args.config_dir)})
    report = evaluate(args.folder, config.compiled_rules, config.registry, args.split)
    if args.json:
        print(json.dumps(to_json(report), ensure_ascii=False, indent=2))
    else:
        print(to_text(report, errors=args.errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
