"""Period bundles: the monitor's lists for one period, with the editorial
policy enforced and explained (the cron job).

``build_bundle(store, config, "2021-08", Path("bundles"), now=...)`` writes
``bundles/2021-08/``: one CSV per section, ``digest.md`` and ``digest.html``,
``audit.csv``, ``coverage.csv`` and ``manifest.json`` (docs/bundle.md).

Modules: ``policy`` (pure selection), ``digest`` (Markdown and HTML),
``tables`` (the CSV files), ``writer`` (atomic directory, lock, safe names),
``build`` (the edge that ties them together). This module stays light:
``build`` is imported when a bundle is built, so the pure modules can be
imported without the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.curate.bundle.build import BundleConfig


@dataclass(frozen=True)
class BundleResult:
    path: Path  # DIR/PERIOD
    manifest: dict[str, Any] = field(default_factory=dict)
    exit_code: int = 0  # 0, or 3 when analyst inclusions alone break the state-media cap
    zip_path: Path | None = None


def build_bundle(
    store: Any,
    config: BundleConfig,
    period: str,
    out_dir: Path,
    *,
    now: datetime,
    zip: bool = False,
    wait: float | None = None,
) -> BundleResult:
    """Write ``out_dir/period/`` (and ``out_dir/period.zip`` with ``zip``).

    Raises :class:`~pipeline.errors.LockHeld` when another run holds the
    period's lock (after ``wait`` seconds if given), and
    :class:`~pipeline.errors.ConfigError` for a bad period name.
    """
    from pipeline.curate.bundle.build import build

    path, zipped, rendered = build(store, config, period, out_dir, now=now, zip=zip, wait=wait)
    return BundleResult(path, rendered.manifest, rendered.exit_code, zipped)


__all__ = ["BundleResult", "build_bundle"]
