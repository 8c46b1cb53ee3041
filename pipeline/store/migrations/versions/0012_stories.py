"""stories across outlets: stories (one event reported by several outlets in a
period), articles.story_id / story_reason (the story and why the article is in
it) and story_splits (an analyst took an article out of its story; grouping
again never puts it back)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
    )
    op.create_index(op.f("ix_stories_period"), "stories", ["period"], unique=False)
    # No foreign key on articles.story_id: on SQLite adding one rebuilds the
    # articles table, and dropping the old copy would cascade to tags and
    # decisions. The store keeps it consistent (save_stories deletes only
    # stories no article points to).
    with op.batch_alter_table("articles") as batch_op:
        batch_op.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("story_reason", sa.Text(), nullable=True))
    op.create_index(op.f("ix_articles_story_id"), "articles", ["story_id"], unique=False)
    op.create_table(
        "story_splits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("analyst", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("split_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_story_splits_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_splits")),
    )
    op.create_index(
        op.f("ix_story_splits_article_id"), "story_splits", ["article_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_story_splits_article_id"), table_name="story_splits")
    op.drop_table("story_splits")
    op.drop_index(op.f("ix_articles_story_id"), table_name="articles")
    # Plain DROP COLUMN (SQLite >= 3.35): a batch rebuild would cascade (see upgrade).
    op.execute("ALTER TABLE articles DROP COLUMN story_reason")
    op.execute("ALTER TABLE articles DROP COLUMN story_id")
    op.drop_index(op.f("ix_stories_period"), table_name="stories")
    op.drop_table("stories")
