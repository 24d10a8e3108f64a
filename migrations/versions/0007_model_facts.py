"""Model facts: each source's statement of a model's facts, and the columns they fill.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 08:00:00.000000

`model_facts` keeps every source's value of a fact (release date, weights,
context window, ...) with when it was first seen, so a page can name the
source and say where sources disagree. `models.reasoning` becomes nullable
(None: not known; stored values are kept), three capabilities join it, and a
model's status may now also be `retired` or `unknown`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES_BEFORE = "status IN ('active', 'preview', 'deprecated')"
_STATUSES_AFTER = "status IN ('active', 'preview', 'deprecated', 'retired', 'unknown')"


def upgrade() -> None:
    op.create_table(
        "model_facts",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_model_facts_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", "field", "source", name=op.f("pk_model_facts")),
    )
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.alter_column("reasoning", existing_type=sa.Boolean(), nullable=True)
        batch_op.add_column(sa.Column("tool_calling", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("structured_outputs", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("deprecates_at", sa.Date(), nullable=True))
        batch_op.drop_constraint(op.f("ck_models_status"), type_="check")
        batch_op.create_check_constraint("status", _STATUSES_AFTER)


def downgrade() -> None:
    """Back to three statuses (retired reads deprecated, unknown active) and a known `reasoning`."""
    op.execute(sa.text("UPDATE models SET status = 'deprecated' WHERE status = 'retired'"))
    op.execute(sa.text("UPDATE models SET status = 'active' WHERE status = 'unknown'"))
    op.execute(sa.text("UPDATE models SET reasoning = false WHERE reasoning IS NULL"))
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_models_status"), type_="check")
        batch_op.create_check_constraint("status", _STATUSES_BEFORE)
        batch_op.drop_column("deprecates_at")
        batch_op.drop_column("structured_outputs")
        batch_op.drop_column("tool_calling")
        batch_op.alter_column("reasoning", existing_type=sa.Boolean(), nullable=False)
    op.drop_table("model_facts")
