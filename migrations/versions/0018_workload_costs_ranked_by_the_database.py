"""Each model's cost on the stored workloads, in a table the database ranks.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 11:10:00.000000

The comparable models read the default workload's cheapest offer of some two
dozen candidates from `models.workload_costs` (0013), a JSON value per model,
after ranking every model by its rollup prices, an approximation. With a row
per model and workload, indexed by workload and cost, the database picks the
cheapest candidates by what the workload actually costs there, reading only
them. Empty here: the next start of `serve` fills it
(`workload_costs_refresh.store_if_missing`), and until then the page works the
figures out from the offers, as it did before 0013.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_workload_costs",
        sa.Column(
            "model_id",
            sa.Integer(),
            sa.ForeignKey("models.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("workload_key", sa.String(300), primary_key=True),
        sa.Column("per_month", sa.Numeric(precision=18, scale=9), nullable=False),
        sa.Column("offer_label", sa.String(400), nullable=False),
    )
    op.create_index(
        "ix_model_workload_costs_ranking",
        "model_workload_costs",
        ["workload_key", "per_month", "model_id"],
    )
    _drop_stored_json()


def downgrade() -> None:
    op.drop_index("ix_model_workload_costs_ranking", table_name="model_workload_costs")
    op.drop_table("model_workload_costs")
    op.add_column("models", sa.Column("workload_costs", sa.JSON(), nullable=True))


def _drop_stored_json() -> None:
    # In place on SQLite (3.35 and later): Alembic's batch mode would rebuild `models`, and a
    # rebuilt `models` has lost the search index's triggers (0012).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE models DROP COLUMN workload_costs")
    else:
        op.drop_column("models", "workload_costs")
