"""Saved workloads: a signed-in person's calculator inputs, kept under a name.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:00:00.000000

One row per named workload; the names are unique per person, and the rows go
with the account (ON DELETE CASCADE).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_workloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_saved_workloads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_workloads")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_workloads_user_id_name")),
    )
    op.create_index("ix_saved_workloads_user_id", "saved_workloads", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_saved_workloads_user_id", table_name="saved_workloads")
    op.drop_table("saved_workloads")
