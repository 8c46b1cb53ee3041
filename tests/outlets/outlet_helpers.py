"""Helpers shared by the outlet tests (a module, not conftest, so tests can import it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.config.outlets_schema import OutletsFile
from pipeline.outlets import Registry

MakeRegistry = Callable[..., Registry]


def small_file(
    outlets: list[dict[str, Any]], lookalikes: list[dict[str, Any]] | None = None
) -> OutletsFile:
    return OutletsFile.model_validate(
        {
            "version": "t1",
            "sources": {"gk": "x"},
            "outlets": outlets,
            "lookalikes": lookalikes or [],
        }
    )
