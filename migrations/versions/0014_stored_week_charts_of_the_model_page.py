"""Each model's week of charts, stored with the hourly means they are drawn from.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 18:00:00.000000

The model page draws two charts per provider from a week of hourly means;
reading the means and working out the geometry was the largest part of its
history when nothing is remembered. Every write of the means now stores that
geometry per model for the current window (`services.metrics.stored_metric_charts`).
Empty until the next refresh: the page draws from the means meanwhile.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metric_charts",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("charts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_metric_charts_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", name=op.f("pk_metric_charts")),
    )


def downgrade() -> None:
    op.drop_table("metric_charts")
