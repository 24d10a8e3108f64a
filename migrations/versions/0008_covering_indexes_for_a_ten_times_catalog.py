"""Covering indexes for the catalog search and a model's comment counts.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 11:30:00.000000

Both read many rows by design, and were reading them from the table:

- The catalog's search words match anywhere in a model's name or slug (LIKE
  '%word%'), which no B-tree index can seek, so a search reads every model
  its other filters let through. Through the index on `context_window` alone
  each of those rows was fetched from the table, descriptions and all, so the
  search slowed in step with the catalog's size. The new index holds
  every column the search's count and page read (filters, shown figures,
  sort keys). It starts with `context_window`, so it serves everything the
  index it replaces served (the minimum-context filter, the context sort).
- A model page counts its comments and hidden comments; through the index on
  (model_id, created_at) that fetched every comment row, 100,000 of them on
  a busy model. (model_id, hidden_at) answers both counts from the index.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATALOG_SEARCH_COLUMNS = [
    "context_window",
    "price_input_min",
    "name",
    "slug",
    "status",
    "provider_count",
    "author_id",
    "price_output_min",
    "throughput_max",
]


def upgrade() -> None:
    op.create_index("ix_models_catalog_search", "models", CATALOG_SEARCH_COLUMNS, unique=False)
    op.drop_index("ix_models_context_window", table_name="models")
    op.create_index("ix_comments_model_hidden", "comments", ["model_id", "hidden_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_comments_model_hidden", table_name="comments")
    op.create_index("ix_models_context_window", "models", ["context_window"], unique=False)
    op.drop_index("ix_models_catalog_search", table_name="models")
