"""Accounts, sessions, ratings, comments; job leases, popularity; p75/p99 metrics.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:03:27.403316
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_user_sessions")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_user_sessions_expires_at", ["expires_at"], unique=False)
        batch_op.create_index("ix_user_sessions_user_id", ["user_id"], unique=False)

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"],
            ["users.id"],
            name=op.f("fk_comments_hidden_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_comments_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_comments_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_hidden_by_id", ["hidden_by_id"], unique=False)
        batch_op.create_index("ix_comments_model_created", ["model_id", "created_at"], unique=False)
        batch_op.create_index("ix_comments_user_id", ["user_id"], unique=False)

    op.create_table(
        "popularity_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("downloads", sa.BigInteger(), nullable=True),
        sa.Column("likes", sa.BigInteger(), nullable=True),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_popularity_signals_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_popularity_signals")),
        sa.UniqueConstraint(
            "model_id", "source", name=op.f("uq_popularity_signals_model_id_source")
        ),
    )
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name=op.f("ck_ratings_stars")),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_ratings_model_id_models"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ratings_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("model_id", "user_id", name=op.f("uq_ratings_model_id_user_id")),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index("ix_ratings_user_id", ["user_id"], unique=False)

    with op.batch_alter_table("endpoints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("throughput_p75", sa.Numeric(precision=18, scale=9), nullable=True)
        )
        batch_op.add_column(
            sa.Column("throughput_p99", sa.Numeric(precision=18, scale=9), nullable=True)
        )
        batch_op.add_column(
            sa.Column("ttft_p75_ms", sa.Numeric(precision=18, scale=9), nullable=True)
        )
        batch_op.add_column(
            sa.Column("ttft_p99_ms", sa.Numeric(precision=18, scale=9), nullable=True)
        )

    with op.batch_alter_table("metric_samples", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ttft_p75_ms", sa.Numeric(precision=18, scale=9), nullable=True)
        )
        batch_op.add_column(
            sa.Column("ttft_p99_ms", sa.Numeric(precision=18, scale=9), nullable=True)
        )
        batch_op.add_column(
            sa.Column("throughput_p75", sa.Numeric(precision=18, scale=9), nullable=True)
        )
        batch_op.add_column(
            sa.Column("throughput_p99", sa.Numeric(precision=18, scale=9), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("metric_samples", schema=None) as batch_op:
        batch_op.drop_column("throughput_p99")
        batch_op.drop_column("throughput_p75")
        batch_op.drop_column("ttft_p99_ms")
        batch_op.drop_column("ttft_p75_ms")

    with op.batch_alter_table("endpoints", schema=None) as batch_op:
        batch_op.drop_column("ttft_p99_ms")
        batch_op.drop_column("ttft_p75_ms")
        batch_op.drop_column("throughput_p99")
        batch_op.drop_column("throughput_p75")

    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_ratings_user_id")

    op.drop_table("ratings")
    op.drop_table("popularity_signals")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_user_id")
        batch_op.drop_index("ix_comments_model_created")
        batch_op.drop_index("ix_comments_hidden_by_id")

    op.drop_table("comments")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_user_sessions_user_id")
        batch_op.drop_index("ix_user_sessions_expires_at")

    op.drop_table("user_sessions")
    op.drop_table("users")
    op.drop_table("job_leases")
