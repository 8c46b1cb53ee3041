"""Helpers shared by the tagging tests (imported by name: tests/tagging is on sys.path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.config import DEFAULTS_DIR
from pipeline.config.rules_schema import RulesFile, rules_problems
from pipeline.tagging import CompiledRules, compile_rules, tag
from pipeline.types import TagInput, TagResult

RULES_PATH = DEFAULTS_DIR / "rules.yaml"
SAMPLE_PATH = Path(__file__).with_name("sample.yaml")


def load_shipped() -> CompiledRules:
    rules = RulesFile.model_validate(yaml.safe_load(RULES_PATH.read_text(encoding="utf-8")))
    assert rules_problems(rules) == []
    return compile_rules(rules)


def make_rules(tags: dict[str, Any], **top: Any) -> CompiledRules:
    """Compile a small rules document; actors get a section named after them."""
    actors = {n: {"section": n} for n, t in tags.items() if t["kind"] == "actor"}
    doc = {"revision": "test", "sections": {"actors": actors}, "tags": tags, **top}
    rules = RulesFile.model_validate(doc)
    assert rules_problems(rules) == []
    return compile_rules(rules)


def run(
    rules: CompiledRules,
    title: str = "",
    body: str = "",
    lead: str = "",
    language: str | None = None,
) -> TagResult:
    return tag(TagInput(title=title, body=body, lead=lead, language=language), rules)


def names(result: TagResult, kind: str = "actor") -> set[str]:
    return {t.name for t in result.all_tags() if t.kind == kind}
