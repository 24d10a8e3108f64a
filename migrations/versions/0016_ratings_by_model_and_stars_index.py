"""The ratings summary reads an index alone: model id and stars.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 20:05:00.000000

The model page's ratings summary groups a model's ratings by stars. The
unique model-and-user pair holds no stars, so the summary read every rating's
row; with the stars beside the model id in an index, it reads the index
alone, a few entries to a page, however the table's rows are laid out.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ratings_model_id_stars", "ratings", ["model_id", "stars"])


def downgrade() -> None:
    op.drop_index("ix_ratings_model_id_stars", table_name="ratings")
