"""Each model's cost on the default workload, stored for the comparable models.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 17:30:00.000000

The model page lists the models cheapest for its workload among some two
dozen candidates; working out each candidate's cheapest offer from its every
endpoint and price was most of a page rendered without the memos. The rollup
refresh now stores that result for the default workload
(`services.pricing.stored_workload_costs`), and the page reads it with the
candidates. NULL until the next refresh: the page works it out meanwhile.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("models", sa.Column("workload_costs", sa.JSON(), nullable=True))


def downgrade() -> None:
    # SQLite drops a column in place since 3.35. Alembic's batch mode would rebuild the
    # table instead, and a rebuilt `models` has lost the search index's triggers (0012).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE models DROP COLUMN workload_costs")
    else:
        op.drop_column("models", "workload_costs")
