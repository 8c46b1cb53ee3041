"""How a stored article reads to curation (pure): its status and section as
an analyst sees them, which member stands for a near-duplicate cluster, and
an outlet's name and country from the registry.

The CSV export (:mod:`~pipeline.curate.export`) and the bundle
(:mod:`~pipeline.curate.bundle`) both read articles this way; they import
this module and never each other's internals, so there is no cycle. It does
not import the store (``ArticleView`` is only a type here), so the pure
bundle policy can use it without SQLAlchemy.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.store import ArticleView


def status_of(a: ArticleView) -> str:
    """The latest analyst decision's status, ``candidate`` when none."""
    return a.decision.status if a.decision else "candidate"


def effective_section(a: ArticleView) -> str | None:
    """The analyst's section when set, else the automatic one."""
    if a.decision and a.decision.section:
        return a.decision.section
    return a.section


def representative_key(
    status: str, state_like: bool, score: float, published_at: datetime, article_id: int
) -> tuple[int, int, float, str, int]:
    """Which member stands for a cluster: analyst-included first, then not state
    media (nor state-wire copy), then score, then the earliest (the original)."""
    return (0 if status == "included" else 1, int(state_like), -score,
            published_at.isoformat(), article_id)  # fmt: skip


def registry_entry(registry: Any, outlet_id: str | None) -> Any:
    """The registry's record for an outlet id, or None.

    Prefers ``registry.outlet_info(id)`` and falls back to ``registry.get(id)``,
    so the export works with either registry API (or none).
    """
    if registry is None or not outlet_id:
        return None
    lookup = getattr(registry, "outlet_info", None) or getattr(registry, "get", None)
    return lookup(outlet_id) if lookup is not None else None


def outlet_info(registry: Any, outlet_id: str | None) -> tuple[str | None, str | None]:
    """``(name, country)`` of an outlet; ``(None, None)`` when unknown."""
    info = registry_entry(registry, outlet_id)
    if info is None:
        return None, None
    return getattr(info, "name", None), getattr(info, "country", None)


class OutletCache:
    """Outlet name/country per id, looked up once (bounded by the registry size)."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry
        self._cache: dict[str, tuple[str | None, str | None]] = {}

    def __call__(self, outlet_id: str | None) -> tuple[str | None, str | None]:
        if not outlet_id:
            return None, None
        if outlet_id not in self._cache:
            self._cache[outlet_id] = outlet_info(self.registry, outlet_id)
        return self._cache[outlet_id]
