"""Deterministic crash points for the kill -9 tests (RELIABILITY #125, §3.5).

``crashpoint("after_feed_parse")`` kills the current process with SIGKILL when
the environment variable ``VRIC_CRASH_AT`` names that point, and does nothing
otherwise. ``VRIC_CRASH_AT=name@3`` kills on the third time the point is
reached in this process. Production never sets the variable; the check is one
dictionary lookup.

Points in use (keep :data:`CRASH_POINTS` in step, tests loop over it):

- ``after_claim``: leases taken, nothing fetched yet (pipeline.ingest.claimed);
- ``after_feed_batch``: a batch of feeds polled and committed, leases held;
- ``after_entry_batch``: a batch of queued articles stored, leases held;
- ``after_feed_fetch``, ``after_feed_parse``, ``after_feed_commit``,
  ``after_page_fetch``: inside the orchestrator (pipeline.ingest);
- ``inside_article_batch``: an article of a batch written, the batch not
  committed (after each of its articles); ``after_article_commit``: a batch
  of articles committed (pipeline.ingest.articles).
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from typing import Final

ENV_VAR: Final = "VRIC_CRASH_AT"
CRASH_POINTS: Final = (
    "after_claim",
    "after_feed_batch",
    "after_entry_batch",
    "after_feed_fetch",
    "after_feed_parse",
    "after_feed_commit",
    "after_page_fetch",
    "inside_article_batch",
    "after_article_commit",
)

_hits: Counter[str] = Counter()


def _target() -> tuple[str, int] | None:
    # A deliberate exception to "only config reads the environment": this is a
    # test hook that must work in any process, before any configuration loads.
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return None
    name, _, nth = value.partition("@")
    return name, int(nth) if nth.isdigit() else 1


def crashpoint(name: str) -> None:
    """SIGKILL this process if ``VRIC_CRASH_AT`` names ``name`` (the n-th hit)."""
    target = _target()
    if target is None or target[0] != name:
        return
    _hits[name] += 1
    if _hits[name] >= target[1]:
        os.kill(os.getpid(), signal.SIGKILL)
