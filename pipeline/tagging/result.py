"""Turn an :class:`Evaluation` into the :class:`TagResult` contract."""

from __future__ import annotations

from collections import defaultdict

from pipeline.tagging.compile import CompiledRules
from pipeline.tagging.engine import FIELDS, Candidate, Evaluation, TagTrace
from pipeline.types import Match, Tag, TagResult


def snippet(text: str, start: int, end: int, width: int = 80) -> str:
    """The match with some context on each side, whitespace collapsed, ≤ ``width`` chars."""
    room = max(0, width - (end - start)) // 2
    segment = text[max(0, start - room) : end + room]
    if "  " in segment or "\n" in segment or "\t" in segment or "\r" in segment:
        segment = " ".join(segment.split())
    return segment.strip()[:width]


def _match(texts: tuple[str, str, str], c: Candidate, width: int) -> Match:
    field_idx, start, end, term = c.occ
    # Positional arguments: about 25 matches per article, and keywords cost more.
    return Match(
        term,
        FIELDS[field_idx],
        start,
        end,
        snippet(texts[field_idx], start, end, width),
        round(c.contribution, 2),
    )


def _members(trace: TagTrace) -> tuple[str, ...]:
    """Which Bolivarian network members an actor tag rests on, strongest first."""
    if trace.tag.kind != "actor":
        return ()
    totals: dict[str, float] = defaultdict(float)
    for c in trace.counted:
        if c.sink.member:
            totals[c.sink.member] += c.contribution
    return tuple(sorted(totals, key=lambda m: (-totals[m], m)))


def _tag(ev: Evaluation, trace: TagTrace, width: int) -> Tag:
    return Tag(
        kind=trace.tag.kind,
        name=trace.tag.name,
        score=trace.score,
        matches=tuple(_match(ev.item.texts, c, width) for c in trace.counted),
        detail=_members(trace),
    )


def to_result(ev: Evaluation, rules: CompiledRules) -> TagResult:
    fired: dict[str, list[Tag]] = defaultdict(list)
    for trace in ev.traces:
        if trace.fired:
            fired[trace.tag.kind].append(_tag(ev, trace, rules.snippet_chars))
    for tags in fired.values():
        tags.sort(key=lambda t: (-t.score, t.name))
    return TagResult(
        actors=tuple(fired["actor"]),
        topics=tuple(fired["topic"]),
        countries=tuple(fired["country"]),
        flags=tuple(fired["flag"]),
        relevant=ev.relevant,
        section=ev.section,
        rules_version=rules.version,
        score=ev.score,
    )
