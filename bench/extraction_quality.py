"""Extraction quality on a public benchmark: ``extract_page`` against trafilatura's defaults.

``python -m bench.extraction_quality DIR``, where ``DIR`` holds the
scrapinghub article-extraction-benchmark's ``ground-truth.json`` and
``html/<id>.html.gz`` (a checkout of github.com/scrapinghub/article-extraction-benchmark;
nothing of it is committed here). For each page, the bag of lower-cased word
tokens of the extracted text is compared with that of the benchmark's
``articleBody``: precision, recall and F1 per page, averaged over the pages.
Also prints CPU ms per page of each extractor. Not part of ``make bench``: it
needs the external data and answers a different question (does a speed-up
change what is extracted?). Results: docs/articles.md, "Extraction settings".
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

_WORD = re.compile(r"\w+")


def scores(predicted: str, truth: str) -> tuple[float, float, float]:
    """Token-bag precision, recall and F1 of one page."""
    pred, gold = Counter(_WORD.findall(predicted.lower())), Counter(_WORD.findall(truth.lower()))
    common = sum((pred & gold).values())
    p = common / max(1, sum(pred.values()))
    r = common / max(1, sum(gold.values()))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def load(folder: Path) -> list[tuple[bytes, str, str]]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        (
            gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()),
            v["url"],
            v["articleBody"],
        )
        for key, v in sorted(truth.items())
    ]


def evaluate(
    pages: list[tuple[bytes, str, str]], fn: Callable[[bytes, str], str]
) -> dict[str, float]:
    start = time.process_time()
    texts = [fn(body, url) for body, url, _ in pages]
    ms = (time.process_time() - start) / len(pages) * 1000
    per_page = [scores(t, truth) for t, (_, _, truth) in zip(texts, pages, strict=True)]
    n = len(per_page)
    return {
        "precision": sum(s[0] for s in per_page) / n,
        "recall": sum(s[1] for s in per_page) / n,
        "f1": sum(s[2] for s in per_page) / n,
        "ms_per_page": ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="holds ground-truth.json and html/")
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="SOCKS support in urllib3")
        import trafilatura

    from pipeline.extract import extract_page

    def default(body: bytes, url: str) -> str:
        doc = trafilatura.bare_extraction(body, url=url, with_metadata=True, include_comments=False)
        return (doc.text or "") if doc is not None else ""

    pages = load(args.folder)
    for name, fn in (
        ("trafilatura default", default),
        ("extract_page", lambda b, u: extract_page(b, u).text),
    ):
        r = evaluate(pages, fn)
        print(
            f"{name:20s} P {r['precision']:.4f}  R {r['recall']:.4f}  F1 {r['f1']:.4f}  "
            f"{r['ms_per_page']:.1f} ms/page ({len(pages)} pages)"
        )


if __name__ == "__main__":
    main()
