"""Metric hours: the hourly means of endpoints' p50 figures that the model page charts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 06:20:00.000000

The table is derived from `metric_samples` (see `app.services.metrics.metric_hours_writer`);
the upgrade fills it from the samples already stored, so charts stay whole.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The start of a sample's UTC hour, as each database stores timestamps (see
# app.services.metrics.time_buckets; spelled out here so the migration never changes).
_HOUR_START = {
    "sqlite": "substr(measured_at, 1, 13) || ':00:00.000000'",
    "postgresql": "timezone('UTC', date_trunc('hour', timezone('UTC', measured_at)))",
}


def upgrade() -> None:
    op.create_table(
        "metric_hours",
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("throughput_p50", sa.Float(), nullable=True),
        sa.Column("ttft_p50_ms", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["endpoints.id"],
            name=op.f("fk_metric_hours_endpoint_id_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("endpoint_id", "hour", name=op.f("pk_metric_hours")),
    )
    hour = _HOUR_START[op.get_bind().dialect.name]
    op.execute(
        "INSERT INTO metric_hours (endpoint_id, hour, throughput_p50, ttft_p50_ms) "  # noqa: S608 - constants
        f"SELECT endpoint_id, {hour}, avg(throughput_p50), avg(ttft_p50_ms) "
        f"FROM metric_samples GROUP BY endpoint_id, {hour}"
    )


def downgrade() -> None:
    op.drop_table("metric_hours")
