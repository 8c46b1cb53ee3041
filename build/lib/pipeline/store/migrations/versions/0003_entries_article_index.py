"""index entries.article_id: period exports and coverage join entries by article

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entries") as batch_op:
        batch_op.create_index("ix_entries_article_id", ["article_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("entries") as batch_op:
        batch_op.drop_index("ix_entries_article_id")
