"""robots.txt for article pages: fetched once per origin, cached with a TTL.

Verdicts when robots.txt cannot be read (as Google documents them):
2xx → the rules apply; 4xx → everything allowed; 5xx and 429 → nothing allowed for
``robots_error_ttl``; a network failure → allowed (briefly cached, so a dead
robots.txt is not asked for before every page). Feed URLs configured by the
operator are never checked.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from protego import Protego

from pipeline.types import FetchResult

logger = logging.getLogger(__name__)

NETWORK_FAILURE_TTL = 10 * 60.0


@dataclass(frozen=True)
class RobotsVerdict:
    rules: Protego | None  # None: the fixed answer in ``allow_all``
    allow_all: bool
    expires: float  # time.monotonic()
    reason: str

    def allows(self, url: str, token: str) -> bool:
        if self.rules is None:
            return self.allow_all
        return bool(self.rules.can_fetch(url, token))

    def crawl_delay(self, token: str) -> float | None:
        if self.rules is None:
            return None
        delay = self.rules.crawl_delay(token)
        return float(delay) if delay is not None else None


class RobotsCache:
    """``fetch_robots(origin_url) -> FetchResult`` is the client's own guarded fetch."""

    def __init__(
        self, fetch_robots: Callable[[str], FetchResult], ttl: float, error_ttl: float
    ) -> None:
        self._fetch = fetch_robots
        self._ttl = ttl
        self._error_ttl = error_ttl
        self._lock = threading.Lock()
        self._origin_locks: dict[str, threading.Lock] = {}
        self._verdicts: dict[str, RobotsVerdict] = {}

    def verdict(self, origin: str) -> RobotsVerdict:
        """The cached verdict for ``scheme://host[:port]``, fetching at most once
        at a time per origin."""
        with self._lock:
            origin_lock = self._origin_locks.setdefault(origin, threading.Lock())
        with origin_lock:
            cached = self._verdicts.get(origin)
            if cached is not None and cached.expires > time.monotonic():
                return cached
            verdict = self._load(origin)
            self._verdicts[origin] = verdict
            return verdict

    def _load(self, origin: str) -> RobotsVerdict:
        result = self._fetch(origin + "/robots.txt")
        now = time.monotonic()
        if result.ok and result.body is not None:
            text = result.body.decode("utf-8", errors="replace")
            return RobotsVerdict(Protego.parse(text), True, now + self._ttl, "robots.txt")
        status = result.status or 0
        if status == 429 or status >= 500:
            logger.info(
                "robots.txt unavailable, pausing pages",
                extra={"url": origin, "reason": result.error_code},
            )
            return RobotsVerdict(
                None, False, now + self._error_ttl, f"robots.txt {status}: server error"
            )
        if result.error_code == "empty_body" or 400 <= status < 500:
            return RobotsVerdict(None, True, now + self._ttl, f"robots.txt {status}: allow all")
        return RobotsVerdict(
            None,
            True,
            now + min(self._ttl, NETWORK_FAILURE_TTL),
            f"robots.txt unreachable ({result.error_code}): allow",
        )
