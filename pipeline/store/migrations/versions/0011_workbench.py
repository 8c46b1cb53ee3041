"""workbench (issue 13): users, web_sessions and login_attempts; full-text
search over articles' title and text (SQLite: an FTS5 table kept in sync by
triggers; Postgres: a generated tsvector column with a GIN index), back-filled
for the articles already stored; an index covering the review queue's
filters and sorts (period, relevant, score, ...)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The review queue filters and sorts a period's rows on these columns only
# (schema.QUEUE_INDEX, copied: a migration must not change when the code does),
# so it reads this index and never the rows: on SQLite their long texts sit
# before score, relevant and the flags in the record (overflow pages to walk);
# on Postgres the id at the end makes the scan index-only.
QUEUE_INDEX = ["period", "relevant", "score", "published_at", "decision_version",
               "state_media", "is_opinion", "language", "section", "outlet", "domain", "id"]  # fmt: skip

# SQLite: an external-content FTS5 table (the text is not stored twice);
# remove_diacritics 2 folds "economía" and "economia" to the same token.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN"
    " INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN"
    " INSERT INTO articles_fts(articles_fts, rowid, title, text)"
    " VALUES ('delete', old.id, old.title, old.text); END",
    "CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, text ON articles BEGIN"
    " INSERT INTO articles_fts(articles_fts, rowid, title, text)"
    " VALUES ('delete', old.id, old.title, old.text);"
    " INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    # Back-fill: the articles stored before this migration.
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]
SQLITE_FTS_DOWN = [
    "DROP TRIGGER IF EXISTS articles_fts_au",
    "DROP TRIGGER IF EXISTS articles_fts_ad",
    "DROP TRIGGER IF EXISTS articles_fts_ai",
    "DROP TABLE IF EXISTS articles_fts",
]

# Postgres: the 'simple' configuration (no stemming: the corpus mixes Spanish,
# Portuguese, English and French), plus unaccent when the server has it (a
# trusted extension since Postgres 13; without it, search is accent-sensitive).
# The column is generated, so existing rows are indexed by the ALTER itself.
# to_tsvector refuses a vector over 1 MB: only the first 200,000 characters
# of a text are indexed, so no article can fail to store because of search.
PG_FTS = [
    "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS unaccent;"
    " EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'unaccent unavailable: %', SQLERRM; END $$",
    "CREATE TEXT SEARCH CONFIGURATION vric_search (COPY = simple)",
    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent') THEN"
    " ALTER TEXT SEARCH CONFIGURATION vric_search"
    " ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple; END IF; END $$",
    "ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('vric_search'::regconfig, coalesce(title, '')), 'A') ||"
    " setweight(to_tsvector('vric_search'::regconfig, left(coalesce(text, ''), 200000)), 'B')"
    ") STORED",
    "CREATE INDEX ix_articles_search ON articles USING gin (search)",
    # A tag's kind and name are far from independent ('china' is an actor and a
    # country): without these statistics the planner takes "actor = china" for
    # a rare tag and probes articles per tag row (P6: 470 ms instead of 70).
    "CREATE STATISTICS st_tags_kind_name (dependencies, mcv) ON kind, name FROM tags",
    "ANALYZE tags",
]
PG_FTS_DOWN = [
    "DROP STATISTICS IF EXISTS st_tags_kind_name",
    "DROP INDEX IF EXISTS ix_articles_search",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS vric_search",
]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_name"],
            ["users.name"],
            name=op.f("fk_web_sessions_user_name_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_user_name"), "web_sessions", ["user_name"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index(op.f("ix_login_attempts_user_name_at"), "login_attempts", ["user_name", "at"])
    op.create_index(op.f("ix_login_attempts_address_at"), "login_attempts", ["address", "at"])
    # The queue's filters and sorts (it also serves every (period, relevant) query).
    op.drop_index("ix_articles_period_relevant", table_name="articles")
    op.create_index("ix_articles_queue", "articles", QUEUE_INDEX)
    # The queue's actor/topic/country filters: the tagged ids of one name at once
    # (uq_tags starts with article_id, which only serves a per-article probe).
    op.create_index("ix_tags_kind_name", "tags", ["kind", "name", "article_id"])
    dialect = op.get_bind().dialect.name
    for sql in SQLITE_FTS if dialect == "sqlite" else PG_FTS if dialect == "postgresql" else []:
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in SQLITE_FTS_DOWN if dialect == "sqlite" else PG_FTS_DOWN:
        op.execute(sql)
    op.drop_index("ix_tags_kind_name", table_name="tags")
    op.drop_index("ix_articles_queue", table_name="articles")
    op.create_index("ix_articles_period_relevant", "articles", ["period", "relevant"])
    op.drop_index(op.f("ix_login_attempts_address_at"), table_name="login_attempts")
    op.drop_index(op.f("ix_login_attempts_user_name_at"), table_name="login_attempts")
    op.drop_table("login_attempts")
    op.drop_index(op.f("ix_web_sessions_user_name"), table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("users")
