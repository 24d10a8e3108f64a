"""The catalog search's trigram indexes take new entries at once, on PostgreSQL.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 20:10:00.000000

A GIN index puts what is written to it in a pending list (`fastupdate`, on by
default), merged into the index only by VACUUM or once it outgrows
`gin_pending_list_limit` (4 MB); until then every search reads the whole list
besides the index, for each of its words, in each of its two statements.
Models are written in bulk (an import, a refresh re-counting rollups), so after
one the list holds every trigram of thousands of names and slugs, and stays so
as long as autovacuum is off or has not come round. Without the list each
write puts its trigrams straight into the index: a little more work per model
written, none left for the searches.

The upgrade also merges what the list holds already (`gin_clean_pending_list`).
An index 0011 could not make (a database without pg_trgm) is left alone.
SQLite has no such index: nothing changes there.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM_INDEXES = ("ix_models_name_trgm", "ix_models_slug_trgm")


def _existing_trigram_indexes() -> list[str]:
    """The trigram indexes this database has: none on SQLite."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return []
    return [name for name in TRIGRAM_INDEXES if bind.scalar(text(f"SELECT to_regclass('{name}')"))]


def upgrade() -> None:
    for name in _existing_trigram_indexes():
        op.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
        op.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def downgrade() -> None:
    for name in _existing_trigram_indexes():
        op.execute(f"ALTER INDEX {name} RESET (fastupdate)")
