"""Scan an item once, judge every match, score the tags.

``assess`` keeps everything (dropped matches with their reason, scores below
threshold) for explanations and the evaluation report; ``tag`` turns that into
the :class:`~pipeline.types.TagResult` contract. Both are pure and keep no
state between calls, so one :class:`CompiledRules` can serve many threads.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pipeline.tagging.compile import CompiledCond, CompiledRules, CompiledTag, Ref, TermSink
from pipeline.tagging.expr import Outcome
from pipeline.tagging.fold import fold
from pipeline.types import TagInput

FIELDS = ("title", "lead", "body")
_WORD = re.compile(r"\w+")

Occ = tuple[int, int, int, str]  # field index, start, end, rule term


@dataclass
class Item:
    """One item being tagged: its fields, what the automata found, small caches."""

    texts: tuple[str, str, str]
    hits: dict[int, list[Occ]]
    words: dict[int, list[int]] = field(default_factory=dict)
    cond_cache: dict[int, bool] = field(default_factory=dict)
    fired: set[tuple[str, str]] = field(default_factory=set)

    def word_index(self, field_idx: int, offset: int) -> int:
        starts = self.words.get(field_idx)
        if starts is None:
            starts = [m.start() for m in _WORD.finditer(self.texts[field_idx])]
            self.words[field_idx] = starts
        return bisect_right(starts, offset)


class Candidate(NamedTuple):
    """One occurrence of a term, judged for one tag (a tuple: made by the thousand)."""

    occ: Occ
    sink: TermSink
    contribution: float
    reason: str | None = None  # None: valid; counted unless capped or inside a longer match


@dataclass
class TagTrace:
    tag: CompiledTag
    counted: list[Candidate]  # in text order
    dropped: list[Candidate]  # with their reason
    score: float = 0.0
    fired: bool = False
    blocked: str | None = None  # why a tag at threshold still did not fire
    kept: str | None = None  # why a fired topic counts as a main subject (explain)

    @property
    def candidates(self) -> list[Candidate]:
        """Counted and dropped matches together, in text order."""
        return sorted(self.counted + self.dropped, key=lambda c: (c.occ[0], c.occ[1], c.occ[3]))


@dataclass(frozen=True)
class Evaluation:
    item: Item
    traces: tuple[TagTrace, ...]
    relevant: bool
    section: str | None
    score: float


def normalise_language(language: str | None) -> str | None:
    """``pt-BR`` -> ``pt``; languages we have no terms for count as unknown."""
    if not language:
        return None
    code = language.strip().lower().replace("_", "-").split("-")[0]
    return code if code in ("es", "pt", "en") else None


# ------------------------------------------------------------------- scanning


def _scan_field(auto: Any, idx: int, text: str, hits: dict[int, list[Occ]]) -> None:
    """One pass over the folded field; exact forms are checked on the raw text."""
    folded = fold(text)
    n = len(folded)
    for end, (length, check_left, check_right, atoms, loose) in auto.iter(folded):
        start, stop = end - length + 1, end + 1
        bounded = (not check_left or start == 0 or not folded[start - 1].isalnum()) and (
            not check_right or stop == n or not folded[stop].isalnum()
        )
        if not (bounded or loose):  # inside a longer word, and every atom wants a whole word
            continue
        for sink, word, term, exact in atoms:
            if (bounded or not word) and (exact is None or text[start:stop] in exact):
                hits[sink].append((idx, start, stop, term))


def scan(rules: CompiledRules, item: TagInput) -> Item:
    auto = rules.automata.get(normalise_language(item.language))
    texts = (item.title or "", item.lead or "", item.body or "")
    hits: dict[int, list[Occ]] = defaultdict(list)
    if auto is not None:
        for idx, text in enumerate(texts):
            if text:
                _scan_field(auto, idx, text, hits)
    return Item(texts=texts, hits=dict(hits))


# ----------------------------------------------------------------- conditions


def _near(item: Item, a: Occ, b: Occ, within: int) -> bool:
    if a[0] != b[0]:
        return False
    if within == 0:
        return a[1] < b[2] and b[1] < a[2]
    return abs(item.word_index(a[0], a[1]) - item.word_index(b[0], b[1])) <= within


def _ref_terms(item: Item, ref: Ref, occ: Occ | None, within: int | None) -> set[str]:
    """Distinct terms of one reference that matched (near ``occ`` when local)."""
    if ref.tag is not None:
        return {ref.label} if any(name == ref.tag for _, name in item.fired) else set()
    if ref.kind is not None:
        return {ref.label} if any(kind == ref.kind for kind, _ in item.fired) else set()
    found = item.hits.get(ref.sink, ()) if ref.sink is not None else ()
    if within is None or occ is None:
        return {h[3] for h in found}
    return {h[3] for h in found if _near(item, h, occ, within)}


def _ref_found(item: Item, ref: Ref, occ: Occ | None, within: int | None) -> bool:
    """Whether :func:`_ref_terms` would find anything (without building the set)."""
    if ref.tag is not None:
        return any(name == ref.tag for _, name in item.fired)
    if ref.kind is not None:
        return any(kind == ref.kind for kind, _ in item.fired)
    found = item.hits.get(ref.sink, ()) if ref.sink is not None else ()
    if within is None or occ is None:
        return bool(found)
    return any(_near(item, h, occ, within) for h in found)


def cond_holds(item: Item, cond: CompiledCond, occ: Occ | None = None) -> bool:
    if not cond.is_local and id(cond) in item.cond_cache:
        return item.cond_cache[id(cond)]
    w = cond.within if occ is not None else None
    if not cond.any or cond.min <= 0:
        ok = True
    elif cond.min == 1:
        ok = any(_ref_found(item, r, occ, w) for r in cond.any)
    else:  # distinct terms across the references
        ok = len(set().union(*(_ref_terms(item, r, occ, w) for r in cond.any))) >= cond.min
    ok = ok and all(_ref_found(item, r, occ, w) for r in cond.all)
    ok = ok and not any(_ref_found(item, r, occ, w) for r in cond.none)
    if not cond.is_local:
        item.cond_cache[id(cond)] = ok
    return ok


def _reason(item: Item, sink: TermSink, occ: Occ) -> str | None:
    for cond in sink.not_:
        if cond_holds(item, cond, occ):
            return f"excluded by not {cond.text}"
    for cond in sink.ctx:
        if not cond_holds(item, cond, occ):
            return f"context missing: ctx {cond.text}"
    return None


# -------------------------------------------------------------------- scoring


def _drop_contained(valid: list[Candidate], dropped: list[Candidate] | None) -> list[Candidate]:
    """Within one tag, a match inside a longer (or equal, heavier) one does not count again.

    ``dropped`` collects what did not count, with its reason (``None``: not kept)."""
    kept: list[Candidate] = []
    reach: dict[int, tuple[int, str]] = {}
    for c in sorted(valid, key=lambda c: (c.occ[0], c.occ[1], -c.occ[2], -c.sink.weight)):
        field_idx, _, end, term = c.occ
        prev = reach.get(field_idx)
        if prev is not None and end <= prev[0]:
            if dropped is not None:
                dropped.append(Candidate(c.occ, c.sink, c.contribution, f"inside {prev[1]!r}"))
        else:
            reach[field_idx] = (end, term)
            kept.append(c)
    return kept


def _apply_cap(
    valid: list[Candidate], max_hits: int, dropped: list[Candidate] | None
) -> list[Candidate]:
    """Repeated mentions of one rule line stop adding after ``max_hits`` (the best ones count)."""
    by_line: dict[str, list[Candidate]] = defaultdict(list)
    for c in valid:
        by_line[c.sink.spec_key].append(c)
    counted: list[Candidate] = []
    for line in by_line.values():
        if len(line) > max_hits:
            line.sort(key=lambda c: (-c.contribution, c.occ[0], c.occ[1]))
            if dropped is not None:
                dropped += [
                    Candidate(c.occ, c.sink, c.contribution, "over the per-term cap")
                    for c in line[max_hits:]
                ]
        counted += line[:max_hits]
    return counted


def _candidates(
    rules: CompiledRules, item: Item, sinks: list[int], dropped: list[Candidate] | None
) -> list[Candidate]:
    """The valid matches of ``sinks``; the others go to ``dropped`` (unless ``None``)."""
    boosts = rules.boosts
    valid: list[Candidate] = []
    for sink_id in sinks:
        sink = rules.sinks[sink_id]
        assert isinstance(sink, TermSink)
        weight = sink.weight
        if not (sink.ctx or sink.not_):
            valid += [Candidate(occ, sink, weight * boosts[occ[0]]) for occ in item.hits[sink_id]]
            continue
        for occ in item.hits[sink_id]:
            reason = _reason(item, sink, occ)
            if reason is None:
                valid.append(Candidate(occ, sink, weight * boosts[occ[0]]))
            elif dropped is not None:
                dropped.append(Candidate(occ, sink, weight * boosts[occ[0]], reason))
    return valid


def _judge(
    rules: CompiledRules, item: Item, tag: CompiledTag, sinks: list[int], *, full: bool = True
) -> TagTrace:
    """Score one tag; ``full=False`` keeps no record of the matches that did not count."""
    dropped: list[Candidate] | None = [] if full else None
    valid = _candidates(rules, item, sinks, dropped)
    counted = valid
    if len(valid) > 1:  # the common single match needs neither step
        valid = _drop_contained(valid, dropped)
        counted = (
            _apply_cap(valid, rules.max_hits, dropped) if len(valid) > rules.max_hits else valid
        )
        counted.sort(key=lambda c: (c.occ[0], c.occ[1], c.occ[2], c.occ[3]))
    score = round(sum(c.contribution for c in counted), 2)
    trace = TagTrace(tag, counted, dropped if dropped is not None else [], score)
    trace.blocked = _blocked(item, tag, trace)
    trace.fired = trace.score >= tag.threshold and trace.blocked is None
    return trace


def _blocked(item: Item, tag: CompiledTag, trace: TagTrace) -> str | None:
    if trace.score < tag.threshold:
        return None
    if len(trace.counted) < tag.min_mentions:
        return f"fewer than {tag.min_mentions} mentions"
    for cond in tag.all:
        if not cond_holds(item, cond):
            return f"requirement not met: all {cond.text}"
    for cond in tag.none:
        if cond_holds(item, cond):
            return f"blocked by none {cond.text}"
    return None


def _sinks_by_tag(rules: CompiledRules, item: Item) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    sink_tags = rules.sink_tags
    for sink_id in item.hits:
        for name in sink_tags[sink_id]:
            out[name].append(sink_id)
    return out


def _section(rules: CompiledRules, traces: tuple[TagTrace, ...]) -> str | None:
    fired = {t.tag.name: t.score for t in traces if t.fired}
    for section, name, min_score in rules.section_overrides:
        if fired.get(name, 0.0) >= min_score:
            return section
    best: tuple[float, int, str] | None = None
    for order, t in enumerate(traces):
        if t.fired and t.tag.kind == "actor" and t.tag.name in rules.actor_sections:
            section, weight = rules.actor_sections[t.tag.name]
            key = (t.score * weight, -order, section)
            best = key if best is None or key > best else best
    return best[2] if best else None


def _cannot_fire(rules: CompiledRules, item: Item, tag: CompiledTag, sinks: list[int]) -> bool:
    """True when even counting every match unfiltered stays below the threshold."""
    boosts, cap, hits, total = rules.boosts, rules.max_hits, item.hits, 0.0
    for sink_id in sinks:
        occs = hits[sink_id]
        weight = rules.sinks[sink_id].weight  # type: ignore[union-attr]
        total += weight * max(boosts[o[0]] for o in occs) * min(len(occs), cap)
    return total < tag.threshold


def _main_subjects(rules: CompiledRules, item: Item, traces: list[TagTrace], kind: str) -> None:
    """Keep the tags of ``kind`` that are main subjects: a share of the strongest, at most N."""
    share, most = rules.main_subjects.get(kind, (0.0, 0))
    fired = sorted(
        (t for t in traces if t.fired and t.tag.kind == kind),
        key=lambda t: (-t.score, t.tag.name),
    )
    if not fired or (share <= 0 and (most <= 0 or len(fired) <= most)):
        return
    best = fired[0]
    for rank, t in enumerate(fired):
        floor = round(share * best.score, 2)
        if t is best:
            t.kept = f"strongest {kind}"
        elif t.score < floor:
            t.blocked = (
                f"not a main subject: {t.score:g} < {share:g} x {best.score:g} ({best.tag.name})"
            )
        elif most and rank >= most:
            t.blocked = f"not a main subject: beyond the {most} strongest {kind}s"
        else:
            t.kept = f"main subject: {t.score:g} >= {share:g} x {best.score:g} ({best.tag.name})"
        if t.blocked:
            t.fired = False
            item.fired.discard((kind, t.tag.name))


def assess(item: TagInput, rules: CompiledRules, *, full: bool = True) -> Evaluation:
    """Tag ``item`` keeping the trace (what counted, what was dropped, why).

    ``full=False`` (what :func:`pipeline.tagging.tag` uses) skips judging tags
    that cannot reach their threshold (country tags are always judged because
    the relevance expression may add up their scores) and keeps no record of
    the matches that did not count.
    """
    scanned = scan(rules, item)
    by_tag = _sinks_by_tag(rules, scanned)
    traces = []
    for tag in rules.tags:
        sinks = by_tag.get(tag.name)
        if not sinks:  # nothing matched: score 0, below every threshold
            continue
        if not full and tag.kind != "country" and _cannot_fire(rules, scanned, tag, sinks):
            continue
        trace = _judge(rules, scanned, tag, sinks, full=full)
        if trace.fired:
            scanned.fired.add((tag.kind, tag.name))
        traces.append(trace)
    for kind in ("actor", "topic"):
        _main_subjects(rules, scanned, traces, kind)
    frozen = tuple(traces)
    scores = {(t.tag.kind, t.tag.name): t.score for t in frozen}
    relevant = bool(rules.relevance(Outcome(scanned.fired, scores)))
    section = _section(rules, frozen) if relevant else None
    actor_scores = [t.score for t in frozen if t.fired and t.tag.kind == "actor"]
    return Evaluation(scanned, frozen, relevant, section, max(actor_scores, default=0.0))
