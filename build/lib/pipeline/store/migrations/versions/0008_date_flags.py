"""entries.date_flags: a feed or sitemap date that failed the plausibility gate
(date_implausible, date_unparseable); article flags renamed to the same words

Revision ID: 0008
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Before issue 18 an article's date_flags said implausible, future_clamped or
# unparseable; a future date is now implausible too (it is not used either way).
RENAMED = {
    "implausible": "date_implausible",
    "future_clamped": "date_implausible",
    "unparseable": "date_unparseable",
}


def upgrade() -> None:
    with op.batch_alter_table("entries") as batch_op:
        batch_op.add_column(sa.Column("date_flags", sa.String(length=100), nullable=True))
    articles = sa.table("articles", sa.column("date_flags", sa.String(100)))
    for old, new in RENAMED.items():
        op.execute(articles.update().where(articles.c.date_flags == old).values(date_flags=new))


def downgrade() -> None:
    with op.batch_alter_table("entries") as batch_op:
        batch_op.drop_column("date_flags")
