"""The shape of ``rules.yaml``: the tagging taxonomy and its rule language.

Validated once at load (pydantic, unknown keys rejected), then cross-checked
by :func:`rules_problems` (references between entries), then compiled by
:func:`pipeline.tagging.compile_rules`. docs/tagging.md is the reference for
the language; the field comments below are the short form.

References inside conditions (``ctx``, ``not``, tag-level ``all`` / ``none``):

- ``"some phrase"``: that phrase, matched like a plain term (folded, whole word);
- ``"@name"``: every term of ``groups.name``;
- ``"tag:name"`` / ``"kind:actor"``: a tag (or any tag of a kind) that fired;
  only in tag-level conditions, and only for kinds evaluated earlier
  (actor, then country, then topic, then flag).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Kind = Literal["actor", "country", "topic", "flag"]
KIND_ORDER: tuple[str, ...] = ("actor", "country", "topic", "flag")
LANGS: tuple[str, ...] = ("t", "es", "pt", "en")
_COUNTRY_NAME = re.compile(r"^(?:[a-z]{2}|lac_regional)$")
_TAG_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# A section name is stored, typed by analysts and becomes a bundle file name.
_SECTION_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Cond(_Strict):
    """A group condition (EMM style): any-of with a minimum, all-of, none-of.

    It holds when at least ``min`` distinct terms of ``any`` matched (if
    ``any`` is given), every reference of ``all`` matched, and no reference
    of ``none`` matched. ``within``: only count matches within that many words
    of the term being judged (0 = overlapping it); unset = anywhere in the item.
    """

    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    min: int = Field(1, ge=1)
    within: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _not_empty(self) -> Cond:
        if not (self.any or self.all or self.none):
            raise ValueError("a condition needs at least one of any / all / none")
        return self

    def refs(self) -> tuple[str, ...]:
        return self.any + self.all + self.none


def _conds(value: Any, within: int | None) -> Any:
    """Shorthands: a list of strings is one any-of condition; a mapping is one condition."""
    if value is None:
        return ()
    if isinstance(value, dict):
        return (value,)
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return ({"any": list(value), "within": within},)
    return value


class TermSpec(_Strict):
    """One rule line: spellings per language and how they count.

    ``t`` holds forms valid in any language; ``es`` / ``pt`` / ``en`` apply
    only when the item is in that language (or its language is unknown).
    """

    t: tuple[str, ...] = ()
    es: tuple[str, ...] = ()
    pt: tuple[str, ...] = ()
    en: tuple[str, ...] = ()
    w: float = Field(1.0, gt=0, le=20)  # weight of one mention in the body
    cs: bool = False  # case-sensitive: matched on the raw text (accents too)
    accents: bool = False  # accent-sensitive but not case-sensitive (Irã)
    word: bool = True  # whole word; false = anywhere, even inside a word
    ctx: tuple[Cond, ...] = ()  # counts only when every one holds (strings: any, whole item)
    not_: tuple[Cond, ...] = Field((), alias="not")  # never counts when one holds (strings:
    # exclusion phrases overlapping the match)
    member: str | None = None  # detail recorded on the tag (Bolivarian network member)
    also: tuple[str, ...] = ()  # other tags this term also counts for, same weight
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key, within in (("ctx", None), ("not", 0)):
                data[key] = _conds(data.get(key), within)
        return data

    @field_validator("t", "es", "pt", "en")
    @classmethod
    def _no_blank(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not s.strip() for s in value):
            raise ValueError("empty term")
        return value

    @model_validator(mode="after")
    def _has_terms(self) -> TermSpec:
        if not (self.t or self.es or self.pt or self.en):
            raise ValueError("no terms (give t, es, pt or en)")
        return self

    def spellings(self) -> list[tuple[str, str]]:
        """(language, text) pairs; language ``any`` for ``t``."""
        out = [("any", s) for s in self.t]
        for lang in ("es", "pt", "en"):
            out += [(lang, s) for s in getattr(self, lang)]
        return out


class TagSpec(_Strict):
    kind: Kind
    label: str | None = None
    threshold: float = Field(1.0, gt=0)  # score needed to fire
    strong: float | None = Field(None, gt=0)  # score that counts as "strong" (sections)
    min_mentions: int = Field(1, ge=1)  # counted matches needed besides the threshold
    all: tuple[Cond, ...] = ()  # every condition must hold in the item
    none: tuple[Cond, ...] = ()  # the tag never fires when one of these holds
    terms: tuple[TermSpec, ...] = Field(min_length=1)


class FieldBoost(_Strict):
    title: float = Field(3.0, gt=0)
    lead: float = Field(2.0, gt=0)
    body: float = Field(1.0, gt=0)


class SubjectSettings(_Strict):
    """Topics and actors are the item's main subjects, not every one it mentions."""

    # a tag at threshold is kept only when its score is at least this share of the
    # strongest score among the tags of its kind (0: every tag at threshold is kept)
    min_share: float = Field(0.0, ge=0, le=1)
    # at most this many tags of the kind, strongest first (0: no limit)
    max: int = Field(0, ge=0)


class RuleSettings(_Strict):
    field_boost: FieldBoost = FieldBoost()
    topics: SubjectSettings = SubjectSettings()
    actors: SubjectSettings = SubjectSettings()
    max_hits_per_term: int = Field(3, ge=1)  # repeated mentions of one term stop adding
    snippet_chars: int = Field(80, ge=20, le=80)


EntityKind = Literal["person", "organisation", "place", "thing"]


class EntitySpec(_Strict):
    """A named person, organisation, place or thing (a ship, a vaccine) that
    stories across outlets are grouped by (pipeline/article/stories.py). Never
    scored by the tagger: its spellings in any language name one entity, so a
    Spanish and an English report of one event share it (Cabo Verde, Cape Verde)."""

    kind: EntityKind
    names: tuple[str, ...] = Field(min_length=1)  # folded, whole words: any case or accent
    cs: tuple[str, ...] = ()  # case-sensitive forms (acronyms that are also words: MAS)

    @field_validator("names", "cs")
    @classmethod
    def _no_blank(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not s.strip() for s in value):
            raise ValueError("empty name")
        return value


class SectionOverride(_Strict):
    section: str
    tag: str
    min_score: float = Field(gt=0)


class ActorSection(_Strict):
    section: str
    weight: float = Field(1.0, gt=0)  # multiplies the actor's score when choosing


class Sections(_Strict):
    # The monitor's sections in order, each with the subject of its digest
    # heading ("Media reports on Russia in LAC from ..."). Empty: the sections
    # the actors and then the overrides name, labelled with their names.
    labels: dict[str, str] = {}
    overrides: tuple[SectionOverride, ...] = ()
    actors: dict[str, ActorSection]


@dataclass(frozen=True)
class Section:
    """One section of the monitor."""

    name: str  # stored on articles and decisions, a bundle's ``NAME.csv``: ``russia``
    label: str  # the subject of its digest heading: ``Russia in LAC``


def monitor_sections(rules: RulesFile) -> tuple[Section, ...]:
    """The monitor's sections in order: the one list every consumer uses
    (decisions import, ``vric export csv --section``, the bundle)."""
    if rules.sections.labels:
        return tuple(Section(name, label) for name, label in rules.sections.labels.items())
    named = [a.section for a in rules.sections.actors.values()]
    named += [o.section for o in rules.sections.overrides]
    return tuple(Section(name, name) for name in dict.fromkeys(named))


def section_names(rules: RulesFile) -> tuple[str, ...]:
    return tuple(s.name for s in monitor_sections(rules))


class RulesFile(_Strict):
    schema_version: Literal[1] = 1
    revision: str = Field(min_length=1)
    settings: RuleSettings = RuleSettings()
    groups: dict[str, tuple[TermSpec, ...]] = {}
    relevance: str = "actor and country"
    sections: Sections
    tags: dict[str, TagSpec] = Field(min_length=1)
    # actor → search queries, for `vric backfill --search` (docs/backfill.md)
    search: dict[str, tuple[str, ...]] = {}
    # entity id → its spellings, for grouping stories across outlets (docs/tagging.md, Stories)
    entities: dict[str, EntitySpec] = {}


# ----------------------------------------------------------- cross-entry checks


def rules_problems(rules: RulesFile) -> list[str]:
    """Problems that span entries, one line each, e.g.
    ``tags.russia.terms[4].ctx: unknown group 'foo'``."""
    problems = _name_problems(rules)
    for name, items in rules.groups.items():
        for i, spec in enumerate(items):
            problems += _term_problems(rules, f"groups.{name}[{i}]", spec)
    for name, tag in rules.tags.items():
        for i, spec in enumerate(tag.terms):
            problems += _term_problems(rules, f"tags.{name}.terms[{i}]", spec)
            if name in spec.also:
                problems.append(f"tags.{name}.terms[{i}].also: names its own tag")
            if spec.member and tag.kind != "actor":
                problems.append(f"tags.{name}.terms[{i}].member: only actor terms have a member")
        problems += _duplicate_problems(name, tag)
        for key in ("all", "none"):
            for i, cond in enumerate(getattr(tag, key)):
                where = f"tags.{name}.{key}[{i}]"
                problems += _cond_problems(rules, where, cond, tag_level=tag.kind)
    return (
        problems + _relevance_problems(rules) + _section_problems(rules) + _entity_problems(rules)
    )


def _name_problems(rules: RulesFile) -> list[str]:
    problems = []
    for name, tag in rules.tags.items():
        if not _TAG_NAME.match(name):
            problems.append(f"tags.{name}: names are lower case letters, digits and '_'")
        elif tag.kind == "country" and not _COUNTRY_NAME.match(name):
            problems.append(f"tags.{name}: a country is an ISO alpha-2 code or lac_regional")
    return problems


def _term_problems(rules: RulesFile, where: str, spec: TermSpec) -> list[str]:
    problems = [
        f"{where}.also: unknown tag {other!r}" for other in spec.also if other not in rules.tags
    ]
    for key, conds in (("ctx", spec.ctx), ("not", spec.not_)):
        for i, cond in enumerate(conds):
            at = f"{where}.{key}" if len(conds) == 1 else f"{where}.{key}[{i}]"
            problems += _cond_problems(rules, at, cond, tag_level=None)
    return problems


def _cond_problems(rules: RulesFile, where: str, cond: Cond, tag_level: str | None) -> list[str]:
    problems = []
    for ref in cond.refs():
        if ref.startswith("@") and ref[1:] not in rules.groups:
            problems.append(f"{where}: unknown group {ref[1:]!r}")
        elif ref.startswith(("tag:", "kind:")):
            problems += _tag_ref_problems(rules, where, ref, tag_level)
    if tag_level is not None and cond.within is not None:
        problems.append(f"{where}.within: proximity applies to term conditions only")
    return problems


def _tag_ref_problems(rules: RulesFile, where: str, ref: str, tag_level: str | None) -> list[str]:
    if tag_level is None:
        return [f"{where}: {ref!r}: tag references belong in tag-level all/none"]
    prefix, _, name = ref.partition(":")
    if prefix == "kind":
        kind = name if name in KIND_ORDER else None
        if kind is None:
            return [f"{where}: unknown kind {name!r}"]
    elif name not in rules.tags:
        return [f"{where}: unknown tag {name!r}"]
    else:
        kind = rules.tags[name].kind
    if KIND_ORDER.index(kind) >= KIND_ORDER.index(tag_level):
        return [f"{where}: {ref!r} must be a kind evaluated before {tag_level}"]
    return []


def _duplicate_problems(name: str, tag: TagSpec) -> list[str]:
    seen: dict[tuple[str, str, bool, bool], int] = {}
    problems = []
    for i, spec in enumerate(tag.terms):
        for lang, text in spec.spellings():
            key = (lang, text if spec.cs else text.lower(), spec.cs, spec.accents)
            if key in seen and seen[key] != i:
                problems.append(
                    f"tags.{name}.terms[{i}]: {text!r} already listed in terms[{seen[key]}]"
                )
            seen.setdefault(key, i)
    return problems


def _relevance_problems(rules: RulesFile) -> list[str]:
    from pipeline.tagging.expr import ExprError, parse_expression

    try:
        parse_expression(rules.relevance, {n: t.kind for n, t in rules.tags.items()})
    except ExprError as exc:
        return [f"relevance: {exc}"]
    return []


def _entity_problems(rules: RulesFile) -> list[str]:
    """Entity ids are names; one spelling names one entity."""
    from pipeline.tagging.fold import fold

    problems = []
    seen: dict[str, str] = {}
    for name, spec in rules.entities.items():
        if not _TAG_NAME.match(name):
            problems.append(f"entities.{name}: an entity id is lowercase letters, digits or _")
        for text in spec.names:
            other = seen.setdefault(fold(text), name)
            if other != name:
                problems.append(f"entities.{name}: {text!r} already names {other!r}")
    return problems


def _section_problems(rules: RulesFile) -> list[str]:
    problems = []
    for name in rules.search:
        if name not in rules.sections.actors:
            problems.append(f"search.{name}: not an actor of sections.actors")
    for name, _ in rules.sections.actors.items():
        tag = rules.tags.get(name)
        if tag is None or tag.kind != "actor":
            problems.append(f"sections.actors.{name}: not an actor tag")
    for name, tag in rules.tags.items():
        if tag.kind == "actor" and name not in rules.sections.actors:
            problems.append(f"sections.actors: actor {name!r} has no section")
    for i, rule in enumerate(rules.sections.overrides):
        if rule.tag not in rules.tags:
            problems.append(f"sections.overrides[{i}].tag: unknown tag {rule.tag!r}")
    return problems + _section_name_problems(rules.sections)


def _section_name_problems(sections: Sections) -> list[str]:
    used = [(f"sections.actors.{n}.section", a.section) for n, a in sections.actors.items()]
    used += [(f"sections.overrides[{i}].section", o.section)
             for i, o in enumerate(sections.overrides)]  # fmt: skip
    problems = [
        f"sections.labels.{name}: a section name is 1-40 lowercase letters, digits or _"
        for name in sections.labels
        if not _SECTION_NAME.match(name)
    ]
    problems += [f"sections.labels.{n}: empty label" for n, t in sections.labels.items()
                 if not t.strip()]  # fmt: skip
    for where, name in used:
        if not _SECTION_NAME.match(name):
            problems.append(f"{where}: {name!r} is not a section name "
                            "(1-40 lowercase letters, digits or _)")  # fmt: skip
        elif sections.labels and name not in sections.labels:
            problems.append(f"{where}: section {name!r} is not listed in sections.labels")
    return problems
