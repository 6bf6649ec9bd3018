"""Links and feeds: what was fetched (articles, sources: requested URL, fetch time, HTTP status;
source versions) and the feeds with the items seen in them.

Frozen once released, like 0001. Existing sources become version 1.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the fetch columns and the feed tables."""
    op.create_table(
        "feeds",
        sa.Column("id", INT, autoincrement=True, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("last_polled_at", TS, nullable=True),
        sa.Column("last_status", INT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url", name="uq_feed_url"),
    )
    op.create_table(
        "feed_items",
        sa.Column("id", INT, autoincrement=True, nullable=False),
        sa.Column("feed_id", INT, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("published", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("seen_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("feed_id", "key", name="uq_feed_item_key"),
    )
    op.create_index("ix_feed_items_hash", "feed_items", ["content_hash"], unique=False)
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requested_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("fetched_at", TS, nullable=True))
        batch_op.add_column(sa.Column("http_status", INT, nullable=True))
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requested_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("fetched_at", TS, nullable=True))
        batch_op.add_column(sa.Column("http_status", INT, nullable=True))
        batch_op.add_column(sa.Column("version", INT, nullable=False, server_default="1"))
        batch_op.create_index("ix_sources_requested_url", ["requested_url"], unique=False)


def downgrade() -> None:
    """Drop them again (fetched sources stay, as plain sources)."""
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index("ix_sources_requested_url")
        batch_op.drop_column("version")
        batch_op.drop_column("http_status")
        batch_op.drop_column("fetched_at")
        batch_op.drop_column("requested_url")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("http_status")
        batch_op.drop_column("fetched_at")
        batch_op.drop_column("requested_url")
    op.drop_index("ix_feed_items_hash", table_name="feed_items")
    op.drop_table("feed_items")
    op.drop_table("feeds")
