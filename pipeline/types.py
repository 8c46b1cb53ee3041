"""Values that cross stage boundaries: frozen dataclasses, no behaviour.

ORM rows never leave the store; stages exchange these instead. Every datetime
here is timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

# ---------------------------------------------------------------- fetch


@dataclass(frozen=True)
class FetchResult:
    """What one guarded HTTP fetch produced: a body or an error code, never both.

    ``body`` is the *decoded* (gzip/deflate/br undone) payload, capped.
    ``not_modified`` is true for a 304 (the fetcher never returns a body then).
    """

    url: str
    final_url: str
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes | None = None
    error_code: str | None = None
    error_message: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retry_after: str | None = None  # raw header; the scheduling policy parses it
    elapsed: float = 0.0
    not_modified: bool = False
    redirects: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error_code is None


# ---------------------------------------------------------------- parse


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed or sitemap, normalised across formats."""

    url: str  # absolute, resolved against the feed's final URL
    guid: str | None = None
    title: str = ""
    summary: str = ""  # plain text (HTML stripped)
    author: str | None = None
    published: datetime | None = None
    published_raw: str | None = None
    source_url: str | None = None  # aggregator items: the publisher's <source url>
    source_name: str | None = None
    language: str | None = None
    categories: tuple[str, ...] = ()
    date_flags: str | None = None  # date_implausible | date_unparseable (raw kept)


@dataclass(frozen=True)
class Skipped:
    """An item or page that was left out, with a stable reason."""

    reason: str
    detail: str = ""


@dataclass(frozen=True)
class ParsedFeed:
    """The parse stage's output. ``error_code`` set means "no usable feed"."""

    kind: str  # rss | atom | rdf | json | sitemap | news_sitemap | unknown
    items: tuple[FeedItem, ...] = ()
    title: str | None = None
    language: str | None = None
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()
    error_code: str | None = None
    error_message: str | None = None


# ---------------------------------------------------------------- extract


@dataclass(frozen=True)
class ExtractedPage:
    """The extract stage's output for one page.

    ``status`` is ``ok`` (full text), or a failure reason (``not_html``,
    ``empty``, ``too_large``, ``extract_timeout``, ``extract_failed``); the
    ingest stage then falls back to the feed summary.
    """

    status: str
    text: str = ""
    title: str | None = None
    author: str | None = None
    date_raw: str | None = None  # the first declared date, as written
    sitename: str | None = None
    description: str | None = None
    categories: tuple[str, ...] = ()
    canonical_url: str | None = None
    html_lang: str | None = None
    section: str | None = None  # article:section or equivalent
    page_types: tuple[str, ...] = ()  # JSON-LD @type values, og:type
    date_candidates: tuple[str, ...] = ()  # every declared date in order (the gate picks)


# ---------------------------------------------------------------- language


@dataclass(frozen=True)
class LanguageResult:
    language: str | None
    probability: float
    source: str  # detected | page | outlet | feed | none


# ---------------------------------------------------------------- outlets


@dataclass(frozen=True)
class OutletMatch:
    """What the registry says about a URL's publisher."""

    outlet: str  # outlet id
    name: str
    state_media: bool
    controlling_state: str  # russia | china | iran | venezuela | cuba | nicaragua | bolivia | none
    ownership: str
    cap_policy: str  # count | review | exclude
    matched: str  # the domain or prefix rule that matched
    country: str | None = None
    languages: tuple[str, ...] = ()
    actor: str | None = None  # the VRIC actor the outlet counts for
    commentary_only: bool = False


@dataclass(frozen=True)
class OutletColumns:
    """The article columns the outlet registry decides (ingest and ``reflag``)."""

    outlet: str | None
    state_media: bool
    controlling_state: str
    ownership: str | None
    cap_policy: str | None
    registry_version: str | None


# ---------------------------------------------------------------- tagging


@dataclass(frozen=True)
class TagInput:
    """Text to tag, split into fields because title and lead weigh more."""

    title: str
    body: str
    lead: str = ""  # summary / first paragraph
    language: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Match:
    term: str
    field: str  # title | lead | body
    start: int
    end: int
    snippet: str
    weight: float = 1.0


@dataclass(frozen=True)
class Tag:
    kind: str  # actor | topic | country | flag
    name: str
    score: float
    matches: tuple[Match, ...] = ()
    detail: tuple[str, ...] = ()  # e.g. Bolivarian network members for venezuela


@dataclass(frozen=True)
class TagResult:
    """Tags above threshold, relevance, and the section the item belongs to."""

    actors: tuple[Tag, ...] = ()
    topics: tuple[Tag, ...] = ()
    countries: tuple[Tag, ...] = ()
    flags: tuple[Tag, ...] = ()
    relevant: bool = False
    section: str | None = None
    rules_version: str = ""
    score: float = 0.0

    def all_tags(self) -> tuple[Tag, ...]:
        return self.actors + self.topics + self.countries + self.flags


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    name: str  # "2021-08"
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC
    label: str  # "August to September 2021"


# ---------------------------------------------------------------- store rows


@dataclass(frozen=True)
class ConfiguredFeed:
    """The columns of a feed that come from feeds.yaml (``Store.sync_feeds``)."""

    key: str  # the feed's id in feeds.yaml
    url: str
    outlet: str | None = None
    kind: str = "auto"
    language: str | None = None
    allow_private: bool = False
    enabled: bool = True
    interval_s: int | None = None  # set only when feeds.yaml gives an interval


@dataclass(frozen=True)
class FeedRow:
    """A feed as the store knows it: config plus fetch state."""

    id: int
    key: str
    url: str
    outlet: str | None
    kind: str
    language: str | None
    interval_s: int
    allow_private: bool
    enabled: bool
    state: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    failures: float = 0.0
    consecutive_failures: int = 0
    next_due: datetime | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_status: int | None = None
    last_error_code: str | None = None
    last_error: str | None = None
    effective_url: str | None = None


@dataclass(frozen=True)
class EntrySpan:
    """The dates of a feed's newest entries, as its adaptive interval reads them:
    the oldest, the newest and how many distinct ones (published, else discovered)."""

    first: datetime
    last: datetime
    distinct: int


@dataclass(frozen=True)
class FeedUpdate:
    """The fetch-state columns written after one fetch attempt."""

    attempt_at: datetime
    next_due: datetime
    state: str
    failures: float
    consecutive_failures: int
    last_status: int | None = None
    error_code: str | None = None
    error: str | None = None
    success_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    effective_url: str | None = None
    interval_s: int | None = None


@dataclass(frozen=True)
class NewEntry:
    """A feed item ready to be stored as an entry (the article work queue)."""

    key: str
    url: str
    url_key: str
    item: FeedItem
    truncated: bool = False  # a field was cut to its cap


@dataclass(frozen=True)
class EntryRow:
    id: int
    feed_id: int
    url: str
    url_key: str
    title: str
    summary: str
    attempts: int
    discovered_at: datetime
    guid: str | None = None
    author: str | None = None
    published: datetime | None = None
    published_raw: str | None = None
    source_url: str | None = None
    source_name: str | None = None
    language: str | None = None
    feed_outlet: str | None = None
    feed_language: str | None = None
    truncated: bool = False


@dataclass(frozen=True)
class ArticleRecord:
    """One article ready to store, with its tags."""

    url_key: str
    canonical_url: str
    original_url: str
    title: str
    published_at: datetime
    date_source: str
    first_seen: datetime
    period: str
    extraction_status: str
    alias_key: str | None = None
    outlet: str | None = None
    domain: str | None = None
    author: str | None = None
    summary: str = ""
    text: str = ""
    word_count: int = 0
    truncated: bool = False
    date_raw: str | None = None
    date_flags: str | None = None
    fetched_at: datetime | None = None
    language: str | None = None
    language_prob: float | None = None
    language_source: str | None = None
    content_hash: str | None = None
    title_key: str | None = None
    minhash: bytes | None = None
    cluster_id: int | None = None
    is_opinion: bool = False
    opinion_reason: str | None = None
    state_media: bool = False
    controlling_state: str = "none"
    ownership: str | None = None
    cap_policy: str | None = None
    registry_version: str | None = None
    syndicated_from: str | None = None
    syndication_evidence: str | None = None
    relevant: bool = False
    score: float = 0.0
    section: str | None = None
    rules_version: str | None = None
    raw_html: bytes | None = None
    raw_expires: datetime | None = None
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class ClusterSignature:
    """A recent stored article as the near-duplicate index needs it."""

    article_id: int
    cluster_id: int | None  # None: its own cluster
    minhash: bytes
    outlet: str | None = None
    state_media: bool = False


@dataclass(frozen=True)
class DuplicateProbe:
    """One step of the dedup chain: a stored article with this key is the same article.

    ``kind`` is ``url`` (the canonical URL's key), ``alias`` (the URL up to
    scheme, ``www.`` and a final slash), ``content`` (the text's hash) or
    ``title`` (the title key, only within ``outlet`` and first seen since ``since``).
    """

    kind: str
    value: str
    outlet: str | None = None
    since: datetime | None = None

    @property
    def key(self) -> tuple[str, str, str | None]:
        return self.kind, self.value, self.outlet


@dataclass(frozen=True)
class BackfillStep:
    """One sitemap or feed page a backfill of ``period`` has read (resume point)."""

    period: str
    source: str  # the outlet (or host) it was read for
    url: str
    kind: str  # sitemap | index | feed
    state: str  # done | failed
    error_code: str | None = None
    urls_seen: int = 0
    urls_kept: int = 0
    scope: str = ""  # "" the whole period; "gap:<from>/<to>" a daemon heal of one gap


@dataclass(frozen=True)
class StoryGroup:
    """One story across outlets (:mod:`pipeline.article.stories`): its members
    (sorted article ids) and, per member, why it belongs."""

    members: tuple[int, ...]
    why: Mapping[int, str]
