"""Initial schema: the foundation tables (articles .. embeddings) and the schema_version row.

Frozen: this file must not change once released. New model fields get a new revision
(``python -m factcheck.db.migrate revision -m "..."``); ``tests/test_migrations.py`` fails when the
models and the migrations disagree.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# BIGINT on PostgreSQL; plain INTEGER on SQLite so an integer primary key is the rowid alias.
INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the foundation tables."""
    meta = op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sentences",
        sa.Column("article_id", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("index", INT, autoincrement=False, nullable=False),
        sa.Column("start", INT, nullable=False),
        sa.Column("end", INT, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "index"),
    )
    op.create_table(
        "claims",
        sa.Column("id", INT, autoincrement=True, nullable=False),
        sa.Column("article_id", sa.Text(), nullable=False),
        sa.Column("sentence_index", INT, nullable=False),
        sa.Column("start", INT, nullable=False),
        sa.Column("end", INT, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("speaker", sa.Text(), nullable=True),
        sa.Column("key_values", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("version", INT, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "start", "end", name="uq_claim_span"),
    )
    op.create_index("ix_claims_article", "claims", ["article_id"], unique=False)
    op.create_index("ix_claims_status", "claims", ["status"], unique=False)
    op.create_table(
        "sources",
        sa.Column("id", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("publisher", sa.Text(), nullable=True),
        sa.Column("published", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "passages",
        sa.Column("id", INT, autoincrement=True, nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("index", INT, nullable=False),
        sa.Column("start", INT, nullable=False),
        sa.Column("end", INT, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "start", "end", name="uq_passage_span"),
    )
    op.create_index("ix_passages_source", "passages", ["source_id"], unique=False)
    op.create_table(
        "evidence_links",
        sa.Column("id", INT, autoincrement=True, nullable=False),
        sa.Column("claim_id", INT, nullable=False),
        sa.Column("passage_id", INT, nullable=False),
        sa.Column("stance", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewer", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["passage_id"], ["passages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_id", "passage_id", name="uq_link"),
    )
    op.create_table(
        "verdicts",
        sa.Column("claim_id", INT, autoincrement=False, nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.Text(), nullable=False),
        sa.Column("version", INT, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("claim_id"),
    )
    op.create_table(
        "review_events",
        sa.Column("id", INT, autoincrement=True, nullable=False),
        sa.Column("claim_id", INT, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.Text(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_events_claim", "review_events", ["claim_id"], unique=False)
    op.create_table(
        "archive",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("seq", INT, autoincrement=True, nullable=False),
        sa.Column("claim", sa.Text(), nullable=False),
        sa.Column("verdict", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("date", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("origin", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id", name="uq_archive_id"),
    )
    op.create_table(
        "embeddings",
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("model", "text_hash"),
    )
    op.bulk_insert(meta, [{"key": "schema_version", "value": "1"}])


def downgrade() -> None:
    """Drop everything (children first)."""
    for name in (
        "embeddings", "archive", "review_events", "verdicts", "evidence_links", "passages",
        "sources", "claims", "sentences", "articles", "meta",
    ):
        op.drop_table(name)
