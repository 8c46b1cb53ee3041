"""The outlet registry compiled for lookup: URL in, :class:`OutletMatch` out.

Built once from a validated ``OutletsFile``; every lookup is a handful of dict
probes (one per host label, plus the URL prefixes of that exact host).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from pipeline.outlets.hosts import host_suffixes, split_url
from pipeline.types import OutletMatch

if TYPE_CHECKING:  # the schema imports pipeline.outlets.hosts: no runtime import back
    from pipeline.config.outlets_schema import Lookalike, Outlet, OutletsFile


@dataclass(frozen=True)
class _Entry:
    """One outlet (or look-alike) flattened for lookup."""

    id: str
    name: str
    ownership: str
    controlling_state: str
    state_media: bool
    cap_policy: str
    cap_changes: tuple[tuple[date, str], ...] = ()
    valid_from: date | None = None
    valid_until: date | None = None
    ownership_otherwise: str = "unknown"
    actor: str | None = None
    country: str | None = None
    languages: tuple[str, ...] = ()
    commentary_only: bool = False
    aggregator: bool = False

    def in_effect(self, day: date | None) -> bool:
        """``day`` None means "now": only an end date can have passed."""
        if day is None:
            return self.valid_until is None
        after_start = self.valid_from is None or day >= self.valid_from
        return after_start and (self.valid_until is None or day < self.valid_until)

    def cap_at(self, day: date | None) -> str:
        policy = self.cap_policy
        for start, changed in self.cap_changes:
            if day is None or day >= start:
                policy = changed
        return policy


@dataclass(frozen=True)
class _Rule:
    kind: str  # domain | legacy | prefix | lookalike
    key: str  # the domain, or host/path for a prefix
    entry: _Entry
    languages: tuple[str, ...]


def _entry(o: Outlet) -> _Entry:
    eff = o.effective
    return _Entry(
        id=o.id, name=o.name, ownership=o.ownership, controlling_state=o.controlling_state,
        state_media=o.is_state_media, cap_policy=o.base_cap_policy,
        cap_changes=tuple((c.from_, c.cap_policy) for c in o.cap_policy_changes),
        valid_from=eff.from_ if eff else None, valid_until=eff.until if eff else None,
        ownership_otherwise=eff.otherwise if eff else "unknown", actor=o.counts_for,
        country=o.country, languages=tuple(o.languages), commentary_only=o.commentary_only,
        aggregator=o.aggregator,
    )  # fmt: skip


def _lookalike_entry(x: Lookalike) -> _Entry:
    return _Entry(
        id=x.outlet_id, name=x.name or x.host, ownership=x.ownership,
        controlling_state="none", state_media=False, cap_policy="exclude",
    )  # fmt: skip


def _outlet_rules(o: Outlet) -> list[_Rule]:
    e = _entry(o)
    return (
        [_Rule("domain", d, e, e.languages) for d in o.domains]
        + [
            _Rule(
                "legacy" if ed.legacy else "domain", ed.host, e, tuple(ed.languages) or e.languages
            )
            for ed in o.editions
        ]
        + [_Rule("legacy", d, e, e.languages) for d in o.legacy_domains]
        + [_Rule("prefix", p.prefix, e, tuple(p.languages) or e.languages) for p in o.url_prefixes]
    )


def _day(at: datetime | None) -> date | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).date()


def _path_matches(path: str, prefix_path: str) -> bool:
    """Prefix match on whole path segments: ``/es`` matches ``/es/x``, not ``/estilo``."""
    base = prefix_path.rstrip("/")
    return path == base or path.startswith(base + "/")


class Registry:
    """Outlet lookup by URL. Build with :meth:`from_file`; immutable afterwards."""

    def __init__(self, rules: list[_Rule], version: str) -> None:
        self.version = version
        self._domains: dict[str, _Rule] = {}
        self._prefixes: dict[str, list[tuple[str, _Rule]]] = {}
        self._outlets: dict[str, _Entry] = {}
        for rule in rules:
            self._outlets.setdefault(rule.entry.id, rule.entry)
            if rule.kind == "prefix":
                host, _, path = rule.key.partition("/")
                self._prefixes.setdefault(host, []).append(("/" + path, rule))
            else:  # the schema rejects duplicates; first one wins if unchecked
                self._domains.setdefault(rule.key, rule)
        for candidates in self._prefixes.values():
            candidates.sort(key=lambda item: -len(item[0]))

    @classmethod
    def from_file(cls, f: OutletsFile) -> Registry:
        rules = [r for o in f.outlets for r in _outlet_rules(o)]
        rules += [_Rule("lookalike", x.host, _lookalike_entry(x), ()) for x in f.lookalikes]
        digest = hashlib.sha256(f.model_dump_json(by_alias=True).encode()).hexdigest()
        registry = cls(rules, version=f"{f.version}+{digest[:8]}")
        for o in f.outlets:  # outlets without any domain are still known by id
            registry._outlets.setdefault(o.id, _entry(o))
        return registry

    @property
    def outlet_ids(self) -> frozenset[str]:
        """Ids of every outlet and look-alike (feeds may only name outlets)."""
        return frozenset(self._outlets)

    def lookup(
        self, url: str, *, source_url: str | None = None, at: datetime | None = None
    ) -> OutletMatch | None:
        """The outlet publishing ``url`` as of ``at`` (publication time; None = now).

        For aggregator URLs (Google News, MSN, Yahoo) the publisher comes from
        ``source_url`` (the item's ``<source url>``) when it is known.
        """
        rule = self._match(url)
        if rule is None:
            return None
        if rule.entry.aggregator and source_url:
            publisher = self._match(source_url)
            if publisher is not None and not publisher.entry.aggregator:
                return _to_match(publisher, _day(at), via=rule.key)
        return _to_match(rule, _day(at))

    def get(self, outlet_id: str, *, at: datetime | None = None) -> OutletMatch | None:
        """The classification of an outlet by id (``matched`` is ``id:<outlet>``)."""
        entry = self._outlets.get(outlet_id)
        if entry is None:
            return None
        return _to_match(_Rule("id", outlet_id, entry, entry.languages), _day(at))

    def _match(self, url: str) -> _Rule | None:
        parts = split_url(url)
        if parts is None:
            return None
        host, path = parts
        for prefix_path, rule in self._prefixes.get(host, ()):
            if _path_matches(path, prefix_path):
                return rule
        for suffix in host_suffixes(host):
            if suffix in self._domains:
                return self._domains[suffix]
        return None


def _to_match(rule: _Rule, day: date | None, via: str | None = None) -> OutletMatch:
    e = rule.entry
    live = e.in_effect(day)
    state_media = e.state_media and live
    # outside the effective dates the state-media classification does not hold
    cap = e.cap_at(day) if live else "exclude"
    return OutletMatch(
        outlet=e.id, name=e.name, state_media=state_media,
        controlling_state=e.controlling_state if live else "none",
        ownership=e.ownership if live else e.ownership_otherwise,
        cap_policy=cap, matched=f"{rule.kind}:{rule.key}" + (f" via {via}" if via else ""),
        country=e.country, languages=rule.languages, actor=e.actor if live else None,
        commentary_only=e.commentary_only,
    )  # fmt: skip
