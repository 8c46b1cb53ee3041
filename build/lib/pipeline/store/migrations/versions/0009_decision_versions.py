"""Decision versions: articles.decision_version (the article's decision
revision, bumped by exactly 1 with every decision row), decisions.version (the
revision a row created) and decisions.overrode (what a forced decision replaced)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch_op:
        batch_op.add_column(
            sa.Column("decision_version", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("overrode", sa.Text(), nullable=True))
    # Existing rows: each decision's version is its rank among its article's
    # decisions in the order "latest wins" used so far (decided_at, then id).
    op.execute(
        "UPDATE decisions SET version = (SELECT COUNT(*) FROM decisions AS d2"
        " WHERE d2.article_id = decisions.article_id AND (d2.decided_at < decisions.decided_at"
        " OR (d2.decided_at = decisions.decided_at AND d2.id <= decisions.id)))"
    )
    op.execute(
        "UPDATE articles SET decision_version = (SELECT COUNT(*) FROM decisions"
        " WHERE decisions.article_id = articles.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.drop_column("overrode")
        batch_op.drop_column("version")
    with op.batch_alter_table("articles") as batch_op:
        batch_op.drop_column("decision_version")
