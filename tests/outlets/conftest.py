"""Fixtures for the outlet registry: the shipped outlets.yaml and small hand-made files."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from outlet_helpers import MakeRegistry, small_file

from pipeline.config import DEFAULTS_DIR
from pipeline.config.outlets_schema import OutletsFile
from pipeline.outlets import Registry


@pytest.fixture(scope="session")
def shipped_file() -> OutletsFile:
    data = yaml.safe_load((DEFAULTS_DIR / "outlets.yaml").read_text(encoding="utf-8"))
    return OutletsFile.model_validate(data)


@pytest.fixture(scope="session")
def shipped(shipped_file: OutletsFile) -> Registry:
    return Registry.from_file(shipped_file)


@pytest.fixture
def make_registry() -> MakeRegistry:
    def build(
        outlets: list[dict[str, Any]], lookalikes: list[dict[str, Any]] | None = None
    ) -> Registry:
        return Registry.from_file(small_file(outlets, lookalikes))

    return build
