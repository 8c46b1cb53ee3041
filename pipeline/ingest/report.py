"""The cycle report: what one cycle did, counted (stored on its ``runs`` row)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CycleReport:
    feeds_polled: int = 0
    feeds_ok: int = 0
    feeds_unchanged: int = 0
    feeds_failed: int = 0
    entries_new: int = 0
    articles_new: int = 0
    articles_linked: int = 0
    pages_retry: int = 0
    stories_changed: int = 0  # articles whose story changed when the periods were regrouped
    skipped: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    extraction: Counter[str] = field(default_factory=Counter)  # page outcome by status
    periods: set[str] = field(default_factory=set)  # periods that gained a relevant article

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in self.__dict__.items() if isinstance(v, int)}
        out["skipped"] = dict(self.skipped)
        out["errors"] = dict(self.errors)
        out["extraction"] = dict(self.extraction)
        return out
