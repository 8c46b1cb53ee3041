"""Schema of ``feeds.yaml``: the sources to poll, one entry per feed or sitemap.

Per-entry rules are pydantic validators (``feeds[3].url: not an http(s) URL``);
:func:`feed_problems` checks what needs the whole file and the outlet registry
(duplicate URLs and ids, unknown outlet ids).
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

FeedKind = Literal["auto", "rss", "atom", "rdf", "json", "sitemap", "news_sitemap", "google_news"]
EvidenceCode = Literal[
    "auto_validated", "auto_failed", "third_party_live", "seen_in_code", "reported_broken",
    "inferred_pattern",
]  # fmt: skip

MIN_INTERVAL = 5  # minutes
MAX_INTERVAL = 24 * 60
DEFAULT_INTERVAL = 60
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?:in)?)?$")


def _bad_interval(value: object) -> PydanticCustomError:
    return PydanticCustomError(
        "bad_interval",
        "bad interval {value}: minutes from 5 to 1440, or a duration like '30m', '2h'",
        {"value": repr(value)},
    )


def parse_interval(value: Any) -> int:
    """Minutes from an int or ``"90"``, ``"30m"``, ``"2h"``, ``"1h30m"``, ``"1d"``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _bad_interval(value)
    text = str(value).strip().lower().replace(" ", "")
    if text.isdigit():
        minutes = int(text)
    else:
        match = _DURATION.match(text)
        if not text or match is None:
            raise _bad_interval(value)
        days, hours, mins = (int(g or 0) for g in match.groups())
        minutes = days * 1440 + hours * 60 + mins
    if not MIN_INTERVAL <= minutes <= MAX_INTERVAL:
        raise _bad_interval(value)
    return minutes


def _check_url(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    try:
        parts = urlsplit(text)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        ok = False
    if not ok:
        raise PydanticCustomError("bad_url", "not an http(s) URL")
    return text


Interval = Annotated[int, BeforeValidator(parse_interval)]
FeedUrl = Annotated[str, BeforeValidator(_check_url)]


class FeedEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: EvidenceCode
    note: str = ""


class FeedSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        default="", pattern=r"^(?:[a-z0-9][a-z0-9_.-]*)?$", max_length=96
    )  # "" = derived
    url: FeedUrl
    outlet: str = Field(min_length=1)
    kind: FeedKind = "auto"
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    interval: Interval = DEFAULT_INTERVAL  # minutes
    evidence: FeedEvidence | None = None
    enabled: bool = True
    allow_private: bool = False
    accept: str | None = None  # Accept header override
    max_items: int | None = Field(default=None, ge=1, le=10_000)
    sitemaps: list[FeedUrl] = []  # read by `vric backfill` (docs/backfill.md)
    note: str = ""

    @model_validator(mode="after")
    def _derive_id(self) -> FeedSpec:
        if not self.id:
            self.id = f"{self.outlet}-{hashlib.sha256(self.url.encode()).hexdigest()[:8]}"
        return self


class FeedsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feeds: list[FeedSpec] = []


def url_key(url: str) -> str:
    """What makes two feed URLs the same feed: scheme, ``www.`` and a final ``/`` ignored."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    port = f":{parts.port}" if parts.port else ""
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{port}{parts.path.rstrip('/')}{query}"


def feed_problems(f: FeedsFile, outlet_ids: set[str]) -> list[str]:
    """Cross-entry problems: duplicate URLs or ids, outlets missing from outlets.yaml."""
    problems: list[str] = []
    seen_urls: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    for i, feed in enumerate(f.feeds):
        key = url_key(feed.url)
        if key in seen_urls:
            problems.append(
                f"feeds[{i}].url: duplicate URL {feed.url} (also feeds[{seen_urls[key]}])"
            )
        elif feed.id in seen_ids:
            problems.append(
                f"feeds[{i}].id: duplicate id {feed.id} (also feeds[{seen_ids[feed.id]}])"
            )
        seen_urls.setdefault(key, i)
        seen_ids.setdefault(feed.id, i)
        if feed.outlet not in outlet_ids:
            problems.append(f"feeds[{i}].outlet: unknown outlet id {feed.outlet}")
    return problems
