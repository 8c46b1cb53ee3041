"""The demo period's bundle, built once per test session from the offline demo
corpus (served on 127.0.0.1, one real cycle into a fresh SQLite database):
what the digest tests read in HTML, PDF and DOCX."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import DEFAULTS_DIR, Config, load_config
from pipeline.demo.cycle import DEMO_PERIOD, run_demo
from pipeline.store import ArticleView, Store


@dataclass(frozen=True)
class DemoBundle:
    path: Path  # .../bundles/2021-08
    manifest: dict[str, Any]
    store: Store
    config: Config

    def read(self, name: str) -> bytes:
        return (self.path / name).read_bytes()

    def views(self) -> dict[int, ArticleView]:
        return {v.id: v for v in self.store.iter_period(DEMO_PERIOD, relevant_only=False)}


@pytest.fixture(scope="session")
def demo_bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoBundle]:
    out = tmp_path_factory.mktemp("outputs") / "demo"
    config = load_config({"VRIC_CONFIG_DIR": str(DEFAULTS_DIR)})
    summary = run_demo(out, base=config)
    path = Path(summary.bundle["path"])
    store = Store(f"sqlite:///{summary.database}")
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    yield DemoBundle(path, manifest, store, config)
    store.close()
