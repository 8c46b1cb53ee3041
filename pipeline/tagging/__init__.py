"""Tagging: actors, topics, LAC countries and flags, with explanations.

::

    rules = compile_rules(rules_file)        # once per rules version
    result = tag(TagInput(title, body), rules)

``tag`` is pure (no I/O, no clock, no shared mutable state): call it from any
thread, or send ``rules`` to worker processes (it pickles as its source and
compiles again there). docs/tagging.md describes the rule language.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.tagging.compile import CompiledRules, compile_rules, rules_version
    from pipeline.tagging.diff import diff_tags
    from pipeline.tagging.engine import Evaluation, assess
    from pipeline.types import TagInput, TagResult

# fold is light (unicodedata only) and imported eagerly: a lazy export named like its
# submodule would be shadowed by the submodule once anything imports it
# (``from pipeline.tagging import fold`` then returned the module).
from pipeline.tagging.fold import fold

# Loaded on first use (PEP 562): validating rules.yaml needs only
# pipeline.tagging.expr, and `vric export` / `vric bundle` must not pay for
# compiling and matching (docs/benchmarks.md, P5).
_EXPORTS = {
    "CompiledRules": "pipeline.tagging.compile",
    "compile_rules": "pipeline.tagging.compile",
    "rules_version": "pipeline.tagging.compile",
    "diff_tags": "pipeline.tagging.diff",
    "Evaluation": "pipeline.tagging.engine",
    "assess": "pipeline.tagging.engine",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
    from pipeline.tagging.engine import assess
    from pipeline.tagging.result import to_result

    return to_result(assess(item, rules, full=False), rules)
