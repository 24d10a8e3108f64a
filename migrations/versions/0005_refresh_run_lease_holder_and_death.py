"""Refresh runs: the lease holder that runs them, and when a run was found dead.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00.000000

`holder` ties a running run to its row in `job_leases`, so /status can tell a
run whose process is alive (its lease is being renewed) from one that died;
`found_dead_at` is when the next run, taking the lapsed lease over, marked it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("refresh_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("found_dead_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("refresh_runs", schema=None) as batch_op:
        batch_op.drop_column("found_dead_at")
        batch_op.drop_column("holder")
