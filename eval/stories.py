"""Measure story grouping: pairs of reports that are one event vs not.

``python -m eval.stories demo [--json]`` runs the whole demo (the bundled
corpus served on 127.0.0.1, one real ingest cycle, so clusters and stories
are what the pipeline makes) and compares the stored stories with the
corpus's ``expect.story`` labels.

``python -m eval.stories real [--split S] [--json]`` groups the real dev set
(eval/real: labels' ``story`` keys, texts from the git-ignored cache) with the
same code; exits 2 when there is no cache (eval/real/README.md says how to
gather it), or from ``--cache DIR``. The cache has no dates: a date in the URL,
else the ``date YYYY-MM`` line some excerpts start with, is used; undated items
are put on one day, so the time window does not separate them (their number is
reported).

Counted over the articles the pipeline stored as relevant (demo) or the
items labelled relevant (real): a pair is *predicted*
one event when both are in one story or one near-duplicate cluster, and is
*labelled* one event when both carry the same story key (a cluster's members
share theirs). Precision and recall of pairs; each wrong pair is listed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Pair = tuple[str, str]
_URL_DATE = re.compile(r"(?<!\d)(20\d\d)[/-](0[1-9]|1[0-2])(?:[/-](0[1-9]|[12]\d|3[01]))?(?!\d)")
_TEXT_DATE = re.compile(r"\s*date (20\d\d)-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?")
UNDATED = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class PairScore:
    items: int
    labelled: set[Pair] = field(default_factory=set)
    predicted: set[Pair] = field(default_factory=set)
    undated: int = 0

    @property
    def precision(self) -> float:
        return len(self.labelled & self.predicted) / len(self.predicted) if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return len(self.labelled & self.predicted) / len(self.labelled) if self.labelled else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "labelled_pairs": len(self.labelled),
            "predicted_pairs": len(self.predicted),
            "true_pairs": len(self.labelled & self.predicted),
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "false_pairs": sorted(self.predicted - self.labelled),
            "missed_pairs": sorted(self.labelled - self.predicted),
            "undated": self.undated,
        }


def pairs_of(groups: Mapping[str, Iterable[str]]) -> set[Pair]:
    """Every unordered pair within each group, as sorted id tuples."""
    out: set[Pair] = set()
    for members in groups.values():
        out |= {(a, b) for a, b in combinations(sorted(set(members)), 2)}
    return out


def group_by(keys: Mapping[str, str | None]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for item, key in keys.items():
        if key is not None:
            groups.setdefault(key, []).append(item)
    return groups


# ------------------------------------------------------------ demo corpus
def score_demo(out_dir: Path | None = None) -> PairScore:
    """Run the demo and score its stories against the corpus labels."""
    from pipeline.demo.cycle import run_demo
    from pipeline.demo.manifest import load_manifest

    with tempfile.TemporaryDirectory(prefix="stories-demo-") as tmp:
        folder = out_dir or Path(tmp) / "demo"
        run_demo(folder)
        stored = _stored_groups(folder)
    manifest = load_manifest()
    by_url = {_url_key(f"http://{a.host}{a.path}"): a for a in manifest.articles}
    labels: dict[str, str | None] = {}
    predicted: dict[str, list[str]] = {}
    for url, (story, cluster) in stored.items():
        article = by_url.get(_url_key(url))
        if article is None:
            raise ValueError(f"eval.stories: stored article {url} is not in the demo manifest")
        labels[article.id] = article.expect.story
        for key in (f"story:{story}" if story else None, f"cluster:{cluster}" if cluster else None):
            if key:
                predicted.setdefault(key, []).append(article.id)
    score = PairScore(items=len(labels))
    score.labelled = pairs_of(group_by(labels))
    score.predicted = pairs_of(predicted)
    return score


def _url_key(url: str) -> str:
    """The path: canonical URLs drop ``www``/``www1`` hosts, paths are unique in the corpus."""
    return urlsplit(url).path


def _stored_groups(folder: Path) -> dict[str, tuple[int | None, int | None]]:
    """Canonical URL → (story id, cluster id) of the demo database's relevant articles."""
    from pipeline.store import Store

    store = Store(f"sqlite:///{folder / 'vric-demo.db'}", mode="read")
    try:
        out: dict[str, tuple[int | None, int | None]] = {}
        for period in [p["period"] for p in store.periods_summary()]:
            for view in store.iter_period(period):
                out[view.url] = (view.story_id, view.cluster_key)
        return out
    finally:
        store.close()


# ------------------------------------------------------------ real dev set
def item_date(url: str, text: str = "") -> datetime | None:
    """A date in the URL, else the ``date YYYY-MM[-DD]`` line some excerpts start with."""
    found = _URL_DATE.search(url) or _TEXT_DATE.match(text)
    if not found:
        return None
    year, month, day = found.group(1), found.group(2), found.group(3) or "15"
    return datetime(int(year), int(month), int(day), 12, tzinfo=UTC)


def score_real(split: str, cache: Path | None = None, dates: bool = True) -> PairScore | None:
    from eval.real.evaluate import HERE, load_labels
    from pipeline.article.stories import group_stories, story_item
    from pipeline.config import load_config
    from pipeline.tagging import tag
    from pipeline.types import TagInput

    cache = cache or HERE / "cache"
    config = load_config()
    items, labels, undated = [], {}, 0
    for n, label in enumerate(load_labels(HERE), start=1):
        path = cache / f"{label['id']}.json"
        if not path.exists() or not label.get("relevant"):
            continue
        if split != "all" and label.get("split") != split:
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        result = tag(TagInput(doc["title"], doc["text"], language=label.get("lang")),
                     config.compiled_rules)  # fmt: skip
        when = item_date(label["url"], doc["text"]) if dates else None
        undated += when is None
        items.append(story_item(
            id=n, outlet=label["url"].split("/")[2], published_at=when or UNDATED,
            title=doc["title"], lead=doc["text"],
            tags=[(t.kind, t.name) for t in (*result.actors, *result.countries)],
            matcher=config.entity_matcher,
        ))  # fmt: skip
        labels[str(n)] = label["id"], label.get("story")
    if not items:
        return None
    ids = {k: v[0] for k, v in labels.items()}
    stories = group_stories(items, config.settings.stories)
    score = PairScore(items=len(items), undated=undated)
    score.labelled = pairs_of(group_by({v[0]: v[1] for v in labels.values()}))
    score.predicted = pairs_of({str(i): [ids[str(m)] for m in g.members]
                                for i, g in enumerate(stories)})  # fmt: skip
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.stories", description=__doc__)
    parser.add_argument("corpus", choices=("demo", "real"))
    parser.add_argument("--split", default="all", choices=("all", "dev", "holdout"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--no-dates", action="store_true",
        help="real: put every item on one day (the window is not applied)",
    )  # fmt: skip
    parser.add_argument(
        "--cache", type=Path, help="folder of cached texts (real; default: eval/real/cache)"
    )
    args = parser.parse_args(argv)
    score = (
        score_demo()
        if args.corpus == "demo"
        else score_real(args.split, args.cache, not args.no_dates)
    )
    if score is None:
        print("eval.stories: no cached texts in eval/real/cache (see eval/real/README.md)",
              file=sys.stderr)  # fmt: skip
        return 2
    doc = score.as_dict()
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        print(f"{args.corpus}: {doc['items']} relevant items, {doc['labelled_pairs']} labelled "
              f"pairs, {doc['predicted_pairs']} predicted: precision {doc['precision']:.3f}, "
              f"recall {doc['recall']:.3f}")  # fmt: skip
        for kind in ("false_pairs", "missed_pairs"):
            for a, b in doc[kind]:
                print(f"  {kind.split('_')[0]}: {a} {b}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
