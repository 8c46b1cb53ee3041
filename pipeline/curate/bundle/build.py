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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pipeline.config.rules_schema import RulesFile, Section, monitor_sections
from pipeline.config.settings import PolicySettings, Settings
from pipeline.curate.bundle import charts, compose, digest, page, pdf, tables, word, writer
from pipeline.curate.bundle.policy import (
    ANTI_US_FLAG,
    REASONS,
    Candidate,
    CapRules,
    Selection,
    select,
)
from pipeline.curate.export import output_error
from pipeline.curate.views import OutletCache, effective_section, status_of
from pipeline.errors import ConfigError, OutputError, VricError
from pipeline.periods import parse_period
from pipeline.store import ArticleView
from pipeline.store.curation import FeedCoverage, OutletCoverage
from pipeline.types import Period

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_CAP_BROKEN = 0, 3
MANIFEST = "manifest.json"
FORMATS = ("html", "md", "pdf", "docx", "csv")  # --formats; the default is all of them


def parse_formats(text: str | None) -> frozenset[str] | None:
    """``"html,pdf"`` → the set; None (all that can be made) for None or "";
    ConfigError for an unknown name."""
    if not text:
        return None
    names = {n.strip().lower() for n in text.split(",") if n.strip()}
    unknown = sorted(names - set(FORMATS))
    if unknown or not names:
        raise ConfigError([f"bundle: --formats: unknown format {', '.join(unknown) or text!r} "
                           f"(choose from {','.join(FORMATS)})"])  # fmt: skip
    return frozenset(names)


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
    unavailable: Mapping[str, str] = field(default_factory=dict)  # format → "code: reason"


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
        cap_policy=a.cap_policy, syndicated_from=a.syndicated_from, story_id=a.story_id,
    )  # fmt: skip


def cap_rules(p: PolicySettings) -> CapRules:
    return CapRules(p.state_media_cap, p.syndicated_counts_as_state, p.count_review_outlets)


def _as_of(src: Sources) -> datetime | None:
    """The data's date: the latest article or decision of the period (never the clock)."""
    stamps = [v.published_at for v in src.views]
    stamps += [d["decided_at"] for d in src.decisions if d.get("decided_at")]
    aware = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in stamps]
    return max(aware, default=None)


def digest_model(src: Sources, sel: Selection, views: Mapping[int, ArticleView],
                 outlets: OutletCache, settings: Settings, section_map: SectionMap,
                 versions: Mapping[str, Any]) -> compose.DigestModel:  # fmt: skip
    """The digest every format renders (:mod:`compose`)."""
    rules = cap_rules(settings.policy)

    def item(c: Candidate) -> compose.ItemInput:
        v = views[c.id]
        country = outlets(v.outlet)[1]
        wire = display_outlet(outlets, v.syndicated_from, None) if v.syndicated_from else None
        return compose.ItemInput(
            id=v.id, section=c.section, title=v.title, url=v.url,
            outlet=display_outlet(outlets, v.outlet, v.domain), country=country,
            language=v.language, published_at=v.published_at, summary=v.summary,
            counts_as_state=c.id in sel.state_ids, state_media=v.state_media,
            controlling_state=v.controlling_state, syndicated_from=wire,
            also=also_published(v, _also_ids(sel, c.id), views, outlets),
            is_opinion=c.is_opinion, anti_us=ANTI_US_FLAG in c.flags, lead=v.lead,
            domain=v.domain,
        )  # fmt: skip

    period = compose.Period(src.period.name, src.period.label, src.period.start, src.period.end)
    pol = settings.policy
    return compose.compose(
        period, [(s.name, s.label) for s in section_map.sections],
        {s: [item(c) for c in cs] for s, cs in sel.by_section().items()},
        cap=rules.cap, tz=pol.timezone, as_of=_as_of(src), order=pol.digest_order,
        versions=versions, cap_broken=sel.cap_broken_by_analysts,
        feeds=compose.feed_health([(f.state, f.enabled) for f in src.feeds]),
    )  # fmt: skip


def _also_ids(sel: Selection, item_id: int) -> tuple[int, ...]:
    """The item's collapsed copies, its story's other reports, and their copies."""
    ids = list(sel.collapsed.get(item_id, ()))
    for other in sel.stories.get(item_id, ()):
        ids += [other, *sel.collapsed.get(other, ())]
    return tuple(ids)


def display_outlet(outlets: OutletCache, outlet_id: str | None, domain: str | None) -> str:
    """The outlet's name from the registry; else its host; never a raw registry id
    ("ru_sputnik_mundo" becomes "Ru Sputnik Mundo" only when nothing better exists)."""
    name = outlets(outlet_id)[0] if outlet_id else None
    if name:
        return str(name)
    if domain:
        return domain.removeprefix("www.")
    return (outlet_id or "").replace("_", " ").title()


def also_published(v: ArticleView, members: Sequence[int], views: Mapping[int, ArticleView],
                   outlets: OutletCache) -> tuple[compose.Also, ...]:  # fmt: skip
    """The other outlets of the item's collapsed copies, by name, each with the
    first of its reports (by id) as the link; the item's own outlet left out."""
    own = display_outlet(outlets, v.outlet, v.domain)
    found: dict[str, str] = {}
    for m in sorted(members):
        if m in views and m != v.id:
            other = views[m]
            found.setdefault(display_outlet(outlets, other.outlet, other.domain), other.url)
    return tuple(compose.Also(n, u) for n, u in sorted(found.items()) if n != own)


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


def _compose(
    src: Sources,
    settings: Settings,
    registry: Any,
    sections: SectionMap,
    versions: Mapping[str, Any],
) -> tuple[Any, dict[int, Any], OutletCache, Any]:
    """The policy's selection and the digest model: what every output is made from."""
    views = {v.id: v for v in src.views}
    one_per_story = settings.stories.enabled and settings.stories.one_per_story
    sel = select((candidate(v, sections) for v in src.views), cap_rules(settings.policy),
                 sections.names, one_per_story=one_per_story)  # fmt: skip
    outlets = OutletCache(registry)
    return sel, views, outlets, digest_model(src, sel, views, outlets, settings, sections, versions)


def render_bundle(
    src: Sources,
    settings: Settings,
    registry: Any,
    sections: SectionMap,
    versions: Mapping[str, Any],
    now: datetime,
    formats: Collection[str] | None = None,
) -> Rendered:
    """Every file of the bundle from its sources (pure but for ``now``).

    ``formats`` (of :data:`FORMATS`) limits the files; None means all that can
    be made: without WeasyPrint's libraries the PDF is left out and named in
    ``unavailable``, while an explicit ``pdf`` raises OutputError(pdf_unavailable).
    """
    sel, views, outlets, d = _compose(src, settings, registry, sections, versions)
    wanted = set(formats) if formats is not None else set(FORMATS)
    files: dict[str, bytes] = {}
    if "csv" in wanted:
        files.update({f"{s}.csv": tables.section_csv(s, sel, views, outlets)
                      for s in sections.names})  # fmt: skip
    if "md" in wanted:
        files["digest.md"] = digest.render_markdown(d).encode("utf-8")
    html_text = page.render_page(d)
    if "html" in wanted:
        files["digest.html"] = html_text.encode("utf-8")
        files.update({n: svg.encode("utf-8") for n, svg in charts.all_charts(d).items()})
    unavailable: dict[str, str] = {}
    if "pdf" in wanted:
        reason = pdf.available()
        if reason and formats is not None:  # asked for explicitly: the bundle fails
            raise OutputError("pdf_unavailable", f"bundle: cannot make digest.pdf: {reason}")
        if reason:
            unavailable["pdf"] = f"pdf_unavailable: {reason}"
        else:
            files["digest.pdf"] = pdf.render_pdf(html_text)
    if "docx" in wanted:
        files["digest.docx"] = word.render_docx(d)
    if "csv" in wanted:
        files["audit.csv"] = tables.audit_csv(src.decisions, sel, views)
        kept = [views[c.id] for c in sel.kept]
        files["coverage.csv"] = tables.coverage_csv(
            src.feeds, src.outlets, kept, registry, src.gap_hours
        )
        files.update({n: svg.encode("utf-8") for n, svg in charts.coverage_charts(d).items()})
    manifest = _manifest(src, sel, settings, versions, files, now)
    manifest["formats"] = [f for f in FORMATS if f in wanted and f not in unavailable]
    manifest["unavailable"] = unavailable
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    files[MANIFEST] = text.encode("utf-8")
    return Rendered(files, manifest, manifest["exit_code"], unavailable)


def preview_html(store: Any, config: BundleConfig, period: str, *, now: datetime) -> str:
    """digest.html as ``vric bundle`` would write it at ``now``, without writing
    anything (the workbench's bundle preview). ``now`` is accepted for parity
    with :func:`build`: the page itself depends only on the database."""
    del now  # the digest is deterministic: only generated_at (in the manifest) uses the clock
    settings = config.settings
    src = read_sources(store, resolve_period(period, settings))
    sections = SectionMap.from_rules(config.rules)
    *_, d = _compose(src, settings, config.registry, sections, versions_of(config))
    return page.render_page(d)


def versions_of(config: BundleConfig) -> dict[str, Any]:
    """rules_version and registry_version, None when the configuration lacks them."""
    from pipeline.tagging.compile import rules_version

    registry = config.registry
    try:
        # The version is a hash of the rules file: no need to compile the automata.
        rules = getattr(config, "rules", None)
        version = rules_version(rules) if rules is not None else None
    except (VricError, AttributeError):  # a stand-in config without rules: still reported
        version = None
    return {
        "rules_version": version,
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
    formats: Collection[str] | None = None,
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
                                     now, formats)  # fmt: skip
            path = writer.write_dir_atomic(out_dir, per.name, rendered.files)
            zipped = writer.write_zip_atomic(out_dir, per.name, rendered.files) if zip else None
    except OSError as exc:  # the previous bundle is untouched (writer.write_dir_atomic)
        raise output_error(exc, f"bundle: cannot write {out_dir / per.name}") from exc
    logger.info("bundle written", extra={"period": per.name, "path": str(path),
                                         "exit_code": rendered.exit_code})  # fmt: skip
    return path, zipped, rendered
