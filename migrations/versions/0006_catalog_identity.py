"""Catalog identity: slug redirects after merges, and endpoints that retire.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 08:00:00.000000

`model_redirects` keeps every slug a merge retired answering with a redirect
to the canonical model. `endpoints.created_by` names the source that first
listed an offer (filled from the source of its first price row), and
`retired_at` when that source stopped listing it. Endpoints of subscription
products (GitHub Copilot, Cursor), which sell no per-token API access, are
retired here: they are not inference offers. Going back, retired endpoints
read as active again, since the older code knows no retirement.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBSCRIPTION_PRODUCTS = ("github-copilot", "cursor")


def upgrade() -> None:
    op.create_table(
        "model_redirects",
        sa.Column("old_slug", sa.String(length=200), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_model_redirects_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("old_slug", name=op.f("pk_model_redirects")),
    )
    op.create_index("ix_model_redirects_model_id", "model_redirects", ["model_id"], unique=False)
    with op.batch_alter_table("endpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        """
        UPDATE endpoints SET created_by = (
            SELECT prices.source FROM prices WHERE prices.endpoint_id = endpoints.id
            ORDER BY prices.effective_from, prices.id LIMIT 1
        )
        """
    )
    endpoints = sa.table(
        "endpoints",
        sa.column("status", sa.String),
        sa.column("retired_at", sa.DateTime(timezone=True)),
        sa.column("provider_id", sa.Integer),
    )
    providers = sa.table("providers", sa.column("id", sa.Integer), sa.column("slug", sa.String))
    op.execute(
        endpoints.update()
        .where(
            endpoints.c.provider_id.in_(
                sa.select(providers.c.id).where(providers.c.slug.in_(SUBSCRIPTION_PRODUCTS))
            )
        )
        .values(status="retired", retired_at=datetime.now(UTC))
    )


def downgrade() -> None:
    op.execute("UPDATE endpoints SET status = 'active' WHERE status = 'retired'")
    with op.batch_alter_table("endpoints", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
        batch_op.drop_column("created_by")
    op.drop_index("ix_model_redirects_model_id", table_name="model_redirects")
    op.drop_table("model_redirects")
