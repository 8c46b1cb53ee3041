"""The relevance expression: a tiny boolean language over tag outcomes.

Grammar (keywords are lower case; parentheses group)::

    expr   := and ("or" and)*
    and    := not ("and" not)*
    not    := "not" not | "(" expr ")" | atom
    atom   := KIND                   any tag of that kind fired: actor, topic, country, flag
            | KIND ":" NAME          that tag fired, e.g. actor:russia, country:lac_regional
            | "sum(" KIND ")>=" NUM  the scores of all tags of that kind add up to NUM

``actor and country`` reads "at least one VRIC actor above its threshold and a
LAC country or regional term above its threshold"; the shipped rules add
``or sum(country) >= 3`` so that several weak LAC cues (two countries named
once each) also place an item in the region.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

KINDS = ("actor", "country", "topic", "flag")
_TOKEN = re.compile(
    r"\s*(?:(sum\(\s*[a-z_]+\s*\)\s*>=\s*[0-9]+(?:\.[0-9]+)?)|(\()|(\))|([a-z_]+(?::[a-z_0-9]+)?))"
)


@dataclass(frozen=True)
class Outcome:
    """What the expression sees: the tags that fired and every tag's score."""

    fired: Collection[tuple[str, str]]  # (kind, name)
    scores: Mapping[tuple[str, str], float]


Predicate = Callable[[Outcome], bool]


class ExprError(ValueError):
    """The expression does not parse or names something unknown."""


@dataclass
class _Parser:
    tokens: list[str]
    names: dict[str, str]  # tag name -> kind
    pos: int = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise ExprError("unexpected end of expression")
        self.pos += 1
        return token

    def parse_or(self) -> Predicate:
        parts = [self.parse_and()]
        while self.peek() == "or":
            self.take()
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else (lambda out: any(p(out) for p in parts))

    def parse_and(self) -> Predicate:
        parts = [self.parse_not()]
        while self.peek() == "and":
            self.take()
            parts.append(self.parse_not())
        return parts[0] if len(parts) == 1 else (lambda out: all(p(out) for p in parts))

    def parse_not(self) -> Predicate:
        word = self.take()
        if word == "not":
            inner = self.parse_not()
            return lambda out: not inner(out)
        if word == "(":
            inner = self.parse_or()
            if self.take() != ")":
                raise ExprError("missing ')'")
            return inner
        return self.atom(word)

    def atom(self, token: str) -> Predicate:
        if token.startswith("sum("):
            return self.sum_atom(token)
        kind, _, name = token.partition(":")
        if kind not in KINDS:
            raise ExprError(f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
        if not name:
            return lambda out: any(k == kind for k, _ in out.fired)
        if self.names.get(name) != kind:
            raise ExprError(f"unknown {kind} tag {name!r}")
        return lambda out: (kind, name) in out.fired

    def sum_atom(self, token: str) -> Predicate:
        inner, _, number = token.partition(">=")
        kind = inner.strip()[4:-1].strip()
        if kind not in KINDS:
            raise ExprError(f"unknown kind {kind!r} in sum()")
        floor = float(number)
        return lambda out: sum(s for (k, _), s in out.scores.items() if k == kind) >= floor


def _tokenize(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ExprError(f"cannot read {text[pos:]!r}")
        tokens.append(next(g for g in m.groups() if g))
        pos = m.end()
    return tokens


def parse_expression(text: str, names: dict[str, str]) -> Predicate:
    """Compile ``text`` into a predicate over an :class:`Outcome`."""
    parser = _Parser(_tokenize(text), names)
    predicate = parser.parse_or()
    if parser.peek() is not None:
        raise ExprError(f"unexpected {parser.peek()!r}")
    return predicate
