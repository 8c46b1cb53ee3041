"""The committed labels of the real-text set follow eval/real/README.md (no cache needed)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from eval.real.evaluate import load_labels
from eval.real.gather import slug_title
from pipeline.config import load_config, read_yaml

FOLDER = Path(__file__).resolve().parents[2] / "eval" / "real"
KEYS = ("id", "url", "query", "rank", "lang", "split", "relevant", "actors", "topics", "flags",
        "section", "opinion", "state_media", "story", "trap", "why")  # fmt: skip
SECTIONS = {"overview", "russia", "iran", "china", "medical_diplomacy"}


def _expected_split(url: str) -> str:
    return "holdout" if int(hashlib.sha1(url.encode()).hexdigest(), 16) % 3 == 0 else "dev"


def test_every_label_is_complete_and_its_split_is_the_hash_rule() -> None:
    items = load_labels(FOLDER)  # raises on duplicate ids
    kinds = {name: tag.kind for name, tag in load_config().rules.tags.items()}
    problems = []
    for it in items:
        missing = [k for k in KEYS if k not in it]
        if missing:
            problems.append(f"{it['id']}: missing {missing}")
            continue
        if it["split"] != _expected_split(it["url"]):
            problems.append(f"{it['id']}: split {it['split']}, the hash rule says otherwise")
        if it["lang"] not in ("es", "pt", "en"):
            problems.append(f"{it['id']}: lang {it['lang']}")
        wrong = [a for a in it["actors"] if kinds.get(a) != "actor"]
        wrong += [t for t in it["topics"] if kinds.get(t) != "topic"]
        wrong += [f for f in it["flags"] if kinds.get(f) != "flag"]
        if wrong:
            problems.append(f"{it['id']}: not tags of their kind: {wrong}")
        if it["relevant"] != bool(it["topics"]) or len(it["topics"]) > 2:
            problems.append(f"{it['id']}: topics must be 1-2 on relevant items, none otherwise")
        if (it["section"] in SECTIONS) != it["relevant"]:
            problems.append(f"{it['id']}: section {it['section']!r} with relevant={it['relevant']}")
        if it["opinion"] and it.get("opinion_marker") not in ("url", "title", "none"):
            problems.append(f"{it['id']}: opinion without a marker")
    assert problems == []
    assert len({it["url"] for it in items}) == len(items), "a URL is labelled twice"


def test_every_item_has_a_title_rule() -> None:
    """An item without a title hint must have a slug of words (gather would fail on it)."""
    hints: dict[str, str] = {}
    for path in FOLDER.glob("titles-*.yaml"):
        hints.update(read_yaml(path) or {})
    without = []
    for it in load_labels(FOLDER):
        if it["id"] in hints:
            continue
        try:
            slug_title(it["url"])
        except ValueError:
            without.append(it["id"])
    assert without == []
