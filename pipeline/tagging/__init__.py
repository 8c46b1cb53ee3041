"""Tagging: actors, topics, LAC countries and flags, with explanations.

::

    rules = compile_rules(rules_file)        # once per rules version
    result = tag(TagInput(title, body), rules)

``tag`` is pure (no I/O, no clock, no shared mutable state): call it from any
thread, or send ``rules`` to worker processes (it pickles as its source and
compiles again there). docs/tagging.md describes the rule language.
"""

from __future__ import annotations

from pipeline.tagging.compile import CompiledRules, compile_rules, rules_version
from pipeline.tagging.diff import diff_tags
from pipeline.tagging.engine import Evaluation, assess
from pipeline.tagging.fold import fold
from pipeline.tagging.result import to_result
from pipeline.types import TagInput, TagResult

__all__ = [
    "CompiledRules",
    "Evaluation",
    "assess",
    "compile_rules",
    "diff_tags",
    "fold",
    "rules_version",
    "tag",
]


def tag(item: TagInput, rules: CompiledRules) -> TagResult:
    """Tags above threshold, relevance and section for one item."""
    return to_result(assess(item, rules, full=False), rules)
