"""backfill: entries.discovered_via, and backfill_progress (which sitemaps and
feed pages a backfill of a period has read, so a killed run resumes)

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entries") as batch_op:
        batch_op.add_column(sa.Column("discovered_via", sa.String(length=60), nullable=True))
    op.create_table(
        "backfill_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
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
        sa.UniqueConstraint("period", "url_key", name=op.f("uq_backfill_progress_period_url_key")),
    )


def downgrade() -> None:
    op.drop_table("backfill_progress")
    with op.batch_alter_table("entries") as batch_op:
        batch_op.drop_column("discovered_via")
