"""Compile a validated :class:`RulesFile` into two Aho-Corasick automata.

Every spelling of every term becomes one *atom* pointing at a *sink*: either a
scored term of a tag (:class:`TermSink`) or a condition reference such as a
group or an exclusion phrase (:class:`RefSink`). All spellings are keyed by
their folded form in one automaton that runs over the folded text; an atom of
a case- or accent-sensitive spelling (CASA, MAS, Irã) also carries the exact
raw forms it accepts, checked against the raw text at the same offsets
(folding keeps offsets). That is the "case-sensitive automaton over the raw
text" in one pass instead of two. One automaton is built per item language
(es, pt, en, unknown) so language filtering costs nothing at scan time.
Scanning an item is one pass whatever the size of the taxonomy; no per-term
regex anywhere.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from pipeline.config.rules_schema import KIND_ORDER, Cond, RulesFile, TermSpec
from pipeline.tagging.expr import Predicate, parse_expression
from pipeline.tagging.fold import fold

ENGINE_VERSION = "1"  # bump when matching semantics change, so rules versions change too

# An atom: (sink id, whole word?, display term, exact raw forms or None).
Atom = tuple[int, bool, str, frozenset[str] | None]
# What a pattern carries in an automaton: (length, check left, check right, atoms).
Payload = tuple[int, bool, bool, tuple[Atom, ...], bool]  # length, edges, atoms, loose
LANG_KEYS: tuple[str | None, ...] = (None, "es", "pt", "en")
_Table = dict[str, dict[Atom, set[str]]]


@dataclass(frozen=True)
class Ref:
    """One resolved condition reference: a sink to look up, or a tag outcome."""

    sink: int | None = None
    tag: str | None = None
    kind: str | None = None
    label: str = ""


@dataclass(frozen=True)
class CompiledCond:
    any: tuple[Ref, ...]
    all: tuple[Ref, ...]
    none: tuple[Ref, ...]
    min: int
    within: int | None
    text: str  # how the rule was written, for explanations

    @property
    def is_local(self) -> bool:
        return self.within is not None


@dataclass(frozen=True)
class TermSink:
    """A scored rule line: its weight counts for ``tags`` when it is valid."""

    tags: tuple[str, ...]
    spec_key: str  # "tag/index": the rule line, for the per-term cap
    weight: float
    member: str | None
    ctx: tuple[CompiledCond, ...]
    not_: tuple[CompiledCond, ...]


@dataclass(frozen=True)
class RefSink:
    label: str


@dataclass(frozen=True)
class CompiledTag:
    name: str
    kind: str
    threshold: float
    strong: float | None
    min_mentions: int
    all: tuple[CompiledCond, ...]
    none: tuple[CompiledCond, ...]


@dataclass(frozen=True)
class CompiledRules:
    """Everything :func:`pipeline.tagging.tag` needs, built once per rules version.

    Pickling sends the validated rules and compiles again on the other side,
    so a process pool can share one rules object.
    """

    version: str
    revision: str
    source: RulesFile
    automata: dict[str | None, Any]  # item language (None: unknown) -> ahocorasick.Automaton
    sinks: tuple[TermSink | RefSink, ...]
    sink_tags: tuple[tuple[str, ...], ...]  # per sink: the tags it scores for (() for refs)
    tags: tuple[CompiledTag, ...]  # evaluation order: actor, country, topic, flag
    relevance: Predicate
    boosts: tuple[float, float, float] = (3.0, 2.0, 1.0)  # title, lead, body
    max_hits: int = 3
    snippet_chars: int = 80
    # per kind ("topic", "actor"): (min_share, max) of the main-subject rule
    main_subjects: dict[str, tuple[float, int]] = field(default_factory=dict)
    section_overrides: tuple[tuple[str, str, float], ...] = ()
    actor_sections: dict[str, tuple[str, float]] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, tuple[RulesFile]]:
        return (compile_rules, (self.source,))


def rules_version(rules: RulesFile) -> str:
    """A stable hash of the rules' content and the engine's semantics."""
    # Section labels are headings, search queries feed `vric backfill
    # --search` and entities group stories, not tagging: changing them must
    # not make every stored article look tagged by other rules.
    content = rules.model_dump(
        mode="json",
        by_alias=True,
        exclude={"sections": {"labels"}, "search": True, "entities": True},
    )
    dumped = json.dumps(content, sort_keys=True)
    return hashlib.sha256(f"{ENGINE_VERSION}\n{dumped}".encode()).hexdigest()[:12]


class _Builder:
    """Collects sinks and atoms, then freezes them into automata."""

    def __init__(self, rules: RulesFile) -> None:
        self.rules = rules
        self.sinks: list[TermSink | RefSink] = []
        self.refs: dict[str, int] = {}  # "@group" or phrase -> ref sink id
        self.table: _Table = defaultdict(dict)

    def add_spec(self, sink: int, spec: TermSpec) -> None:
        for lang, text in spec.spellings():
            exact: frozenset[str] | None = None
            if spec.cs:
                exact = frozenset({text})
            elif spec.accents:
                exact = frozenset({text, text.lower(), text.upper(), text[:1].upper() + text[1:]})
            atom: Atom = (sink, spec.word, text, exact)
            self.table[fold(text)].setdefault(atom, set()).add(lang)

    def ref(self, text: str) -> Ref:
        if text.startswith(("tag:", "kind:")):
            prefix, _, name = text.partition(":")
            return Ref(tag=name, label=text) if prefix == "tag" else Ref(kind=name, label=text)
        if text not in self.refs:
            self.refs[text] = len(self.sinks)
            self.sinks.append(RefSink(text))
            specs = self.rules.groups[text[1:]] if text.startswith("@") else (TermSpec(t=(text,)),)
            for spec in specs:
                self.add_spec(self.refs[text], spec)
        return Ref(sink=self.refs[text], label=text)

    def cond(self, cond: Cond) -> CompiledCond:
        text = json.dumps(cond.model_dump(exclude_defaults=True), ensure_ascii=False)
        return CompiledCond(
            any=tuple(self.ref(r) for r in cond.any),
            all=tuple(self.ref(r) for r in cond.all),
            none=tuple(self.ref(r) for r in cond.none),
            min=cond.min,
            within=cond.within,
            text=text,
        )

    def automaton(self, lang: str | None) -> Any:
        """The automaton for items in ``lang`` (None: unknown, every spelling applies)."""
        auto = ahocorasick.Automaton()
        for pattern in sorted(self.table):
            atoms = tuple(
                atom
                for atom, langs in sorted(self.table[pattern].items(), key=_atom_order)
                if lang is None or "any" in langs or lang in langs
            )
            if atoms:
                payload: Payload = (
                    len(pattern),
                    pattern[0].isalnum(),
                    pattern[-1].isalnum(),
                    atoms,
                    any(not atom[1] for atom in atoms),  # some atom matches inside words
                )
                auto.add_word(pattern, payload)
        if len(auto) == 0:
            return None
        auto.make_automaton()
        return auto


def _atom_order(entry: tuple[Atom, set[str]]) -> tuple[int, bool, str, tuple[str, ...]]:
    sink, word, term, exact = entry[0]
    return (sink, word, term, tuple(sorted(exact or ())))


def _ordered_tags(rules: RulesFile) -> list[str]:
    return sorted(rules.tags, key=lambda n: KIND_ORDER.index(rules.tags[n].kind))


def _term_sinks(b: _Builder, rules: RulesFile) -> None:
    for name in _ordered_tags(rules):
        for i, spec in enumerate(rules.tags[name].terms):
            sink = TermSink(
                tags=(name, *spec.also),
                spec_key=f"{name}/{i}",
                weight=spec.w,
                member=spec.member,
                ctx=tuple(map(b.cond, spec.ctx)),
                not_=tuple(map(b.cond, spec.not_)),
            )
            b.sinks.append(sink)
            b.add_spec(len(b.sinks) - 1, spec)


def _compiled_tags(b: _Builder, rules: RulesFile) -> Iterable[CompiledTag]:
    for name in _ordered_tags(rules):
        spec = rules.tags[name]
        yield CompiledTag(
            name=name,
            kind=spec.kind,
            threshold=spec.threshold,
            strong=spec.strong,
            min_mentions=spec.min_mentions,
            all=tuple(map(b.cond, spec.all)),
            none=tuple(map(b.cond, spec.none)),
        )


def compile_rules(rules: RulesFile) -> CompiledRules:
    """Build the automata and lookup tables for one rules version."""
    b = _Builder(rules)
    _term_sinks(b, rules)
    tags = tuple(_compiled_tags(b, rules))
    boost = rules.settings.field_boost
    return CompiledRules(
        version=rules_version(rules),
        revision=rules.revision,
        source=rules,
        automata={lang: b.automaton(lang) for lang in LANG_KEYS},
        sinks=tuple(b.sinks),
        sink_tags=tuple(s.tags if isinstance(s, TermSink) else () for s in b.sinks),
        tags=tags,
        relevance=parse_expression(rules.relevance, {n: t.kind for n, t in rules.tags.items()}),
        boosts=(boost.title, boost.lead, boost.body),
        max_hits=rules.settings.max_hits_per_term,
        snippet_chars=rules.settings.snippet_chars,
        main_subjects={
            kind: (subject.min_share, subject.max)
            for kind, subject in (
                ("actor", rules.settings.actors),
                ("topic", rules.settings.topics),
            )
        },
        section_overrides=tuple((o.section, o.tag, o.min_score) for o in rules.sections.overrides),
        actor_sections={n: (a.section, a.weight) for n, a in rules.sections.actors.items()},
    )
