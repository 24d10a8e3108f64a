"""Initial catalog schema: authors, models, providers, endpoints, prices, metrics, runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 21:46:30.425340
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "authors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authors")),
        sa.UniqueConstraint("slug", name=op.f("uq_authors_slug")),
    )
    op.create_table(
        "providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("api_base", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('inference', 'router')", name=op.f("ck_providers_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
        sa.UniqueConstraint("slug", name=op.f("uq_providers_slug")),
    )
    op.create_table(
        "refresh_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_runs")),
    )
    with op.batch_alter_table("refresh_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_refresh_runs_source_started", ["source", "started_at"], unique=False
        )

    op.create_table(
        "models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("released_at", sa.Date(), nullable=True),
        sa.Column("api_available_at", sa.Date(), nullable=True),
        sa.Column("weights", sa.String(length=10), nullable=True),
        sa.Column("license", sa.String(length=200), nullable=True),
        sa.Column("hf_repo_id", sa.String(length=300), nullable=True),
        sa.Column("context_window", sa.Integer(), nullable=True),
        sa.Column("max_output", sa.Integer(), nullable=True),
        sa.Column("knowledge_cutoff", sa.String(length=40), nullable=True),
        sa.Column("reasoning", sa.Boolean(), nullable=False),
        sa.Column("recommended_for", sa.JSON(), nullable=False),
        sa.Column("discovered", sa.Boolean(), nullable=False),
        sa.Column("price_input_min", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("price_output_min", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("throughput_max", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("provider_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'preview', 'deprecated')", name=op.f("ck_models_status")
        ),
        sa.CheckConstraint(
            "weights IS NULL OR weights IN ('open', 'closed')", name=op.f("ck_models_weights")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["authors.id"],
            name=op.f("fk_models_author_id_authors"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_models")),
        sa.UniqueConstraint("slug", name=op.f("uq_models_slug")),
    )
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.create_index("ix_models_api_available_at", ["api_available_at"], unique=False)
        batch_op.create_index("ix_models_author_id", ["author_id"], unique=False)
        batch_op.create_index("ix_models_context_window", ["context_window"], unique=False)
        batch_op.create_index("ix_models_price_input_min", ["price_input_min"], unique=False)
        batch_op.create_index("ix_models_status_name", ["status", "name"], unique=False)
        batch_op.create_index("ix_models_throughput_max", ["throughput_max"], unique=False)

    op.create_table(
        "benchmark_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("benchmark", sa.String(length=120), nullable=False),
        sa.Column("score", sa.Numeric(precision=18, scale=9), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_benchmark_scores_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benchmark_scores")),
        sa.UniqueConstraint(
            "model_id",
            "benchmark",
            "source",
            name=op.f("uq_benchmark_scores_model_id_benchmark_source"),
        ),
    )
    with op.batch_alter_table("benchmark_scores", schema=None) as batch_op:
        batch_op.create_index(
            "ix_benchmark_scores_benchmark", ["benchmark", "model_id"], unique=False
        )

    op.create_table(
        "endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=40), nullable=False),
        sa.Column("provider_model_id", sa.String(length=300), nullable=False),
        sa.Column("quantization", sa.String(length=20), nullable=True),
        sa.Column("context_window", sa.Integer(), nullable=True),
        sa.Column("max_output", sa.Integer(), nullable=True),
        sa.Column("supported_parameters", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("throughput_p50", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("throughput_p90", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("ttft_p50_ms", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("ttft_p90_ms", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("uptime_pct", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("metrics_source", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_endpoints_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_endpoints_provider_id_providers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endpoints")),
        sa.UniqueConstraint(
            "model_id",
            "provider_id",
            "variant",
            name=op.f("uq_endpoints_model_id_provider_id_variant"),
        ),
    )
    with op.batch_alter_table("endpoints", schema=None) as batch_op:
        batch_op.create_index("ix_endpoints_provider_id", ["provider_id"], unique=False)

    op.create_table(
        "external_ids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("external_id", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_external_ids_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_ids")),
        sa.UniqueConstraint(
            "source", "external_id", name=op.f("uq_external_ids_source_external_id")
        ),
    )
    with op.batch_alter_table("external_ids", schema=None) as batch_op:
        batch_op.create_index("ix_external_ids_model_id", ["model_id"], unique=False)

    op.create_table(
        "model_modalities",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("modality", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "direction IN ('input', 'output')", name=op.f("ck_model_modalities_direction")
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_model_modalities_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "model_id", "direction", "modality", name=op.f("pk_model_modalities")
        ),
    )
    with op.batch_alter_table("model_modalities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_modalities_lookup", ["direction", "modality", "model_id"], unique=False
        )

    op.create_table(
        "metric_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window", sa.String(length=20), nullable=False),
        sa.Column("ttft_p50_ms", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("ttft_p90_ms", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("throughput_p50", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("throughput_p90", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("uptime_pct", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["endpoints.id"],
            name=op.f("fk_metric_samples_endpoint_id_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_samples")),
    )
    with op.batch_alter_table("metric_samples", schema=None) as batch_op:
        batch_op.create_index(
            "ix_metric_samples_endpoint_time", ["endpoint_id", "measured_at"], unique=False
        )

    op.create_table(
        "prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("service_tier", sa.String(length=20), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("input", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("output", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("cache_read", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("cache_write", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("reasoning", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("per_request", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("per_image", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("long_context_threshold", sa.Integer(), nullable=True),
        sa.Column("long_context_input", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("long_context_output", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("long_context_cache_read", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("long_context_cache_write", sa.Numeric(precision=18, scale=9), nullable=True),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.CheckConstraint(
            "service_tier IN ('standard', 'batch', 'flex', 'priority')",
            name=op.f("ck_prices_service_tier"),
        ),
        sa.CheckConstraint(
            "effective_to IS NULL OR effective_to > effective_from",
            name=op.f("ck_prices_effective_range"),
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["endpoints.id"],
            name=op.f("fk_prices_endpoint_id_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prices")),
        sa.UniqueConstraint(
            "endpoint_id",
            "service_tier",
            "effective_from",
            name=op.f("uq_prices_endpoint_id_service_tier_effective_from"),
        ),
    )
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_prices_current",
            ["endpoint_id", "service_tier"],
            unique=True,
            sqlite_where=sa.text("effective_to IS NULL"),
            postgresql_where=sa.text("effective_to IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_prices_current",
            sqlite_where=sa.text("effective_to IS NULL"),
            postgresql_where=sa.text("effective_to IS NULL"),
        )

    op.drop_table("prices")
    with op.batch_alter_table("metric_samples", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_samples_endpoint_time")

    op.drop_table("metric_samples")
    with op.batch_alter_table("model_modalities", schema=None) as batch_op:
        batch_op.drop_index("ix_model_modalities_lookup")

    op.drop_table("model_modalities")
    with op.batch_alter_table("external_ids", schema=None) as batch_op:
        batch_op.drop_index("ix_external_ids_model_id")

    op.drop_table("external_ids")
    with op.batch_alter_table("endpoints", schema=None) as batch_op:
        batch_op.drop_index("ix_endpoints_provider_id")

    op.drop_table("endpoints")
    with op.batch_alter_table("benchmark_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_benchmark_scores_benchmark")

    op.drop_table("benchmark_scores")
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_index("ix_models_throughput_max")
        batch_op.drop_index("ix_models_status_name")
        batch_op.drop_index("ix_models_price_input_min")
        batch_op.drop_index("ix_models_context_window")
        batch_op.drop_index("ix_models_author_id")
        batch_op.drop_index("ix_models_api_available_at")

    op.drop_table("models")
    with op.batch_alter_table("refresh_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_refresh_runs_source_started")

    op.drop_table("refresh_runs")
    op.drop_table("providers")
    op.drop_table("authors")
