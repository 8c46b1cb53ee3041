"""Table definitions (SQLAlchemy Core). The schema itself is created and changed
only by the Alembic migrations in ``pipeline/store/migrations/``; these objects
describe it for queries, and a test checks they agree with the migrated database.

Keys that could be long (GUIDs, URLs) are indexed through their SHA-256 hex
digest, never directly: Postgres refuses index rows over ~2.7 kB.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC, on SQLite and Postgres alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass UTC-aware values")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQL paths on SQLite
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False, unique=True),  # config id
    Column("url", Text, nullable=False),
    Column("outlet", String(100)),
    Column("kind", String(20), nullable=False, default="auto"),
    Column("language", String(10)),
    Column("interval_s", Integer, nullable=False, default=3600),
    Column("interval_override", Boolean, nullable=False, default=False),
    Column("allow_private", Boolean, nullable=False, default=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("body_hash", String(64)),
    Column("effective_url", Text),
    Column("last_attempt", UTCDateTime),
    Column("last_success", UTCDateTime),
    Column("last_status", Integer),
    Column("last_error_code", String(40)),
    Column("last_error", Text),
    Column("failures", Float, nullable=False, default=0.0),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("next_due", UTCDateTime, index=True),
    Column("state", String(20), nullable=False, default="ok"),
    Column("lease_owner", String(100)),
    Column("lease_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(64), nullable=False),  # sha256 of the identity (guid, url...)
    Column("guid", Text),
    Column("url", Text, nullable=False),
    Column("url_key", String(64), nullable=False, index=True),  # sha256(canonical url)
    Column("title", Text),
    Column("summary", Text),
    Column("author", Text),
    Column("published", UTCDateTime),
    Column("published_raw", Text),
    Column("date_flags", String(100)),  # the feed date failed the gate (dates.read_date)
    Column("source_url", Text),
    Column("source_name", Text),
    Column("language", String(10)),
    Column("truncated", Boolean, nullable=False, default=False, server_default=false()),
    Column("discovered_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime),
    Column("state", String(20), nullable=False, default="queued"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt", UTCDateTime),
    Column("last_error_code", String(40)),
    Column("last_error", Text),
    Column("lease_owner", String(100)),
    Column("lease_until", UTCDateTime),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="SET NULL"), index=True),
    Column("discovered_via", String(60)),  # None: the feed; backfill:<source> (issue 19)
    UniqueConstraint("feed_id", "key"),
    Index("ix_entries_state_next_attempt", "state", "next_attempt"),
)

# The review queue's filters and sorts, covered by one index (migration 0011 says why).
QUEUE_INDEX = ("period", "relevant", "score", "published_at", "decision_version", "state_media",
               "is_opinion", "language", "section", "outlet", "domain", "id")  # fmt: skip

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url_key", String(64), nullable=False, unique=True),
    Column("canonical_url", Text, nullable=False),
    Column("original_url", Text, nullable=False),
    Column("alias_key", String(64), index=True),
    Column("outlet", String(100), index=True),
    Column("domain", String(255)),
    Column("title", Text, nullable=False, default=""),
    Column("author", Text),
    Column("summary", Text),
    Column("text", Text),
    Column("word_count", Integer, nullable=False, default=0),
    Column("extraction_status", String(30), nullable=False),
    Column("truncated", Boolean, nullable=False, default=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("date_source", String(20), nullable=False),
    Column("date_raw", Text),
    Column("date_flags", String(100)),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("fetched_at", UTCDateTime),
    Column("period", String(7), nullable=False, index=True),
    Column("language", String(10)),
    Column("language_prob", Float),
    Column("language_source", String(20)),
    Column("content_hash", String(64), index=True),
    Column("title_key", String(64)),
    Column("minhash", LargeBinary),
    Column("cluster_id", Integer, index=True),
    Column("is_opinion", Boolean, nullable=False, default=False),
    Column("opinion_reason", Text),
    Column("state_media", Boolean, nullable=False, default=False),
    Column("controlling_state", String(20), nullable=False, default="none"),
    Column("ownership", String(30)),
    Column("cap_policy", String(20)),
    Column("registry_version", String(64)),
    Column("syndicated_from", String(100)),
    Column("syndication_evidence", Text),
    Column("relevant", Boolean, nullable=False, default=False),
    Column("score", Float, nullable=False, default=0.0),
    Column("section", String(30)),
    Column("rules_version", String(64)),
    # +1 with every decision row (0 = never decided): the compare-and-set of decide()
    Column("decision_version", Integer, nullable=False, default=0, server_default="0"),
    Column("raw_html", LargeBinary),
    Column("raw_expires", UTCDateTime),
    # the story across outlets (pipeline/article/stories.py) and why the article is in it
    Column("story_id", Integer, index=True),  # stories.id (no foreign key: see 0012)
    Column("story_reason", Text),
    Index("ix_articles_queue", *QUEUE_INDEX),
)
# Full-text search over title and text (migration 0011), outside this metadata
# because it differs per backend: SQLite has the FTS5 table ``articles_fts``
# (external content: rowid = articles.id) kept in sync by triggers on articles;
# Postgres has the generated column ``articles.search`` (tsvector, text search
# configuration ``vric_search``) with a GIN index. Queries: pipeline.store.queue.
# A later migration that rebuilds ``articles`` on SQLite (batch "move and copy")
# must re-create the three ``articles_fts_*`` triggers.

# One event reported by several outlets in a period; its members are the
# articles whose story_id points here. Regrouping keeps the ids of stories
# whose members stay together.
stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("period", String(7), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# An analyst took an article out of its story (``vric stories split``): the
# audit row, and the reason grouping never puts the article in a story again.
story_splits = Table(
    "story_splits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "article_id",
        Integer,
        ForeignKey("articles.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("story_id", Integer, nullable=False),  # the story it left (may be gone since)
    Column("members", JSON, nullable=False),  # the story's article ids at the split
    Column("analyst", String(100), nullable=False),
    Column("note", Text),
    Column("split_at", UTCDateTime, nullable=False),
)

tags = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("name", String(60), nullable=False),
    Column("score", Float, nullable=False),
    Column("matches", JSON, nullable=False),
    Column("detail", JSON),
    Column("rules_version", String(64), nullable=False),
    UniqueConstraint("article_id", "kind", "name"),
    Index("ix_tags_kind_name", "kind", "name", "article_id"),  # queue filters (0011)
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(12), nullable=False),  # candidate | included | excluded
    Column("section", String(30)),
    Column("analyst", String(100), nullable=False),
    Column("note", Text),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("source", Text),  # the imported file name
    Column("version", Integer),  # the article's decision_version this row created
    Column("overrode", Text),  # JSON: the stored decision a forced decision replaced
    Index("ix_decisions_article_decided", "article_id", "decided_at"),
)

backfill_progress = Table(
    "backfill_progress",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("period", String(7), nullable=False),
    Column("scope", String(60), nullable=False),  # "" the whole period; "gap:<from>/<to>" a heal
    Column("source", String(200), nullable=False),  # the outlet (or host) it was read for
    Column("url", Text, nullable=False),
    Column("url_key", String(64), nullable=False),  # sha256(url)
    Column("kind", String(20), nullable=False),  # sitemap | index | feed
    Column("state", String(20), nullable=False),  # done | failed
    Column("error_code", String(40)),
    Column("urls_seen", Integer, nullable=False),
    Column("urls_kept", Integer, nullable=False),
    Column("done_at", UTCDateTime, nullable=False),
    UniqueConstraint("period", "scope", "url_key"),
)

# A feed that was failing or not polled for longer than its interval allows:
# written when the feed succeeds again (pipeline.sources.gaps), healed by backfill.
feed_gaps = Table(
    "feed_gaps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("start", UTCDateTime, nullable=False),  # the last success before the gap
    Column("end", UTCDateTime, nullable=False),  # the success that ended it
    Column("reason", String(20), nullable=False),  # failing | not_polled
    Column("healed_at", UTCDateTime),  # set when the daemon backfilled it
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(10), nullable=False),  # viewer | analyst | editor
    Column("password_hash", Text, nullable=False),  # argon2id (pipeline.accounts)
    Column("disabled", Boolean, nullable=False, default=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
)

# A workbench login: the cookie holds the token, the table its SHA-256 only.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "user_name",
        String(64),
        ForeignKey("users.name", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("csrf_token", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_name", String(64), nullable=False),  # as typed (folded), known or not
    Column("address", String(64), nullable=False),  # the client's IP address
    Column("ok", Boolean, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_login_attempts_user_name_at", "user_name", "at"),
    Index("ix_login_attempts_address_at", "address", "at"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # cycle | bundle | maintenance
    Column("worker", String(100)),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("status", String(20), nullable=False, default="running"),
    Column("counts", JSON),
    Column("errors", JSON),
)
