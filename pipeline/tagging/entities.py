"""Named entities of rules.yaml (people, organisations, places, things) found in a text.

The tagger scores actors, topics, countries and flags; it does not say *who*
or *where* an item is about beyond that. Grouping stories across outlets
needs exactly that, in every language at once: ``entities:`` in rules.yaml
lists each entity's spellings (``Cabo Verde``, ``Cape Verde``), and
:func:`find_entities` returns the ids found. One Aho-Corasick pass over the
folded text, whole words only, like the tagger (:mod:`pipeline.tagging.compile`);
case-sensitive forms are checked against the raw text at the same offsets
(folding keeps offsets).

Pure: no I/O; the compiled :class:`EntityMatcher` is built once per rules file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import ahocorasick

from pipeline.config.rules_schema import RulesFile
from pipeline.tagging.fold import fold, word_form

# What a pattern carries: (length, entity ids with the raw form they need, or None).
_Payload = tuple[int, tuple[tuple[str, str | None], ...]]


@dataclass(frozen=True)
class EntityMatcher:
    """The compiled ``entities:`` of one rules file."""

    kinds: Mapping[str, str]  # entity id -> person | organisation | place | thing
    automaton: Any  # ahocorasick.Automaton, None when there are no entities
    # The word forms of the case-insensitive names with their entity id, longest name
    # first ("cape verde", "cabo_verde"): how titles are compared (article.stories).
    name_forms: tuple[tuple[str, str], ...]


def compile_entities(rules: RulesFile) -> EntityMatcher:
    table: dict[str, dict[tuple[str, str | None], None]] = {}
    for name in sorted(rules.entities):
        spec = rules.entities[name]
        for text in spec.names:
            table.setdefault(fold(text), {})[(name, None)] = None
        for text in spec.cs:
            table.setdefault(fold(text), {})[(name, text)] = None
    auto = None
    if table:
        auto = ahocorasick.Automaton()
        for pattern in sorted(table):
            auto.add_word(pattern, (len(pattern), tuple(table[pattern])))
        auto.make_automaton()
    kinds = {name: spec.kind for name, spec in rules.entities.items()}
    spellings = {fold(t): name for name, spec in rules.entities.items() for t in spec.names}
    ordered = sorted(spellings, key=len, reverse=True)
    forms = tuple((form, spellings[s]) for s in ordered if (form := word_form(s)))
    return EntityMatcher(kinds=kinds, automaton=auto, name_forms=forms)


def _is_word_at(folded: str, start: int, end: int) -> bool:
    before = folded[start - 1] if start > 0 else " "
    after = folded[end] if end < len(folded) else " "
    return not (before.isalnum() or after.isalnum())


def find_entities(matcher: EntityMatcher, texts: Iterable[str]) -> frozenset[str]:
    """The ids of the entities named (as whole words) in any of ``texts``."""
    found: set[str] = set()
    if matcher.automaton is None:
        return frozenset()
    for text in texts:
        if not text:
            continue
        folded = fold(text)
        payload: _Payload
        for end_idx, payload in matcher.automaton.iter(folded):
            length, atoms = payload
            start, end = end_idx - length + 1, end_idx + 1
            if not _is_word_at(folded, start, end):
                continue
            for name, raw in atoms:
                if raw is None or text[start:end] == raw:
                    found.add(name)
    return frozenset(found)
