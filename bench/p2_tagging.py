"""P2: tagging speed with the full shipped taxonomy, against a naive regex loop.

``tag()`` with the compiled ``rules.yaml`` on one core over the corpus
articles (title, lead and body), in MB of UTF-8 text per second; the naive
baseline is ``bench.tagging_bench``'s loop of one compiled regex per
spelling over the same text (on a subset: it is about a thousand times
slower). Judged by MB/s per core (target ≥ 10) and the speed ratio (target
≥ 300). The tagging benchmark's own corpus (filler text with terms
sprinkled in) is measured too, for comparison with its issue.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import tagging_bench
from bench.corpus import Corpus
from bench.harness import base_config
from bench.profiles import profile_call
from bench.report import Measurement, Target, shown
from pipeline.tagging import CompiledRules, tag
from pipeline.types import TagInput

MBPS_TARGET = Target(">=", 10.0)
RATIO_TARGET = Target(">=", 300.0)


def corpus_items(docs: int, seed: int) -> list[TagInput]:
    corpus = Corpus(docs, seed)
    return [
        TagInput(title=s.title, lead=s.lead, body=s.text, language=s.language, url=s.url)
        for s in corpus.specs()
    ]


def megabytes(items: Sequence[TagInput]) -> float:
    return sum(len(f"{i.title}{i.lead}{i.body}".encode()) for i in items) / 1e6


def fast_seconds(items: Sequence[TagInput], rules: CompiledRules) -> float:
    start = time.process_time()
    for item in items:
        tag(item, rules)
    return time.process_time() - start


def naive_seconds(items: Sequence[TagInput], patterns: list[Any]) -> float:
    # run_naive scans title and body: the lead goes into the body so both see the same text.
    merged = [
        TagInput(title=i.title, body=f"{i.lead}\n{i.body}", language=i.language) for i in items
    ]
    start = time.process_time()
    tagging_bench.run_naive(patterns, merged)
    return time.process_time() - start


def measure(
    docs: int, naive_docs: int, runs: int, seed: int, profile_dir: Path
) -> tuple[list[Measurement], list[str]]:
    base = base_config()
    rules = base.compiled_rules
    patterns = tagging_bench.naive_patterns(base.rules)
    items = corpus_items(docs, seed)
    subset = items[:naive_docs]
    mb, sub_mb = megabytes(items), megabytes(subset)
    tag(items[0], rules)  # warm up
    fast, ratio, naive = [], [], []
    for _ in range(runs):
        f = mb / fast_seconds(items, rules)
        n = sub_mb / naive_seconds(subset, patterns)
        fast.append(f)
        naive.append(n)
        ratio.append(f / n)
    other = tagging_bench.make_corpus(base.rules, max(200, docs // 4), seed)
    other_mb = megabytes(other)
    other_rate = [other_mb / fast_seconds(other, rules) for _ in range(runs)]
    measurements = [
        Measurement(
            "P2", "tag() MB/s on one core (bench corpus)", "MB/s", fast, MBPS_TARGET, judged=True
        ),
        Measurement(
            "P2", "tag() speed ÷ naive per-term regex loop", "×", ratio, RATIO_TARGET, judged=True
        ),
        Measurement("P2-naive", f"naive regex loop, {len(patterns)} spellings", "MB/s", naive),
        Measurement("P2-filler", "tag() MB/s on tagging_bench's filler corpus", "MB/s", other_rate),
    ]
    prof = profile_dir / "P2-tag.txt"
    _, hot = profile_call(
        functools.partial(fast_seconds, items, rules),
        prof,
        title=f"P2: tag() over {len(items)} corpus articles, one core (cProfile)",
    )
    notes = [
        f"{len(items)} articles ({mb:.1f} MB: title, lead and body), naive loop on the first "
        f"{len(subset)} ({sub_mb:.2f} MB); {len(patterns)} spellings in rules.yaml.",
        f"Profile of tag(): `{shown(prof)}`; {hot}.",
    ]
    return measurements, notes
