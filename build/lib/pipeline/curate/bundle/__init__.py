"""Period bundles: the monitor's lists for one period, with the editorial
policy enforced and explained (the cron job).

``build_bundle(store, config, "2021-08", Path("bundles"), now=...)`` writes
``bundles/2021-08/``: one CSV per section, the digest as ``digest.html``,
``digest.pdf``, ``digest.docx`` and ``digest.md``, its charts (``chart-*.svg``),
``audit.csv``, ``coverage.csv`` and ``manifest.json`` (docs/bundle.md).

Modules: ``policy`` (pure selection), ``compose`` (the digest as data),
``page``, ``pdf``, ``word``, ``digest`` (HTML, PDF, DOCX, Markdown and text
safety), ``charts`` (SVG),
``tables`` (the CSV files), ``writer`` (atomic directory, lock, safe names),
``build`` (the edge that ties them together). This module stays light:
``build`` is imported when a bundle is built, so the pure modules can be
imported without the store.
"""

from __future__ import annotations

from collections.abc import Collection
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
    unavailable: dict[str, str] = field(default_factory=dict)  # format → "code: reason"


def build_bundle(
    store: Any,
    config: BundleConfig,
    period: str,
    out_dir: Path,
    *,
    now: datetime,
    zip: bool = False,
    wait: float | None = None,
    formats: Collection[str] | None = None,
) -> BundleResult:
    """Write ``out_dir/period/`` (and ``out_dir/period.zip`` with ``zip``).

    Raises :class:`~pipeline.errors.LockHeld` when another run holds the
    period's lock (after ``wait`` seconds if given), and
    :class:`~pipeline.errors.ConfigError` for a bad period name.
    """
    from pipeline.curate.bundle.build import build

    path, zipped, rendered = build(
        store, config, period, out_dir, now=now, zip=zip, wait=wait, formats=formats
    )
    return BundleResult(path, rendered.manifest, rendered.exit_code, zipped,
                        dict(rendered.unavailable))  # fmt: skip


def preview_html(store: Any, config: BundleConfig, period: str, *, now: datetime) -> str:
    """The period's digest.html as a bundle built at ``now`` would hold it;
    nothing is written (the workbench's preview). ConfigError for a bad period."""
    from pipeline.curate.bundle.build import preview_html as _preview

    return _preview(store, config, period, now=now)


__all__ = ["BundleResult", "build_bundle", "preview_html"]
