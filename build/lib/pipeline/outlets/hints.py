"""Advice for hosts the registry does not know, and change reports for ``reflag``."""

from __future__ import annotations

from pipeline.outlets.hosts import normalise_host
from pipeline.types import OutletMatch

# Longest suffix first wins; each hint ends with what the analyst should do.
_HINTS: tuple[tuple[str, str], ...] = (
    ("gob.ve", "Venezuelan government host (.gob.ve; VTV, RNV and Correo del Orinoco use it "
     "too): probably state media or an official source: review"),
    ("gob.ni", "Nicaraguan government host (.gob.ni): official source: review"),
    ("gob.bo", "Bolivian government host (.gob.bo): official source: review"),
    ("gov.cn", "PRC government host (.gov.cn): official source, not media: review"),
    ("gov.ru", "Russian government host (.gov.ru): official source, not media: review"),
    ("gov.ir", "Iranian government host (.gov.ir): official source, not media: review"),
    ("cu", "probably state media (Cuban law bars private media): review"),
    ("ir", "Iranian host: most Iranian news outlets are state-owned or state-affiliated: review"),
)  # fmt: skip

# The fields a re-flag reports on, in print order.
_FLAG_FIELDS = ("outlet", "state_media", "controlling_state", "cap_policy")


def unknown_domain_hint(host: str) -> str | None:
    """A hint for a host absent from the registry, or None when there is nothing to say."""
    normal = normalise_host(host)
    if normal is None:
        return None
    for suffix, hint in _HINTS:
        if normal == suffix or normal.endswith("." + suffix):
            return hint
    return None


def _show(value: object) -> str:
    if value is None:
        return "(none)"
    return str(value).lower() if isinstance(value, bool) else str(value)


def diff_flags(old: OutletMatch | None, new: OutletMatch | None) -> str | None:
    """What a re-flag changes for one article, e.g.
    ``state_media: false -> true; controlling_state: none -> russia``; None if nothing."""
    changes = []
    for name in _FLAG_FIELDS:
        before = getattr(old, name) if old else None
        after = getattr(new, name) if new else None
        if before != after:
            changes.append(f"{name}: {_show(before)} -> {_show(after)}")
    return "; ".join(changes) or None
