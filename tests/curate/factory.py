"""Fixture articles for the export and bundle tests, written in the style of
real LAC news, stored through the public store API (save_article,
decide, sync_feeds) so every test runs on SQLite and Postgres alike."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pipeline.article.identity import entry_keys
from pipeline.config import DEFAULTS_DIR, load_rules
from pipeline.config.outlets_schema import OutletsFile
from pipeline.config.rules_schema import RulesFile, section_names
from pipeline.config.settings import PolicySettings, Settings
from pipeline.periods import period_for
from pipeline.store import Store
from pipeline.store.curation import DecisionChange
from pipeline.types import (
    ArticleRecord,
    ConfiguredFeed,
    FeedItem,
    FeedUpdate,
    Match,
    OutletMatch,
    Tag,
)

NOW = datetime(2021, 10, 2, 9, 30, tzinfo=UTC)
AUG = datetime(2021, 8, 14, 12, 0, tzinfo=UTC)
PERIOD = "2021-08"
_SEQ = itertools.count(1)
RULES = load_rules(DEFAULTS_DIR / "rules.yaml")  # the shipped rules
SECTIONS = section_names(RULES)

OUTLETS = {
    "ru_rt_es": ("RT en Español", "ru", True, "russia", "count"),
    "ru_sputnik_mundo": ("Sputnik Mundo", "ru", True, "russia", "count"),
    "cn_xinhua": ("Xinhua News Agency", "cn", True, "china", "count"),
    "ir_hispantv": ("HispanTV", "ir", True, "iran", "count"),
    "ve_globovision": ("Globovisión", "ve", False, "venezuela", "review"),
    "int_infobae": ("Infobae", "ar", False, None, "exclude"),
    "int_elpais": ("El País", "es", False, None, "exclude"),
    "co_eltiempo": ("El Tiempo", "co", False, None, "exclude"),
    "br_folha": ("Folha de S.Paulo", "br", False, None, "exclude"),
}


class FakeRegistry:
    """The two registry calls the export and bundle make, on a fixed table."""

    version = "test-registry-1"
    outlet_ids = frozenset(OUTLETS)

    def get(self, outlet_id: str, *, at: datetime | None = None) -> OutletMatch | None:
        if outlet_id not in OUTLETS:
            return None
        name, country, state, actor, cap = OUTLETS[outlet_id]
        return OutletMatch(
            outlet=outlet_id,
            name=name,
            state_media=state,
            controlling_state=actor if state and actor else "none",
            ownership="x",
            cap_policy=cap,
            matched=f"id:{outlet_id}",
            country=country,
            actor=actor,
        )


@dataclass(frozen=True)
class FakeConfig:
    """The part of pipeline.config.Config a bundle uses."""

    settings: Settings = field(default_factory=Settings)
    registry: Any = field(default_factory=FakeRegistry)
    rules: RulesFile = RULES
    outlets: OutletsFile = field(default_factory=lambda: OutletsFile(version="test-outlets-1"))


def config(database_url: str = "sqlite:///unused.db", **policy: Any) -> FakeConfig:
    return FakeConfig(Settings(database_url=database_url, policy=PolicySettings(**policy)))


def _tag(kind: str, name: str, term: str) -> Tag:
    return Tag(kind, name, 2.0, (Match(term, "title", 0, len(term), f"... {term} ...", 2.0),))


def record(
    title: str = "Rusia y Venezuela firman acuerdo de cooperación energética",
    *,
    outlet: str | None = "int_infobae",
    published: datetime = AUG,
    url: str | None = None,
    actors: tuple[str, ...] = ("russia",),
    topics: tuple[str, ...] = ("energy",),
    countries: tuple[str, ...] = ("ve",),
    flags: tuple[str, ...] = (),
    **values: Any,
) -> ArticleRecord:
    n = next(_SEQ)
    url = url or f"https://www.infobae.com/america/2021/08/14/nota-{n}/"
    name = OUTLETS.get(outlet or "", ("", None, False, None, "exclude"))
    terms = {"russia": "Rusia", "china": "China", "iran": "Irán", "venezuela": "Maduro"}
    tags = (
        tuple(_tag("actor", a, terms.get(a, a)) for a in actors)
        + tuple(_tag("topic", t, "gas natural") for t in topics)
        + tuple(_tag("country", c, "Caracas") for c in countries)
        + tuple(_tag("flag", f, "imperialismo yanqui") for f in flags)
    )
    base: dict[str, Any] = {
        "url_key": hashlib.sha256(f"{url}#{n}".encode()).hexdigest(),
        "canonical_url": url,
        "original_url": url,
        "title": title,
        "published_at": published,
        "date_source": "feed",
        "first_seen": published,
        "period": period_for(published).name,
        "extraction_status": "ok",
        "outlet": outlet,
        "domain": urlsplit(url).hostname,
        "language": "es",
        "summary": "Resumen.",
        "text": "Texto.",
        "relevant": True,
        "score": 3.0,
        "section": actors[0] if actors and actors[0] != "venezuela" else "overview",
        "rules_version": "rules-1",
        "state_media": bool(name[2]),
        "controlling_state": name[3] if name[2] else "none",
        "cap_policy": name[4] if outlet in OUTLETS else None,
        "tags": tags,
    }
    base.update(values)
    return ArticleRecord(**base)


def save(store: Store, title: str = "Rusia y Venezuela firman acuerdo", **kw: Any) -> int:
    entry_ids = kw.pop("entry_ids", ())
    return store.save_article(record(title, **kw), list(entry_ids), NOW)


def decide(
    store: Store,
    article_id: int,
    status: str,
    *,
    section: str | None = None,
    note: str | None = None,
    analyst: str = "ana",
    at: datetime = NOW,
) -> None:
    """A decision without a version check, through the one door (Store.decide)."""
    change = DecisionChange(article_id, status, section, note, None, analyst, "test")
    store.decide([change], now=at)


def queue_items(store: Store, items: Sequence[FeedItem], now: datetime) -> None:
    """One plain RSS feed ``f`` polled at ``now`` that queued ``items`` as entries."""
    store.sync_feeds(
        [ConfiguredFeed(key="f", url="http://feeds.example/rss", outlet=None, kind="rss",
                        language="es", allow_private=False)],
        now,
    )  # fmt: skip
    (feed,) = store.feeds()
    update = FeedUpdate(
        attempt_at=now, success_at=now, next_due=now + timedelta(hours=1), state="ok",
        failures=0.0, consecutive_failures=0, last_status=200,
    )  # fmt: skip
    new, _ = entry_keys(items)
    store.record_feed_fetch(feed.id, update, new)


def add_feed(
    store: Store, key: str, outlet: str, *, failing: bool = False, items: int = 0
) -> list[int]:
    """A feed (healthy or failing) with ``items`` queued entries; returns their ids."""
    spec = {
        "key": key,
        "url": f"https://feeds.example.org/{key}.xml?token=s3cr3t",
        "outlet": outlet,
        "kind": "rss",
        "language": "es",
        "allow_private": False,
    }
    known = [
        {
            "key": f.key,
            "url": f.url,
            "outlet": f.outlet,
            "kind": f.kind,
            "language": f.language,
            "allow_private": f.allow_private,
        }
        for f in store.feeds()
    ]
    feeds = [ConfiguredFeed(**values) for values in (*known, spec)]
    store.sync_feeds(feeds, NOW)  # sync_feeds disables feeds it is not given
    feed = next(f for f in store.feeds() if f.key == key)
    upd = FeedUpdate(
        attempt_at=NOW,
        next_due=NOW + timedelta(hours=1),
        state="failing" if failing else "ok",
        failures=3.0 if failing else 0.0,
        consecutive_failures=3 if failing else 0,
        last_status=503 if failing else 200,
        error_code="http_5xx" if failing else None,
        error='=HYPERLINK("http://x") 503 Service Unavailable' if failing else None,
        success_at=None if failing else NOW,
    )
    new, _ = entry_keys(FeedItem(url=f"https://{key}.example.org/a/{i}") for i in range(items))
    store.record_feed_fetch(feed.id, upd, new)
    queued = store.queued_entries(NOW + timedelta(days=1), 10_000)
    return [e.id for e in queued if e.feed_id == feed.id]
