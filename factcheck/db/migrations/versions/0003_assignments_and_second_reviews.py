"""The review desk: assignments (claim -> reviewer) and blind second reviews (first verdict,
second verdict saved without seeing it, the editor's resolution).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the assignments and second_reviews tables (both keyed by claim)."""
    op.create_table(
        "assignments",
        sa.Column("claim_id", INT, nullable=False),
        sa.Column("assignee", sa.Text(), nullable=False),
        sa.Column("assigned_by", sa.Text(), nullable=False),
        sa.Column("assigned_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("claim_id"),
    )
    op.create_index("ix_assignments_assignee", "assignments", ["assignee"], unique=False)
    op.create_table(
        "second_reviews",
        sa.Column("claim_id", INT, nullable=False),
        sa.Column("first_reviewer", sa.Text(), nullable=False),
        sa.Column("first_label", sa.Text(), nullable=False),
        sa.Column("first_rationale", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("second_reviewer", sa.Text(), nullable=True),
        sa.Column("second_label", sa.Text(), nullable=True),
        sa.Column("second_rationale", sa.Text(), nullable=False),
        sa.Column("second_at", TS, nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("resolved_label", sa.Text(), nullable=True),
        sa.Column("resolved_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("claim_id"),
    )


def downgrade() -> None:
    """Drop them again (claims, verdicts and the review history stay)."""
    op.drop_table("second_reviews")
    op.drop_index("ix_assignments_assignee", table_name="assignments")
    op.drop_table("assignments")
