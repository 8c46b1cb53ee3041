"""The CSV files of a bundle: one per section, the audit trail, the coverage.

Pure: views, the policy's selection and store rows in, bytes out. Every cell
that came from outside is neutralised for Excel (pipeline.curate.csvsafe).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pipeline.curate.bundle.policy import Removal, Selection
from pipeline.curate.csvsafe import cell, csv_bytes
from pipeline.curate.export import COLUMNS, row_cells
from pipeline.curate.views import OutletCache, registry_entry
from pipeline.logs import SECRET_PARAMS
from pipeline.store import ArticleView
from pipeline.store.curation import FeedCoverage, OutletCoverage

AUDIT_COLUMNS = (
    "kind", "article_id", "decided_at", "by", "status", "section", "reason", "detail",
    "note", "source", "title", "url", "version", "overrode",
)  # fmt: skip
COVERAGE_COLUMNS = (
    "kind", "feed", "outlet", "outlet_name", "outlet_actor", "feed_url", "feed_state",
    "enabled", "error_code", "last_error", "last_success", "consecutive_failures",
    "articles", "candidates", "in_bundle", "gap_hours",
)  # fmt: skip
_SECRET_PARAM = re.compile(rf"(?i)^(?:{'|'.join(SECRET_PARAMS)})$")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def also_outlets(view: ArticleView, members: Sequence[int],
                 views: Mapping[int, ArticleView]) -> list[str]:  # fmt: skip
    own = view.outlet or view.domain
    names = {views[m].outlet or views[m].domain or "?" for m in members if m in views}
    return sorted(names - {own})


def section_csv(
    section: str, sel: Selection, views: Mapping[int, ArticleView], outlets: OutletCache
) -> bytes:
    rows = [
        row_cells(views[c.id], also_outlets(views[c.id], sel.collapsed.get(c.id, ()), views),
                  outlets, section=section)
        for c in sel.by_section().get(section, [])
    ]  # fmt: skip
    return csv_bytes(COLUMNS, rows)


def _analyst_row(d: Mapping[str, Any]) -> list[str]:
    return [
        "analyst", cell(d["article_id"]), _when(d["decided_at"]), cell(d["analyst"]),
        cell(d["status"], trusted=True), cell(d["section"], trusted=True), "", "",
        cell(d["note"]), cell(d["source"]), cell(d["title"]), cell(d["canonical_url"]),
        cell(d.get("version") or ""), cell(overrode_text(d.get("overrode"))),
    ]  # fmt: skip


def overrode_text(raw: str | None) -> str:
    """What a forced decision replaced (decisions.overrode, JSON), in words:
    ``excluded, section china, note 'x' by bob at 2021-09-02T10:00:00+00:00 (version 3)``."""
    if not raw:
        return ""
    try:
        was = json.loads(raw)
    except ValueError:
        return raw
    parts = [str(was.get("status") or "candidate")]
    if was.get("section"):
        parts.append(f"section {was['section']}")
    if was.get("note"):
        parts.append(f"note {was['note']!r}")
    who = f" by {was['analyst']}" if was.get("analyst") else ""
    when = f" at {was['decided_at']}" if was.get("decided_at") else ""
    return f"{', '.join(parts)}{who}{when} (version {was.get('version', '?')})"


def _policy_row(r: Removal, view: ArticleView | None) -> list[str]:
    return [
        "policy", cell(r.id), "", "policy", "excluded", "", r.reason, cell(r.detail), "", "",
        cell(view.title if view else None), cell(view.url if view else None), "", "",
    ]  # fmt: skip


def audit_csv(
    decisions: Iterable[Mapping[str, Any]], sel: Selection, views: Mapping[int, ArticleView]
) -> bytes:
    """Every analyst decision (oldest first), then every automatic exclusion."""
    rows = [_analyst_row(d) for d in decisions]
    removals = sorted(sel.removed, key=lambda r: (r.reason, r.id))
    rows += [_policy_row(r, views.get(r.id)) for r in removals]
    return csv_bytes(AUDIT_COLUMNS, rows)


def redact_url(url: str) -> str:
    """A feed URL without credentials or secret-looking query values (RELIABILITY 146)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return "(unparseable URL)"
    query = "&".join(
        f"{k}=***" if _SECRET_PARAM.match(k) else (f"{k}={v}" if sep else k)
        for k, sep, v in (p.partition("=") for p in parts.query.split("&") if p)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _outlet_meta(registry: Any, outlet: str | None) -> tuple[str, str]:
    info = registry_entry(registry, outlet)
    if info is None:
        return "", ""
    actor = getattr(info, "actor", None) or getattr(info, "controlling_state", "") or ""
    return getattr(info, "name", "") or "", "" if actor == "none" else actor


def _feed_row(f: FeedCoverage, in_bundle: int, registry: Any, gap_hours: float) -> list[str]:
    name, actor = _outlet_meta(registry, f.outlet)
    return [
        "feed", cell(f.key), cell(f.outlet), cell(name), cell(actor, trusted=True),
        cell(redact_url(f.url)), cell(f.state), cell(f.enabled), cell(f.error_code),
        cell(f.error), _when(f.last_success), cell(f.consecutive_failures), cell(f.articles),
        cell(f.candidates), cell(in_bundle), cell(gap_hours),
    ]  # fmt: skip


def _feed_states(outlet: str | None, feeds: Sequence[FeedCoverage]) -> str:
    states = Counter(f.state if f.enabled else "disabled" for f in feeds if f.outlet == outlet)
    return " ".join(f"{s}:{n}" for s, n in sorted(states.items())) or "no feed"


def _outlet_row(
    o: OutletCoverage, feeds: Sequence[FeedCoverage], in_bundle: int, registry: Any
) -> list[str]:
    name, actor = _outlet_meta(registry, o.outlet)
    return [
        "outlet", "", cell(o.outlet or "(unknown outlet)"), cell(name), cell(actor, trusted=True),
        "", cell(_feed_states(o.outlet, feeds)), "", "", "", "", "", cell(o.articles),
        cell(o.candidates), cell(in_bundle), "",
    ]  # fmt: skip


def coverage_csv(
    feeds: Sequence[FeedCoverage],
    outlets: Sequence[OutletCoverage],
    kept: Sequence[ArticleView],
    registry: Any,
    gap_hours: Mapping[str, float] | None = None,
) -> bytes:
    """Per feed, then per outlet: the period's items, the bundle's, and feed health
    (``gap_hours``: hours of the period the feed was failing or not polled).

    Outlets that have feeds but no item this period are listed too, so a
    silent outlet shows next to the state of its feeds.
    """
    per_feed = Counter(key for v in kept for key in v.feeds)
    per_outlet = Counter(v.outlet for v in kept)
    known = {o.outlet for o in outlets}
    silent = sorted({f.outlet for f in feeds if f.outlet and f.outlet not in known})
    all_outlets = [*outlets, *(OutletCoverage(o, 0, 0) for o in silent)]
    all_outlets.sort(key=lambda o: o.outlet or "")
    gaps = gap_hours or {}
    rows = [_feed_row(f, per_feed[f.key], registry, gaps.get(f.key, 0.0)) for f in feeds]
    rows += [_outlet_row(o, feeds, per_outlet[o.outlet], registry) for o in all_outlets]
    return csv_bytes(COVERAGE_COLUMNS, rows)
