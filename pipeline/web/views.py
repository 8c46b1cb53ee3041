"""What each page shows, as plain values for the templates (no HTML here:
the templates escape everything they print)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from pipeline.store.queue import QueueQuery
from pipeline.web.app import Workbench

FILTERS = ("q", "section", "status", "actor", "topic", "country", "outlet", "language",
           "state_media", "opinion", "score_min", "score_max", "sort")  # fmt: skip


def _params(query: QueueQuery, **overrides: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in (*FILTERS, "page"):
        value = overrides[name] if name in overrides else getattr(query, name)
        if value is None or value == "" or (name == "sort" and value == "score"):
            continue
        if name == "page" and value == 1:
            continue
        out[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def link(period: str, query: QueueQuery, **overrides: Any) -> str:
    params = _params(query, **overrides)
    return f"/periods/{period}/review" + (f"?{urlencode(params)}" if params else "")


def section_tabs(wb: Workbench, period: str, query: QueueQuery) -> list[dict[str, Any]]:
    counts = wb.store.section_counts(period)
    tabs = [{"name": None, "label": "All", "href": link(period, query, section=None, page=1),
             "active": query.section is None,
             "counts": _sum_counts(counts.values())}]  # fmt: skip
    for s in wb.sections.sections:
        tabs.append({"name": s.name, "label": s.label,
                     "href": link(period, query, section=s.name, page=1),
                     "active": query.section == s.name,
                     "counts": counts.get(s.name, {})})  # fmt: skip
    return tabs


def _sum_counts(parts: Any) -> dict[str, int]:
    total: dict[str, int] = {}
    for part in parts:
        for status, n in part.items():
            total[status] = total.get(status, 0) + n
    return total


def review_context(wb: Workbench, period: str, query: QueueQuery) -> dict[str, Any]:
    page = wb.store.queue(query, outlet_info=wb.outlets)
    meter = wb.meters.get(period)
    pages = max(1, -(-page.total // query.per_page))
    return {
        "period": period, "label": wb.period_label(period), "query": query,
        "items": page.items, "total": page.total, "pages": pages,
        "prev_href": link(period, query, page=query.page - 1) if query.page > 1 else None,
        "next_href": link(period, query, page=query.page + 1) if query.page < pages else None,
        "sort_href": {s: link(period, query, sort=s, page=1) for s in ("score", "date")},
        "tabs": section_tabs(wb, period, query), "meter": meter,
        "sections": wb.sections.sections, "here": link(period, query),
    }  # fmt: skip


def period_context(wb: Workbench, period: str) -> dict[str, Any]:
    meter = wb.meters.get(period)
    titles = {}
    interesting = {*meter.would_drop[:50]}
    if interesting:
        titles = {v.id: v.title for v in wb.store.articles_by_ids(sorted(interesting))}
    labels = {s.name: s.label for s in wb.sections.sections}
    counts = wb.store.section_counts(period)
    return {
        "period": period, "label": wb.period_label(period), "meter": meter,
        "drop_titles": titles, "section_labels": labels, "counts": counts,
        "sections": wb.sections.sections,
    }  # fmt: skip


# ------------------------------------------------------------ the article


@dataclass(frozen=True)
class Segment:
    text: str
    tag: str | None = None  # "kind name" of the fired tag whose term this is


def highlight(text: str, spans: list[tuple[int, int, str]]) -> list[Segment]:
    """``text`` cut into plain and highlighted parts; overlapping spans: the first wins."""
    out: list[Segment] = []
    pos = 0
    for start, end, tag in sorted(spans):
        if start < pos or end <= start or end > len(text):
            continue
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], tag))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def explanation(wb: Workbench, title: str, lead: str, body: str,
                language: str | None) -> tuple[list[list[Segment]], list[str]]:  # fmt: skip
    """The fields with fired terms marked and the lines `vric tag --explain` prints."""
    from pipeline.tagging import assess
    from pipeline.tagging.explain import explain_lines
    from pipeline.types import TagInput

    ev = assess(TagInput(title=title, lead=lead, body=body, language=language),
                wb.compiled_rules)  # fmt: skip
    spans: list[list[tuple[int, int, str]]] = [[], [], []]
    for trace in ev.traces:
        if not trace.fired:
            continue
        for c in trace.counted:
            field_idx, start, end, _term = c.occ
            spans[field_idx].append((start, end, f"{trace.tag.kind} {trace.tag.name}"))
    texts = ev.item.texts
    return [highlight(texts[i], spans[i]) for i in range(3)], explain_lines(ev)


def _article_text(wb: Workbench, article_id: int, period: str) -> Any:
    getter = getattr(wb.store, "article_text", None)
    if getter is not None:
        return getter(article_id)
    for t in wb.store.iter_texts(period):  # until the store reads one article's text
        if t.id == article_id:
            return t
    return None


def _registry(wb: Workbench, outlet: str | None) -> dict[str, Any] | None:
    if not outlet:
        return None
    match = wb.config.registry.get(outlet)
    if match is None:
        return None
    evidence: list[dict[str, str]] = []
    outlets_file = getattr(wb.config, "outlets", None)
    if outlets_file is not None:
        for o in outlets_file.outlets:
            if o.id == outlet:
                evidence = [{"source": outlets_file.sources.get(e.source, e.source),
                             "note": e.note} for e in o.evidence]  # fmt: skip
    return {"name": match.name, "country": match.country, "state_media": match.state_media,
            "controlling_state": match.controlling_state, "ownership": match.ownership,
            "cap_policy": match.cap_policy, "evidence": evidence}  # fmt: skip


def item_context(wb: Workbench, article_id: int) -> dict[str, Any] | None:
    found = wb.store.articles_by_ids([article_id])
    if not found:
        return None
    v = found[0]
    stored = _article_text(wb, article_id, v.period)
    title = stored.title if stored else v.title
    lead = (stored.summary if stored else v.summary) or ""
    body = (stored.text if stored else "") or ""
    fields, lines = explanation(wb, title, lead, body, v.language)
    members = []
    if v.cluster_id is not None:
        members = [m for m in wb.store.cluster_members(v.period)
                   if m.cluster_id == v.cluster_id and m.id != v.id]  # fmt: skip
    history = wb.store.decision_history(article_id)
    meter = wb.meters.get(v.period)
    reason = next((r for r, ids in meter.removed.items() if article_id in ids), None)
    section = wb.sections.section_of(v)  # the bundle's own rule
    labels = {s.name: s.label for s in wb.sections.sections}
    return {
        "item": v, "fields": fields, "explain": lines, "registry": _registry(wb, v.outlet),
        "syndication_evidence": getattr(stored, "syndication_evidence", None),
        "members": members, "history": history, "sections": wb.sections.sections,
        "status": v.decision.status if v.decision else "candidate",
        "section": section, "section_label": labels.get(section, section),
        "note": v.decision.note if v.decision else "", "period": v.period,
        "in_bundle": article_id in meter.kept_ids, "removed_reason": reason,
        "period_label": wb.period_label(v.period),
    }  # fmt: skip


def with_page(query: QueueQuery, page: int) -> QueueQuery:
    return replace(query, page=page)
