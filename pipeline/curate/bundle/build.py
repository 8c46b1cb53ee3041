"""Building a period bundle: read the store, apply the policy, render, write.

:func:`render_bundle` is pure (values in, file bytes and manifest out) so the
same database always gives the same files; only ``generated_at`` in
``manifest.json`` differs between runs. :func:`build` is the edge: lock,
recover from a killed run, read, render, write atomically.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from pipeline.config.rules_schema import RulesFile, Section, monitor_sections
from pipeline.config.settings import PolicySettings, Settings
from pipeline.curate.bundle import digest, tables, writer
from pipeline.curate.bundle.policy import REASONS, Candidate, CapRules, Selection, select
from pipeline.curate.export import output_error
from pipeline.curate.views import OutletCache, effective_section, status_of
from pipeline.errors import ConfigError, VricError
from pipeline.periods import parse_period
from pipeline.store import ArticleView
from pipeline.store.curation import FeedCoverage, OutletCoverage
from pipeline.types import Period

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_CAP_BROKEN = 0, 3
MANIFEST = "manifest.json"


class BundleConfig(Protocol):
    """What a bundle needs of :class:`pipeline.config.Config`."""

    @property
    def settings(self) -> Settings: ...

    @property
    def registry(self) -> Any: ...

    @property
    def rules(self) -> RulesFile: ...


@dataclass(frozen=True)
class Rendered:
    files: dict[str, bytes]  # name → content, manifest.json last
    manifest: dict[str, Any]
    exit_code: int


@dataclass(frozen=True)
class Sources:
    """Everything a bundle is made from, as read from the store."""

    period: Period
    views: Sequence[ArticleView]
    decisions: Sequence[Mapping[str, Any]]
    feeds: Sequence[FeedCoverage]
    outlets: Sequence[OutletCoverage]
    rules_versions: Sequence[str] = ()  # what the period's articles were tagged with
    gap_hours: Mapping[str, float] = field(default_factory=dict)  # per feed key (backfill.md)


@dataclass(frozen=True)
class SectionMap:
    """The monitor's sections in order and each actor's section (rules.yaml)."""

    sections: tuple[Section, ...]
    by_actor: Mapping[str, str]

    @classmethod
    def from_rules(cls, rules: RulesFile) -> SectionMap:
        by_actor = {name: a.section for name, a in rules.sections.actors.items()}
        return cls(monitor_sections(rules), by_actor)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.sections)

    def section_of(self, a: ArticleView) -> str:
        """The analyst's section, else the tagger's, else the first actor's, else
        the monitor's first section (the overview)."""
        section = effective_section(a)
        if section in self.names:
            return str(section)
        for actor in a.tag_names("actor"):
            if actor in self.by_actor:
                return self.by_actor[actor]
        return self.names[0]


def candidate(a: ArticleView, sections: SectionMap) -> Candidate:
    return Candidate(
        id=a.id, section=sections.section_of(a), status=status_of(a), score=a.score,
        published_at=a.published_at, cluster_id=a.cluster_id, is_opinion=a.is_opinion,
        flags=frozenset(a.tag_names("flag")), state_media=a.state_media,
        cap_policy=a.cap_policy, syndicated_from=a.syndicated_from,
    )  # fmt: skip


def cap_rules(p: PolicySettings) -> CapRules:
    return CapRules(p.state_media_cap, p.syndicated_counts_as_state, p.count_review_outlets)


def _digest(src: Sources, sel: Selection, views: Mapping[int, ArticleView],
            outlets: OutletCache, tz: str, section_map: SectionMap) -> digest.Digest:  # fmt: skip
    zone = ZoneInfo(tz)

    def item(c: Candidate) -> digest.DigestItem:
        v = views[c.id]
        name = outlets(v.outlet)[0] or v.outlet or v.domain or ""
        day = v.published_at.astimezone(zone).date().isoformat()
        return digest.DigestItem(v.title, name, v.language, day, v.url)

    sections = tuple((s, tuple(item(c) for c in items)) for s, items in sel.by_section().items())
    subjects = {s.name: s.label for s in section_map.sections}
    return digest.Digest(
        src.period.label, sections, sel.total, len(sel.state_ids), sel.cap, subjects
    )


def _removed(sel: Selection) -> dict[str, dict[str, Any]]:
    return {
        reason: {"count": len(rs), "ids": sorted(r.id for r in rs)}
        for reason, rs in sel.removed_by_reason().items()
    }


def _files_entry(files: Mapping[str, bytes]) -> dict[str, dict[str, Any]]:
    return {n: {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)} for n, b in files.items()}


def _manifest(src: Sources, sel: Selection, settings: Settings, versions: Mapping[str, Any],
              files: Mapping[str, bytes], now: datetime) -> dict[str, Any]:  # fmt: skip
    broken = sel.cap_broken_by_analysts
    pol = settings.policy
    return {
        "period": src.period.name, "label": src.period.label,
        "generated_at": now.isoformat(timespec="seconds"), **versions,
        "article_rules_versions": list(src.rules_versions),
        "counts": {s: len(items) for s, items in sel.by_section().items()},
        "total": sel.total, "candidates": len(src.views),
        "state_media_items": len(sel.state_ids),
        "state_media_share": round(sel.state_share, 4), "state_media_cap": pol.state_media_cap,
        "cap_broken_by_analysts": broken,
        "policy": {"order": list(REASONS), "timezone": pol.timezone,
                   "syndicated_counts_as_state": pol.syndicated_counts_as_state,
                   "count_review_outlets": pol.count_review_outlets},
        "removed": _removed(sel), "files": _files_entry(files),
        "exit_code": EXIT_CAP_BROKEN if broken else EXIT_OK,
    }  # fmt: skip


def render_bundle(
    src: Sources,
    settings: Settings,
    registry: Any,
    sections: SectionMap,
    versions: Mapping[str, Any],
    now: datetime,
) -> Rendered:
    """Every file of the bundle from its sources (pure but for ``now``)."""
    views = {v.id: v for v in src.views}
    cands = (candidate(v, sections) for v in src.views)
    sel = select(cands, cap_rules(settings.policy), sections.names)
    outlets = OutletCache(registry)
    d = _digest(src, sel, views, outlets, settings.policy.timezone, sections)
    files = {f"{s}.csv": tables.section_csv(s, sel, views, outlets) for s in sections.names}
    files["digest.md"] = digest.render_markdown(d).encode("utf-8")
    files["digest.html"] = digest.render_html(d).encode("utf-8")
    files["audit.csv"] = tables.audit_csv(src.decisions, sel, views)
    kept = [views[c.id] for c in sel.kept]
    files["coverage.csv"] = tables.coverage_csv(
        src.feeds, src.outlets, kept, registry, src.gap_hours
    )
    manifest = _manifest(src, sel, settings, versions, files, now)
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    files[MANIFEST] = text.encode("utf-8")
    return Rendered(files, manifest, manifest["exit_code"])


def versions_of(config: BundleConfig) -> dict[str, Any]:
    """rules_version and registry_version, None when the configuration lacks them."""
    registry = config.registry
    try:
        rules = getattr(config, "compiled_rules", None)
    except VricError:  # a stand-in config without rules: the bundle still reports it
        rules = None
    return {
        "rules_version": getattr(rules, "version", None),
        "registry_version": getattr(registry, "version", None),
    }


def read_sources(store: Any, period: Period) -> Sources:
    feeds, outlets = store.coverage(period.name)
    return Sources(
        period=period, views=list(store.iter_candidates(period.name)),
        decisions=store.decisions_for_period(period.name), feeds=feeds, outlets=outlets,
        rules_versions=store.rules_versions(period.name),
        # closed gaps, and open ones up to the last attempt: the same bytes on a rerun
        gap_hours=store.gap_hours(period.start, period.end) if hasattr(store, "gap_hours") else {},
    )  # fmt: skip


def resolve_period(name: str, settings: Settings) -> Period:
    pol = settings.policy
    try:
        return parse_period(name, start=pol.period_start_month, tz=pol.timezone)
    except ValueError as exc:
        raise ConfigError([f"bundle: --period: {exc}"]) from None


def build(
    store: Any,
    config: BundleConfig,
    period: str,
    out_dir: Path,
    *,
    now: datetime,
    zip: bool = False,
    wait: float | None = None,
) -> tuple[Path, Path | None, Rendered]:
    settings = config.settings
    per = resolve_period(period, settings)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with writer.bundle_lock(out_dir, per.name, wait=wait):
            writer.recover(out_dir, per.name)
            writer.check_replaceable(out_dir, per.name, zip=zip)
            rendered = render_bundle(read_sources(store, per), settings, config.registry,
                                     SectionMap.from_rules(config.rules), versions_of(config),
                                     now)  # fmt: skip
            path = writer.write_dir_atomic(out_dir, per.name, rendered.files)
            zipped = writer.write_zip_atomic(out_dir, per.name, rendered.files) if zip else None
    except OSError as exc:  # the previous bundle is untouched (writer.write_dir_atomic)
        raise output_error(exc, f"bundle: cannot write {out_dir / per.name}") from exc
    logger.info("bundle written", extra={"period": per.name, "path": str(path),
                                         "exit_code": rendered.exit_code})  # fmt: skip
    return path, zipped, rendered
