"""Rebuild ``eval/real/cache/`` from saved search answers (eval/real/README.md).

``python -m eval.real.gather ANSWER.json...``: each file is one answer of the search
tool's ``pages`` corpus, as returned (``{"query": ..., "results": [{"rank", "url",
"excerpt"}, ...]}``). For every labelled item whose ``query`` is that answer's query,
the result whose ``url`` equals the label's URL (the one at the label's ``rank`` first)
becomes ``cache/<id>.json``; the title is made as ``titles-*.yaml`` says (default: from
the URL slug). Items whose URL is not in the answer are reported and left without cache.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pipeline.config import read_yaml
from pipeline.tagging.fold import fold

HERE = Path(__file__).resolve().parent
_SENTENCE_END = re.compile(r'(?<=[a-z\u00e0-\u00ff0-9"”»)])\. ')
_ID_TOKEN = re.compile(r"[A-Za-z]{0,2}\d+")
_WORD = re.compile(r"[^\W_]+")


def slug_title(url: str) -> str:
    """The last path segment with at least two words: hyphens/underscores to spaces,
    file extension, leading numbers and trailing id tokens (``n1527118``) removed."""
    for raw in reversed([unquote(s) for s in urlsplit(url).path.split("/") if s]):
        segment = re.sub(r"\.(g?html?|shtml|php|aspx?)$", "", raw)
        words = [w for w in re.split(r"[-_+]+", segment) if w]
        while words and words[0].isdigit():
            words.pop(0)
        while words and _ID_TOKEN.fullmatch(words[-1]):
            words.pop()
        if len([w for w in words if re.search(r"[^\W\d_]{2,}", w)]) >= 2:
            return " ".join(words)
    raise ValueError(f"no slug with words in {url}: give the item a title hint")


def restore_forms(title: str, text: str) -> str:
    """Each word of a slug-made title as the text writes it, case and accents: a slug is
    lower-case ASCII (``china-y-honduras-establecen``), a headline is not, and the tagger
    reads some names case-sensitively (China, Cuba, MAS). The text's most frequent form of
    the word wins; a word the text does not have stays as it is."""
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for word in _WORD.findall(text):
        forms[fold(word)][word] += 1

    def written(match: re.Match[str]) -> str:
        seen = forms.get(fold(match.group(0)))
        return seen.most_common(1)[0][0] if seen else match.group(0)

    return _WORD.sub(written, title)


def make_title(url: str, text: str, hint: str = "slug") -> str:
    """``slug`` (its words as the text writes them), ``line N`` (the Nth non-empty line)
    or ``sentence N`` (its first sentence)."""
    if hint == "slug":
        return restore_forms(slug_title(url), text)
    kind, _, number = hint.partition(" ")
    line = [ln.strip() for ln in text.splitlines() if ln.strip()][int(number) - 1]
    if kind == "line":
        return line
    if kind == "sentence":
        return _SENTENCE_END.split(line, maxsplit=1)[0].strip()
    raise ValueError(f"unknown title hint {hint!r}")


def _labels(folder: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    items: list[dict[str, Any]] = []
    for path in sorted(folder.glob("labels-*.yaml")):
        items += (read_yaml(path) or {}).get("items") or []
    hints: dict[str, str] = {}
    for path in sorted(folder.glob("titles-*.yaml")):
        hints.update(read_yaml(path) or {})
    return items, hints


def gather(answer: dict[str, Any], folder: Path) -> tuple[list[str], list[str]]:
    """Write the cache files this answer provides: (ids written, ids not found in it)."""
    items, hints = _labels(folder)
    (folder / "cache").mkdir(exist_ok=True)
    written, not_found = [], []
    for label in (it for it in items if it["query"] == answer["query"]):
        hits = [r for r in answer["results"] if r.get("url") == label["url"]]  # some have none
        hits.sort(key=lambda r: r["rank"] != label["rank"])
        if not hits:
            not_found.append(label["id"])
            continue
        text = hits[0]["excerpt"]
        doc = {
            "id": label["id"],
            "url": label["url"],
            "query": label["query"],
            "rank": label["rank"],
            "lang": label["lang"],
            "title": make_title(label["url"], text, hints.get(label["id"], "slug")),
            "text": text,
        }
        path = folder / "cache" / f"{label['id']}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(label["id"])
    return written, not_found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.real.gather", description=__doc__)
    parser.add_argument("answers", nargs="+", type=Path, help="saved search answers (JSON)")
    parser.add_argument("--folder", type=Path, default=HERE, help="labels + cache/ folder")
    args = parser.parse_args(argv)
    missing = 0
    for path in args.answers:
        written, not_found = gather(json.loads(path.read_text(encoding="utf-8")), args.folder)
        print(
            f"{path.name}: wrote {len(written)}"
            + (f"; not found: {' '.join(not_found)}" if not_found else "")
        )
        missing += len(not_found)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
