"""Fixtures for the tagging tests."""

from __future__ import annotations

import pytest
from tagging_helpers import load_shipped

from pipeline.tagging import CompiledRules


@pytest.fixture(scope="session")
def shipped() -> CompiledRules:
    """The rules.yaml that ships at the top of the repository, compiled once."""
    return load_shipped()
