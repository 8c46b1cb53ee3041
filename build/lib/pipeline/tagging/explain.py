"""Human-readable explanations: what counted, what was dropped and why."""

from __future__ import annotations

from pipeline.tagging.engine import FIELDS, Evaluation, TagTrace


def _trace_lines(trace: TagTrace) -> list[str]:
    state = "fired" if trace.fired else "below threshold" if not trace.blocked else "blocked"
    head = f"{trace.tag.kind} {trace.tag.name}: {trace.score:g} / {trace.tag.threshold:g} ({state})"
    lines = [
        head + (f": {trace.blocked}" if trace.blocked else f": {trace.kept}" if trace.kept else "")
    ]
    for c in trace.candidates:
        field_idx, start, end, term = c.occ
        where = f"{FIELDS[field_idx]}[{start}:{end}]"
        if c.reason is None:
            lines.append(f"  + {term} {where} +{c.contribution:g}")
        else:
            lines.append(f"  - {term} {where} {c.reason}")
    return lines


def explain_lines(ev: Evaluation, *, all_tags: bool = False) -> list[str]:
    """One block per tag that matched anything (or only fired tags and near misses)."""
    lines = []
    for trace in ev.traces:
        if all_tags or trace.fired or trace.score >= trace.tag.threshold / 2:
            lines += _trace_lines(trace)
    lines.append(f"relevant: {str(ev.relevant).lower()}; section: {ev.section or 'none'}")
    return lines
