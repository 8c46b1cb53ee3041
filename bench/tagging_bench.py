"""Tagging speed with the full shipped taxonomy, against a naive per-term regex loop.

    python bench/tagging_bench.py [--docs 2000] [--naive-docs 50] [--seed 7]

Generates deterministic corpora of news-like items (es / pt / en filler with
taxonomy terms mixed in, about 3 KB each; see ``make_corpus`` for the two
modes), then reports, in CPU time of this process (so "per core", and less
sensitive to other load on the machine than wall time):

- ``tag()`` throughput in MB of text per second (title + body);
- the same per item in milliseconds;
- a naive baseline: one compiled ``re`` pattern per spelling (word
  boundaries, IGNORECASE unless the term is case-sensitive), ``finditer`` over
  every item, on a subset of items, and the speed ratio.

The target (issue 6) is >= 10 MB/s per core and >= 50x the naive loop.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import DEFAULTS_DIR  # noqa: E402
from pipeline.config.rules_schema import RulesFile  # noqa: E402
from pipeline.tagging import CompiledRules, compile_rules, fold, tag  # noqa: E402
from pipeline.types import TagInput  # noqa: E402

FILLER = {
    "es": "el la de que en los por con para una las del se su al como más pero sus le ya "
    "gobierno país acuerdo ministro presidente según informó dijo también año mercado "
    "empresa nuevo región semana ciudad proyecto millones durante contra sobre entre",
    "pt": "o a de que em os por com para uma as do se seu ao como mais mas seus lhe já "
    "governo país acordo ministro presidente segundo informou disse também ano mercado "
    "empresa novo região semana cidade projeto milhões durante contra sobre entre",
    "en": "the of and to in is that for with on was as by it from at are has said its "
    "government country agreement minister president according reported also year market "
    "company new region week city project million during against about between",
}


def _spellings(rules: RulesFile) -> list[tuple[str, bool]]:
    out = []
    for tag_spec in rules.tags.values():
        for spec in tag_spec.terms:
            out += [(text, spec.cs or spec.accents) for _, text in spec.spellings()]
    return out


def _tag_terms(rules: RulesFile) -> dict[str, list[str]]:
    return {
        name: [text for spec in t.terms for _, text in spec.spellings()]
        for name, t in rules.tags.items()
    }


def make_corpus(rules: RulesFile, docs: int, seed: int, mode: str = "news") -> list[TagInput]:
    """``news``: each item is about one actor, one country and three topics (2 % of its
    words are their terms), like a real report; ``uniform``: 3 % of the words are
    terms drawn from the whole taxonomy (a stress test: every item touches many tags)."""
    rng = random.Random(seed)
    by_tag = _tag_terms(rules)
    kinds = {
        k: [n for n, t in rules.tags.items() if t.kind == k] for k in ("actor", "country", "topic")
    }
    every = [t for terms in by_tag.values() for t in terms]
    corpus = []
    for _ in range(docs):
        lang = rng.choice(list(FILLER))
        words = FILLER[lang].split()
        if mode == "uniform":
            pool, density = every, 0.03
        else:
            focus = [
                rng.choice(kinds["actor"]),
                rng.choice(kinds["country"]),
                *rng.sample(kinds["topic"], 3),
            ]
            pool, density = [t for name in focus for t in by_tag[name]], 0.02
        body: list[str] = []
        while sum(len(w) + 1 for w in body) < 3000:
            body.append(rng.choice(pool) if rng.random() < density else rng.choice(words))
            if rng.random() < 0.06:
                body[-1] += "."
        title = " ".join(rng.choice(words) for _ in range(6)) + " " + rng.choice(pool)
        corpus.append(TagInput(title=title, body=" ".join(body), language=lang))
    return corpus


def naive_patterns(rules: RulesFile) -> list[tuple[re.Pattern[str], bool]]:
    out = []
    for text, sensitive in _spellings(rules):
        flags = 0 if sensitive else re.IGNORECASE
        pattern = re.escape(text if sensitive else fold(text))
        out.append((re.compile(rf"(?<!\w){pattern}(?!\w)", flags), sensitive))
    return out


def run_naive(patterns: list[tuple[re.Pattern[str], bool]], corpus: list[TagInput]) -> int:
    hits = 0
    for item in corpus:
        for text in (item.title, item.body):
            folded = fold(text)
            for regex, sensitive in patterns:
                hits += sum(1 for _ in regex.finditer(text if sensitive else folded))
    return hits


def _cpu_seconds(corpus: list[TagInput], rules: CompiledRules, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        for item in corpus:
            tag(item, rules)
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--naive-docs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rules_file = RulesFile.model_validate(
        yaml.safe_load((DEFAULTS_DIR / "rules.yaml").read_text("utf-8"))
    )
    t0 = time.process_time()
    rules = compile_rules(rules_file)
    compile_s = time.process_time() - t0
    patterns = naive_patterns(rules_file)
    print(
        f"taxonomy: {len(patterns)} spellings, {len(rules_file.tags)} tags, "
        f"compiled in {compile_s * 1000:.0f} ms (rules {rules.version})\n"
    )
    print("| corpus | MB | tag() MB/s per core | ms per item | naive ms per item | speed-up |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode in ("news", "uniform"):
        corpus = make_corpus(rules_file, args.docs, args.seed, mode)
        mb = sum(len((i.title + i.body).encode()) for i in corpus) / 1e6
        fast = _cpu_seconds(corpus, rules) / len(corpus)
        subset = corpus[: args.naive_docs]
        t0 = time.process_time()
        run_naive(patterns, subset)
        naive = (time.process_time() - t0) / len(subset)
        print(
            f"| {mode} | {mb:.2f} | {mb / (fast * len(corpus)):.1f} | {fast * 1000:.3f} "
            f"| {naive * 1000:.1f} | {naive / fast:.0f}x |"
        )


if __name__ == "__main__":
    main()
