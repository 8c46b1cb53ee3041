"""backfill: entries.discovered_via, backfill_progress (which sitemaps and
feed pages a backfill of a period has read, so a killed run resumes) and
feed_gaps (the hours a feed was failing or not polled)

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entries") as batch_op:
        batch_op.add_column(sa.Column("discovered_via", sa.String(length=60), nullable=True))
    op.create_table(
        "backfill_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("scope", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("urls_seen", sa.Integer(), nullable=False),
        sa.Column("urls_kept", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backfill_progress")),
        sa.UniqueConstraint(
            "period", "scope", "url_key", name=op.f("uq_backfill_progress_period_scope_url_key")
        ),
    )
    op.create_table(
        "feed_gaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("healed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name=op.f("fk_feed_gaps_feed_id_feeds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_gaps")),
    )
    op.create_index(op.f("ix_feed_gaps_feed_id"), "feed_gaps", ["feed_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_feed_gaps_feed_id"), table_name="feed_gaps")
    op.drop_table("feed_gaps")
    op.drop_table("backfill_progress")
    with op.batch_alter_table("entries") as batch_op:
        batch_op.drop_column("discovered_via")
