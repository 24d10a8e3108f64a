"""A covering index for the catalog search, in place of the index on context window alone.

Revision ID: 0008_scale_catalog_search
Revises: 0007
Create Date: 2026-12-02 11:30:00.000000

The catalog's search words match anywhere in a model's name or slug (LIKE
'%word%'), which no B-tree index can seek, so every search reads every model
its other filters let through. Through the index on `context_window` alone,
each of those rows was then fetched from the table, descriptions and all: at
ten times today's catalog that made the search grow past its 10 ms. This
index holds every column the search's count and its page read (filters,
displayed figures, sort keys), so both run on the index without touching the
table. It starts with `context_window`, so it also serves everything the
index it replaces served (the minimum-context filter, the context sort).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_scale_catalog_search"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
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
    op.create_index("ix_models_catalog_search", "models", COLUMNS, unique=False)
    op.drop_index("ix_models_context_window", table_name="models")


def downgrade() -> None:
    op.create_index("ix_models_context_window", "models", ["context_window"], unique=False)
    op.drop_index("ix_models_catalog_search", table_name="models")
